/* stats_table.c - Wireshark's Statistics > TCP Connection Closures: the per-connection table. */
#include "frame_results.h"
#include "stats_internal.h"

#include <string.h>

#include <epan/dissectors/packet-tcp.h>
#include <epan/stat_tap_ui.h>
#include <epan/tap.h>

/* Wireshark: Statistics > TCP Connection Closures, a stat_tap_table.
 *
 * The dialog registers the table's listener with the display filter and no flags: its packet
 * callback sees only matching packets.  So the table listens to the "tcp" tap (a row for every
 * connection with a TCP segment passing the filter: every connection when there is none,
 * including those that never began closing) and a helper listener on the "tcpclose" tap,
 * registered once and never filtered, gathers what the closing segments say and refreshes the
 * rows.  The dialog only runs once the capture is loaded, so the connection records are final. */

#define GUI_TABLE_TITLE "Connections"

enum {
    GUI_STREAM,
    GUI_CLIENT,
    GUI_SERVER,
    GUI_TYPE,
    GUI_ACTIVE,
    GUI_CAUSE,
    GUI_CLOSE,
    GUI_COMPLETE,
    GUI_DURATION,
    GUI_CLIENT_STATE,
    GUI_SERVER_STATE,
    GUI_WARNINGS,
    GUI_COLUMNS
};

static stat_tap_table_item gui_fields[GUI_COLUMNS] = {
    {TABLE_ITEM_UINT, TAP_ALIGN_RIGHT, "Stream", "%u"},
    {TABLE_ITEM_STRING, TAP_ALIGN_LEFT, "Client", "%s"},
    {TABLE_ITEM_STRING, TAP_ALIGN_LEFT, "Server", "%s"},
    {TABLE_ITEM_STRING, TAP_ALIGN_LEFT, "Closure type", "%s"},
    {TABLE_ITEM_STRING, TAP_ALIGN_LEFT, "Active close by", "%s"},
    {TABLE_ITEM_STRING, TAP_ALIGN_LEFT, "RST cause", "%s"},
    {TABLE_ITEM_UINT, TAP_ALIGN_RIGHT, "Close began in", "%u"},
    {TABLE_ITEM_UINT, TAP_ALIGN_RIGHT, "Completed in", "%u"},
    {TABLE_ITEM_FLOAT, TAP_ALIGN_RIGHT, "Close duration (s)", "%f"},
    {TABLE_ITEM_STRING, TAP_ALIGN_LEFT, "Client state", "%s"},
    {TABLE_ITEM_STRING, TAP_ALIGN_LEFT, "Server state", "%s"},
    {TABLE_ITEM_UINT, TAP_ALIGN_RIGHT, "Warnings", "%u"},
};

static stat_tap_table *gui_table;    /* the table being filled, NULL when none */
static GHashTable *gui_rows;         /* conn -> row index + 1 */
static GHashTable *gui_incarnations; /* tcp.stream + 1 -> GPtrArray of conns, in order */
static GHashTable *gui_aggs;         /* the helper's: conn -> struct conn_agg */
static gboolean gui_helper_registered;

/* The fields that the closing segments decide; the rest is the record's. */
static void gui_set_segment_fields(stat_tap_table_item_type *row, const struct conn_facts *f)
{
    row[GUI_CAUSE].type = TABLE_ITEM_STRING;
    row[GUI_CAUSE].value.string_value = f->cause == TC_CAUSE_NONE ? "" : tc_cause_name(f->cause);
    row[GUI_CLIENT_STATE].type = TABLE_ITEM_STRING;
    row[GUI_CLIENT_STATE].value.string_value = tc_state_name(f->client_state);
    row[GUI_SERVER_STATE].type = TABLE_ITEM_STRING;
    row[GUI_SERVER_STATE].value.string_value = tc_state_name(f->server_state);
    row[GUI_WARNINGS].type = TABLE_ITEM_UINT;
    row[GUI_WARNINGS].value.uint_value = f->warnings;
}

