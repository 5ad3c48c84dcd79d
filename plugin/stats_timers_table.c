/* stats_timers_table.c - Wireshark's Statistics > TCP Idle Timers: the idle timers inferred per
 * endpoint (idle_timer_table.c) as a table, with the columns of tshark's -z tcpclose,timers
 * (stats_timers.c). */
#include "idle_timer_table.h"
#include "frame_results.h"
#include "stats_internal.h"

#include <string.h>

#include <epan/stat_tap_ui.h>
#include <epan/tap.h>

/* A stat_tap_table on the "tcpclose" tap.  The timers come from the whole capture, so the table
 * is filled on frames seen before (the dialog's retap once the capture is loaded, tshark's second
 * pass), never while a first pass is still storing the closes they are inferred from.  An
 * endpoint's row appears when one of the closes that match its timer passes the dialog's display
 * filter: without one, every timer; the rows keep the order of -z tcpclose,timers.
 *
 * Its name is "tcpclose,timers_table", not tshark's "tcpclose,timers" (the text form, registered
 * first, would win in tshark), nor "tcpclose,timers,table" (Wireshark reads what follows a second
 * comma as the dialog's display filter): "wireshark -z tcpclose,timers_table[,FILTER]" opens the
 * dialog, and "tshark -2 -z tcpclose,timers_table[,FILTER]" prints the same table through tshark's
 * own printer (what the tests read). */

#define TIMERS_TABLE_TITLE "Idle timers"

enum {
    TIMER_ENDPOINT,
    TIMER_ROLE,
    TIMER_CLOSED_BY,
    TIMER_SECONDS,
    TIMER_MATCHING,
    TIMER_CLOSES,
    TIMER_SPREAD,
    TIMER_COLUMNS
};

static stat_tap_table_item timer_fields[TIMER_COLUMNS] = {
    {TABLE_ITEM_STRING, TAP_ALIGN_LEFT, "Endpoint", "%s"},       /* a server's address:port, a client's address */
    {TABLE_ITEM_STRING, TAP_ALIGN_LEFT, "Role", "%s"},           /* CLIENT or SERVER */
    {TABLE_ITEM_STRING, TAP_ALIGN_LEFT, "Closed by", "%s"},      /* how the matching closes began */
    {TABLE_ITEM_FLOAT, TAP_ALIGN_RIGHT, "Timer (s)", "%f"},      /* the median of their idle times */
    {TABLE_ITEM_UINT, TAP_ALIGN_RIGHT, "Matching closes", "%u"}, /* the closes that match the timer */
    {TABLE_ITEM_UINT, TAP_ALIGN_RIGHT, "Closes", "%u"},          /* every close the endpoint began */
    {TABLE_ITEM_FLOAT, TAP_ALIGN_RIGHT, "Spread (s)", "%f"},     /* the longest minus the shortest idle time */
};

struct fill {
    stat_tap_table *table;
    GHashTable *endpoints; /* the endpoints to show, by their text */
    guint rows;
};