/* whole: the capture has been read whole (the frame tapped is dissected on a later pass). */
static void gui_add_row(stat_tap_table *table, const struct tcpclose_conn *conn, gboolean whole)
{
    stat_tap_table_item_type row[GUI_COLUMNS];
    struct conn_facts f;

    facts_of(conn, (const struct conn_agg *)g_hash_table_lookup(gui_aggs, conn), TRUE, whole, &f);
    memset(row, 0, sizeof row); /* TABLE_ITEM_NONE: an empty cell that sorts as 0 */
    row[GUI_STREAM].type = TABLE_ITEM_UINT;
    row[GUI_STREAM].value.uint_value = conn->stream;
    row[GUI_CLIENT].type = TABLE_ITEM_STRING;
    row[GUI_CLIENT].value.string_value = g_strdup(f.client);
    row[GUI_SERVER].type = TABLE_ITEM_STRING;
    row[GUI_SERVER].value.string_value = g_strdup(f.server);
    row[GUI_TYPE].type = TABLE_ITEM_STRING;
    row[GUI_TYPE].value.string_value = type_token(f.type);
    row[GUI_ACTIVE].type = TABLE_ITEM_STRING;
    row[GUI_ACTIVE].value.string_value = f.side == TC_SIDE_NONE ? "" : tc_side_name(f.side);
    if (f.close_frame != 0) {
        row[GUI_CLOSE].type = TABLE_ITEM_UINT;
        row[GUI_CLOSE].value.uint_value = f.close_frame;
    }
    if (f.finished) {
        row[GUI_COMPLETE].type = TABLE_ITEM_UINT;
        row[GUI_COMPLETE].value.uint_value = f.complete_frame;
        row[GUI_DURATION].type = TABLE_ITEM_FLOAT;
        row[GUI_DURATION].value.float_value = f.duration;
    }
    gui_set_segment_fields(row, &f);
    guint index = table->num_elements;
    stat_tap_init_table_row(table, index, GUI_COLUMNS, row);
    g_hash_table_insert(gui_rows, (gpointer)conn, GUINT_TO_POINTER(index + 1));
}

static void gui_free_item(stat_tap_table *table, guint row _U_, guint column, stat_tap_table_item_type *field)
{
    if (column == GUI_CLIENT || column == GUI_SERVER) {
        g_free((char *)field->value.string_value);
        field->value.string_value = NULL;
    }
    if (table == gui_table) {
        /* The dialog frees its table: the helper must not touch it any more. */
        gui_table = NULL;
        g_hash_table_remove_all(gui_rows);
    }
}

static void gui_index_conn(const struct tcpclose_conn *conn, void *user _U_)
{
    gpointer key = GUINT_TO_POINTER(conn->stream + 1);
    GPtrArray *list = (GPtrArray *)g_hash_table_lookup(gui_incarnations, key);
    if (list == NULL) {
        list = g_ptr_array_new();
        g_hash_table_insert(gui_incarnations, key, list);
    }
    g_ptr_array_add(list, (gpointer)conn);
}

static void gui_reset(stat_tap_table *table)
{
    for (guint i = 0; i < table->num_elements; i++) {
        g_free((char *)table->elements[i][GUI_CLIENT].value.string_value);
        g_free((char *)table->elements[i][GUI_SERVER].value.string_value);
        g_free(table->elements[i]);
    }
    g_free(table->elements);
    table->elements = NULL;
    table->num_elements = 0;
    gui_table = table;
    g_hash_table_remove_all(gui_rows);
    g_hash_table_remove_all(gui_incarnations);
    connections_foreach(gui_index_conn, NULL);
}

/* The incarnation of tcp.stream that frame belongs to: the last one begun at or before it. */
static const struct tcpclose_conn *gui_conn_at(guint32 stream, guint32 frame)
{
    GPtrArray *list = (GPtrArray *)g_hash_table_lookup(gui_incarnations, GUINT_TO_POINTER(stream + 1));
    if (list == NULL)
        return NULL;
    for (guint i = list->len; i > 0; i--) {
        const struct tcpclose_conn *conn = (const struct tcpclose_conn *)g_ptr_array_index(list, i - 1);
        if (conn->first_frame <= frame)
            return conn;
    }
    return NULL;
}

static tap_packet_status gui_packet(void *tapdata, packet_info *pinfo, epan_dissect_t *edt _U_, const void *data,
                                    tap_flags_t flags _U_)
{
    stat_data_t *sd = (stat_data_t *)tapdata;
    const struct tcpheader *tcph = (const struct tcpheader *)data;
    stat_tap_table *table = g_array_index(sd->stat_tap_data->tables, stat_tap_table *, 0);
    const struct tcpclose_conn *conn = gui_conn_at(tcph->th_stream, pinfo->num);

    if (conn == NULL || table != gui_table || g_hash_table_contains(gui_rows, conn))
        return TAP_PACKET_DONT_REDRAW;
    gui_add_row(table, conn, frame_results_later_pass());
    return TAP_PACKET_REDRAW;
}

static tap_packet_status gui_helper_packet(void *tapdata _U_, packet_info *pinfo _U_, epan_dissect_t *edt _U_,
                                           const void *data, tap_flags_t flags _U_)
{
    const struct tcpclose_segment *r = (const struct tcpclose_segment *)data;
    const struct conn_agg *agg = aggs_add(gui_aggs, r, TRUE);
    guint index = GPOINTER_TO_UINT(g_hash_table_lookup(gui_rows, r->conn));

    if (gui_table != NULL && index != 0 && index <= gui_table->num_elements) {
        struct conn_facts f;
        facts_of(r->conn, agg, FALSE, frame_results_later_pass(), &f);
        gui_set_segment_fields(gui_table->elements[index - 1], &f);
    }
    return TAP_PACKET_DONT_REDRAW;
}

static void gui_init(stat_tap_table_ui *ui)
{
    if (!gui_helper_registered) {
        GString *error = register_tap_listener("tcpclose", &gui_aggs, NULL, TL_REQUIRES_NOTHING, NULL,
                                               gui_helper_packet, NULL, NULL);
        if (error != NULL) {
            ws_warning("tcpclose: cannot gather the closing segments for the table: %s", error->str);
            g_string_free(error, TRUE);
        } else {
            gui_helper_registered = TRUE;
        }
    }
    gui_table = stat_tap_find_table(ui, GUI_TABLE_TITLE);
    if (gui_table == NULL) {
        gui_table = stat_tap_init_table(GUI_TABLE_TITLE, GUI_COLUMNS, 0, NULL);
        stat_tap_add_table(ui, gui_table);
    }
    g_hash_table_remove_all(gui_rows);
}

static stat_tap_table_ui gui_conns_table = {
    REGISTER_PACKET_STAT_GROUP_UNSORTED,
    "TCP Connection Closures",
    "tcp",
    "tcpclose,conns", /* Wireshark's -z tcpclose,conns[,FILTER]; tshark's is the text form */
    gui_init,
    gui_packet,
    gui_reset,
    gui_free_item,
    NULL,
    GUI_COLUMNS,
    gui_fields,
    0,
    NULL,
    NULL,
    0,
};

static void free_ptr_array(gpointer array)
{
    g_ptr_array_free((GPtrArray *)array, TRUE);
}

/* A new capture file, or dissection again: the records the helper and the table point to are gone. */
static void table_file_reset(void)
{
    g_hash_table_remove_all(gui_aggs);
    g_hash_table_remove_all(gui_rows);
    g_hash_table_remove_all(gui_incarnations);
    gui_table = NULL;
}

void stats_table_register(void)
{
    gui_rows = g_hash_table_new(g_direct_hash, g_direct_equal);
    gui_incarnations = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL, free_ptr_array);
    gui_aggs = aggs_new();
    register_init_routine(table_file_reset);
    register_stat_tap_table_ui(&gui_conns_table);
}