static void fill_row(const struct idle_timer_endpoint *t, void *user)
{
    struct fill *fill = (struct fill *)user;
    stat_tap_table_item_type row[TIMER_COLUMNS];
    char endpoint[ENDPOINT_TEXT_SIZE];

    timer_endpoint_text(endpoint, t);
    if (!g_hash_table_contains(fill->endpoints, endpoint))
        return;
    memset(row, 0, sizeof row);
    row[TIMER_ENDPOINT].type = TABLE_ITEM_STRING;
    row[TIMER_ENDPOINT].value.string_value = g_strdup(endpoint);
    row[TIMER_ROLE].type = TABLE_ITEM_STRING;
    row[TIMER_ROLE].value.string_value = tc_role_name((enum tc_role)t->role);
    row[TIMER_CLOSED_BY].type = TABLE_ITEM_STRING;
    row[TIMER_CLOSED_BY].value.string_value = idle_timer_closed_by(t);
    row[TIMER_SECONDS].type = TABLE_ITEM_FLOAT;
    row[TIMER_SECONDS].value.float_value = (double)t->timer.timer_ns / 1e9;
    row[TIMER_MATCHING].type = TABLE_ITEM_UINT;
    row[TIMER_MATCHING].value.uint_value = t->timer.matches;
    row[TIMER_CLOSES].type = TABLE_ITEM_UINT;
    row[TIMER_CLOSES].value.uint_value = t->timer.closes;
    row[TIMER_SPREAD].type = TABLE_ITEM_FLOAT;
    row[TIMER_SPREAD].value.float_value = (double)(t->timer.high_ns - t->timer.low_ns) / 1e9;
    if (fill->rows < fill->table->num_elements) /* the row is written again: its old endpoint goes */
        g_free((char *)fill->table->elements[fill->rows][TIMER_ENDPOINT].value.string_value);
    stat_tap_init_table_row(fill->table, fill->rows++, TIMER_COLUMNS, row);
}

static tap_packet_status timers_table_packet(void *tapdata, packet_info *pinfo _U_, epan_dissect_t *edt _U_,
                                             const void *data, tap_flags_t flags _U_)
{
    stat_data_t *sd = (stat_data_t *)tapdata;
    stat_tap_table *table = g_array_index(sd->stat_tap_data->tables, stat_tap_table *, 0);
    const struct tcpclose_segment *s = (const struct tcpclose_segment *)data;
    char endpoint[ENDPOINT_TEXT_SIZE];

    if (!frame_results_later_pass())
        return TAP_PACKET_DONT_REDRAW; /* a first pass: the timers are not known yet */
    const struct idle_timer_endpoint *t = idle_timer_of(s);
    if (t == NULL)
        return TAP_PACKET_DONT_REDRAW;
    timer_endpoint_text(endpoint, t);
    struct fill fill = {table, g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL), 0};
    for (guint i = 0; i < table->num_elements; i++)
        g_hash_table_add(fill.endpoints, g_strdup(table->elements[i][TIMER_ENDPOINT].value.string_value));
    gboolean shown = !g_hash_table_add(fill.endpoints, g_strdup(endpoint));
    /* A new endpoint (at most once for each timer): the rows are written again, in the timers'
     * order. */
    if (!shown)
        idle_timers_foreach(fill_row, &fill);
    g_hash_table_destroy(fill.endpoints);
    return shown ? TAP_PACKET_DONT_REDRAW : TAP_PACKET_REDRAW;
}

static void timers_table_reset(stat_tap_table *table)
{
    for (guint i = 0; i < table->num_elements; i++) {
        g_free((char *)table->elements[i][TIMER_ENDPOINT].value.string_value);
        g_free(table->elements[i]);
    }
    g_free(table->elements);
    table->elements = NULL;
    table->num_elements = 0;
}

static void timers_table_free_item(stat_tap_table *table _U_, guint row _U_, guint column,
                                   stat_tap_table_item_type *field)
{
    if (column == TIMER_ENDPOINT) {
        g_free((char *)field->value.string_value);
        field->value.string_value = NULL;
    }
}

static void timers_table_init(stat_tap_table_ui *ui)
{
    if (stat_tap_find_table(ui, TIMERS_TABLE_TITLE) == NULL)
        stat_tap_add_table(ui, stat_tap_init_table(TIMERS_TABLE_TITLE, TIMER_COLUMNS, 0, NULL));
}

static stat_tap_table_ui timers_table = {
    REGISTER_PACKET_STAT_GROUP_UNSORTED,
    "TCP Idle Timers",
    "tcpclose",
    "tcpclose,timers_table",
    timers_table_init,
    timers_table_packet,
    timers_table_reset,
    timers_table_free_item,
    NULL,
    TIMER_COLUMNS,
    timer_fields,
    0,
    NULL,
    NULL,
    0,
};

void stats_timers_table_register(void)
{
    register_stat_tap_table_ui(&timers_table);
}
