/* stats.c - tcpclose's statistics.
 *
 * tshark (-z, registered with register_stat_tap_ui, printed by our own draw callbacks):
 *   -z tcpclose,conns[,FILTER]      one line per connection incarnation, in order of appearance
 *   -z tcpclose,conns,csv[,FILTER]  the same as CSV with a header line, for scripts
 *   -z tcpclose,summary[,FILTER]    counts by closure type x active side, RST cause, warning;
 *                                   connections still open; close duration percentiles
 *   -z tcpclose,ladder,STREAM       the closure of one connection as a text ladder
 * Wireshark (Statistics menu):
 *   "TCP Connection Closures"        the per-connection table (a stat_tap_table)
 *   "TCP Connection Closure Summary" the summary counts (a stats_tree; -z tcpclose,tree)
 *
 * What a connection is comes from its record (connections_foreach: final state once the first
 * pass is over); what only its closing segments say (the RST's cause, warnings, the states after
 * its last annotated segment) comes from the "tcpclose" tap, which delivers every closing segment
 * with its stored annotation on every pass.  tshark draws after the last packet, so a single
 * pass is complete; with a FILTER only the connections with a closing segment matching it are
 * shown.  The taps run with TL_IGNORE_DISPLAY_FILTER: they see every closing segment (for the
 * facts) and are told which ones match (for the selection).
 */
#include "stats.h"

#ifdef _WIN32
#include <ws2tcpip.h>
#else
#include <arpa/inet.h>
#include <sys/socket.h>
#endif
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <epan/dissectors/packet-tcp.h>
#include <epan/packet.h>
#include <epan/stat_tap_ui.h>
#include <epan/stats_tree.h>
#include <epan/stats_tree_priv.h>
#include <epan/tap.h>

#include "closure.h"
#include "connections.h"
#include "packet-tcpclose.h"

/* ------------------------------------------------------------------------------------------ */
/* Warnings: the warning-severity expert infos of tcpclose, by their filter names. */

enum warning {
    W_FIN_UNACKED,
    W_FIN_UNANSWERED,
    W_IGNORED_AFTER_RST,
    W_RST_OUT_OF_WINDOW,
    W_RST_NO_CONNECTION,
    W_TIME_WAIT_ASSASSINATION,
    W_SUSPECTED_RST_INJECTION,
    W_COUNT
};

static const struct {
    const char *name;
    guint32 event; /* 0: judged from the connection's final state (tc_fin_outcome) */
} warning_info[W_COUNT] = {
    {"fin_unacked", 0},
    {"fin_unanswered", 0},
    {"ignored_after_rst", TC_EV_IGNORED_AFTER_RST},
    {"rst_out_of_window", TC_EV_RST_OUT_OF_WINDOW},
    {"rst_no_connection", TC_EV_RST_NO_CONNECTION},
    {"time_wait_assassination", TC_EV_TIME_WAIT_ASSASSINATION},
    {"suspected_rst_injection", TC_EV_SUSPECTED_RST_INJECTION},
};

/* Closure types as rows: the five closing types, then OPEN (never began closing). */
#define TYPE_ROWS 6
static const enum tc_close_type type_of_row[TYPE_ROWS] = {TC_TYPE_GRACEFUL, TC_TYPE_HALF_CLOSED, TC_TYPE_RESET,
                                                          TC_TYPE_ABORTED, TC_TYPE_REFUSED, TC_TYPE_NONE};

static const char *type_token(enum tc_close_type type)
{
    return type == TC_TYPE_NONE ? "OPEN" : tc_type_name(type);
}

static int row_of_type(enum tc_close_type type)
{
    for (int i = 0; i < TYPE_ROWS; i++) {
        if (type_of_row[i] == type)
            return i;
    }
    return TYPE_ROWS - 1;
}

/* Active sides as columns: CLIENT, SERVER, BOTH; -1 for none. */
static int column_of_side(enum tc_side side)
{
    switch (side) {
    case TC_SIDE_CLIENT:
        return 0;
    case TC_SIDE_SERVER:
        return 1;
    case TC_SIDE_BOTH:
        return 2;
    case TC_SIDE_NONE:
        break;
    }
    return -1;
}
#define CAUSES (TC_CAUSE_IDLE_TIMEOUT + 1)

/* ------------------------------------------------------------------------------------------ */
/* What the closing segments of one connection said, gathered from the tap. */

struct conn_agg {
    enum tc_rst_cause close_rst_cause; /* of the RST that began the close, if one did */
    enum tc_rst_cause rst_cause;   /* of the RST that reset the connection (phase RST) */
    enum tc_state client_state;    /* after the last annotated segment */
    enum tc_state server_state;
    gboolean annotated;
    gboolean matched;              /* a closing segment matched the filter */
    guint32 last_frame;            /* to take each segment once when a listener sees a pass again */
    guint events[W_COUNT];         /* occurrences of the event warnings */
};

static GHashTable *aggs_new(void)
{
    return g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL, g_free);
}

/* frame: the frame r was stored with (the tap's pinfo->num). */
static struct conn_agg *aggs_add(GHashTable *aggs, const struct tcpclose_segment *r, guint32 frame, gboolean matched)
{
    struct conn_agg *agg = (struct conn_agg *)g_hash_table_lookup(aggs, r->conn);

    if (agg == NULL) {
        agg = g_new0(struct conn_agg, 1);
        g_hash_table_insert(aggs, (gpointer)r->conn, agg);
    }
    if (matched)
        agg->matched = TRUE;
    if (agg->annotated && frame <= agg->last_frame)
        return agg; /* seen already (a listener that outlives a pass) */
    agg->last_frame = frame;
    agg->annotated = TRUE;
    agg->client_state = r->ann.client_state;
    agg->server_state = r->ann.server_state;
    if (r->ann.phase == TC_PHASE_RST)
        agg->rst_cause = r->ann.rst_cause;
    if ((r->flags & TC_FLAG_RST) && r->ann.close_frame == frame)
        agg->close_rst_cause = r->ann.rst_cause;
    for (int w = 0; w < W_COUNT; w++) {
        if (r->ann.events & warning_info[w].event)
            agg->events[w]++;
    }
    return agg;
}

/* ------------------------------------------------------------------------------------------ */
/* One connection, as every view shows it. */

struct conn_facts {
    const struct tcpclose_conn *conn;
    char client[64];               /* address:port, [address]:port for IPv6 */
    char server[64];
    enum tc_close_type type;       /* TC_TYPE_NONE: never began closing (OPEN) */
    enum tc_side side;
    enum tc_rst_cause cause;       /* the connection's RST: the one that began the close, else the one that ended it */
    guint32 close_frame;           /* 0: none */
    guint32 complete_frame;        /* 0: the close has not completed and no RST ended it */
    gboolean finished;             /* completed or reset: complete_frame and duration are known */
    double duration;               /* seconds from close_frame to complete_frame */
    enum tc_state client_state;
    enum tc_state server_state;
    guint warn[W_COUNT];
    guint warnings;
};

static void format_endpoint(char *out, size_t size, const struct tcpclose_conn *conn, unsigned endpoint)
{
    char addr[INET6_ADDRSTRLEN] = "?";

    if (conn->addr_len == 16) {
        if (inet_ntop(AF_INET6, connection_address(conn, endpoint), addr, sizeof addr) == NULL)
            g_strlcpy(addr, "?", sizeof addr);
        snprintf(out, size, "[%s]:%u", addr, conn->port[endpoint]);
        return;
    }
    if (conn->addr_len == 4 && inet_ntop(AF_INET, connection_address(conn, endpoint), addr, sizeof addr) == NULL)
        g_strlcpy(addr, "?", sizeof addr);
    snprintf(out, size, "%s:%u", addr, conn->port[endpoint]);
}

static void facts_of(const struct tcpclose_conn *conn, const struct conn_agg *agg, gboolean with_addresses,
                     struct conn_facts *f)
{
    const struct tc_connection *m = &conn->machine;
    unsigned client = m->client & 1u, server = 1u - client;

    memset(f, 0, sizeof *f);
    f->conn = conn;
    if (with_addresses) {
        format_endpoint(f->client, sizeof f->client, conn, client);
        format_endpoint(f->server, sizeof f->server, conn, server);
    }
    f->type = m->type;
    f->side = m->active_side;
    /* Why the connection was reset: the RST that began its close (even one its receiver
     * challenged: its sender has aborted), else the RST that ended it. */
    if (agg != NULL)
        f->cause = agg->close_rst_cause != TC_CAUSE_NONE ? agg->close_rst_cause
                   : m->reset                           ? agg->rst_cause
                                                        : TC_CAUSE_NONE;
    f->close_frame = m->close_frame;
    f->finished = m->complete || m->reset;
    if (f->finished) {
        nstime_t delta = ns_to_nstime(conn->complete_time_ns - conn->close_time_ns);
        f->complete_frame = m->complete_frame;
        f->duration = nstime_to_sec(&delta);
    }
    /* The states after the connection's last annotated segment; before any, its handshake's. */
    if (agg != NULL && agg->annotated) {
        f->client_state = agg->client_state;
        f->server_state = agg->server_state;
    } else {
        f->client_state = m->ep[client].handshake_state;
        f->server_state = m->ep[server].handshake_state;
    }
    for (int w = 0; w < W_COUNT; w++)
        f->warn[w] = agg != NULL ? agg->events[w] : 0;
    for (unsigned ep = 0; ep < 2; ep++) {
        switch (tc_fin_outcome(m, ep)) {
        case TC_FIN_UNACKED:
            f->warn[W_FIN_UNACKED]++;
            break;
        case TC_FIN_UNANSWERED:
            f->warn[W_FIN_UNANSWERED]++;
            break;
        case TC_FIN_OK:
            break;
        }
    }
    for (int w = 0; w < W_COUNT; w++)
        f->warnings += f->warn[w];
}

/* Nearest-rank percentile of sorted values: the smallest value with at least pct % at or below it. */
static double percentile(const double *sorted, guint count, guint pct)
{
    guint rank = (pct * count + 99) / 100;
    return sorted[rank > 0 ? rank - 1 : 0];
}

static int compare_doubles(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y ? 1 : 0;
}

/* ------------------------------------------------------------------------------------------ */
/* Plain text tables for tshark: columns as wide as their widest cell, two spaces apart. */

struct column {
    const char *title;
    gboolean right;
};

struct text_table {
    const struct column *columns;
    guint ncolumns;
    GPtrArray *cells; /* row after row, ncolumns each, owned */
};

static void table_init(struct text_table *t, const struct column *columns, guint ncolumns)
{
    t->columns = columns;
    t->ncolumns = ncolumns;
    t->cells = g_ptr_array_new_with_free_func(g_free);
}

static void table_cell(struct text_table *t, const char *format, ...) G_GNUC_PRINTF(2, 3);
static void table_cell(struct text_table *t, const char *format, ...)
{
    va_list args;
    va_start(args, format);
    g_ptr_array_add(t->cells, g_strdup_vprintf(format, args));
    va_end(args);
}

static void table_print_row(const struct text_table *t, const guint *width, const char *const *row)
{
    GString *line = g_string_new(NULL);
    for (guint c = 0; c < t->ncolumns; c++) {
        guint pad = width[c] - (guint)g_utf8_strlen(row[c], -1);
        if (c > 0)
            g_string_append(line, "  ");
        if (t->columns[c].right)
            g_string_append_printf(line, "%*s%s", (int)pad, "", row[c]);
        else if (c + 1 < t->ncolumns)
            g_string_append_printf(line, "%s%*s", row[c], (int)pad, "");
        else
            g_string_append(line, row[c]);
    }
    printf("%s\n", line->str);
    g_string_free(line, TRUE);
}

static void table_print_free(struct text_table *t)
{
    guint *width = g_new0(guint, t->ncolumns);
    const char **titles = g_new0(const char *, t->ncolumns);

    for (guint c = 0; c < t->ncolumns; c++) {
        titles[c] = t->columns[c].title;
        width[c] = (guint)g_utf8_strlen(titles[c], -1);
    }
    for (guint i = 0; i < t->cells->len; i++) {
        guint len = (guint)g_utf8_strlen((const char *)g_ptr_array_index(t->cells, i), -1);
        width[i % t->ncolumns] = MAX(width[i % t->ncolumns], len);
    }
    table_print_row(t, width, titles);
    for (guint i = 0; i + t->ncolumns <= t->cells->len; i += t->ncolumns)
        table_print_row(t, width, (const char *const *)&t->cells->pdata[i]);
    g_ptr_array_free(t->cells, TRUE);
    g_free(titles);
    g_free(width);
}

static const char RULE[] =
    "================================================================================";

/* ------------------------------------------------------------------------------------------ */
/* tshark: -z tcpclose,conns / conns,csv / summary / ladder */

enum cli_kind { CLI_CONNS, CLI_CSV, CLI_SUMMARY, CLI_LADDER };

/* What the tcp tap says about a segment the ladder draws: tcp.seq and tcp.ack as Wireshark shows
 * them (relative to the initial sequence numbers by default). */
struct tcp_numbers {
    guint32 seq;
    guint32 ack;
};

struct ladder_step {
    struct tcpclose_segment r;
    guint32 frame;
};

struct cli_ctx {
    enum cli_kind kind;
    char *filter;
    GHashTable *aggs;          /* conn -> struct conn_agg */
    guint32 stream;            /* ladder: the tcp.stream drawn */
    GArray *steps;             /* ladder: struct ladder_step, in capture order */
    GHashTable *numbers;       /* ladder: frame -> struct tcp_numbers */
    int tcp_listener;          /* ladder: the address that names the tcp tap listener */
};

static void cli_reset(void *tapdata)
{
    struct cli_ctx *ctx = (struct cli_ctx *)tapdata;
    g_hash_table_remove_all(ctx->aggs);
    if (ctx->steps != NULL)
        g_array_set_size(ctx->steps, 0);
    if (ctx->numbers != NULL)
        g_hash_table_remove_all(ctx->numbers);
}

static tap_packet_status cli_packet(void *tapdata, packet_info *pinfo, epan_dissect_t *edt _U_,
                                    const void *data, tap_flags_t flags)
{
    struct cli_ctx *ctx = (struct cli_ctx *)tapdata;
    const struct tcpclose_segment *r = (const struct tcpclose_segment *)data;

    aggs_add(ctx->aggs, r, pinfo->num, (flags & TL_DISPLAY_FILTER_IGNORED) == 0);
    if (ctx->kind == CLI_LADDER && r->conn->stream == ctx->stream) {
        struct ladder_step step = {*r, pinfo->num};
        g_array_append_val(ctx->steps, step);
    }
    return TAP_PACKET_DONT_REDRAW;
}

static tap_packet_status ladder_tcp_packet(void *tapdata, packet_info *pinfo, epan_dissect_t *edt _U_,
                                           const void *data, tap_flags_t flags _U_)
{
    struct cli_ctx *ctx = (struct cli_ctx *)((char *)tapdata - offsetof(struct cli_ctx, tcp_listener));
    const struct tcpheader *tcph = (const struct tcpheader *)data;

    if (tcph->th_stream != ctx->stream)
        return TAP_PACKET_DONT_REDRAW;
    gpointer key = GUINT_TO_POINTER(pinfo->num);
    if (!g_hash_table_contains(ctx->numbers, key)) {
        struct tcp_numbers *n = g_new(struct tcp_numbers, 1);
        n->seq = tcph->th_seq;
        n->ack = tcph->th_ack;
        g_hash_table_insert(ctx->numbers, key, n);
    }
    return TAP_PACKET_DONT_REDRAW;
}

/* The connections a view shows: all of them, or with a filter those with a matching closing segment. */
struct select_args {
    struct cli_ctx *ctx;
    GArray *facts;
};

static void select_conn(const struct tcpclose_conn *conn, void *user)
{
    struct select_args *args = (struct select_args *)user;
    const struct conn_agg *agg = (const struct conn_agg *)g_hash_table_lookup(args->ctx->aggs, conn);
    struct conn_facts f;

    if (args->ctx->filter != NULL && (agg == NULL || !agg->matched))
        return;
    facts_of(conn, agg, TRUE, &f);
    g_array_append_val(args->facts, f);
}

static GArray *select_conns(struct cli_ctx *ctx)
{
    struct select_args args = {ctx, g_array_new(FALSE, FALSE, sizeof(struct conn_facts))};
    connections_foreach(select_conn, &args);
    return args.facts;
}

static void print_filter(const struct cli_ctx *ctx)
{
    printf("Filter: %s\n", ctx->filter != NULL ? ctx->filter : "none");
}

static void draw_conns(const struct cli_ctx *ctx, GArray *facts)
{
    static const struct column columns[] = {
        {"stream", TRUE},   {"client", FALSE},      {"server", FALSE},   {"type", FALSE},
        {"active", FALSE},  {"rst cause", FALSE},   {"close", TRUE},     {"complete", TRUE},
        {"duration", TRUE}, {"client state", FALSE}, {"server state", FALSE}, {"warnings", TRUE},
    };
    struct text_table t;

    printf("\n%s\nTCP connection closures (tcpclose): one line per connection, in order of appearance\n", RULE);
    print_filter(ctx);
    table_init(&t, columns, G_N_ELEMENTS(columns));
    for (guint i = 0; i < facts->len; i++) {
        const struct conn_facts *f = &g_array_index(facts, struct conn_facts, i);
        table_cell(&t, "%u", f->conn->stream);
        table_cell(&t, "%s", f->client);
        table_cell(&t, "%s", f->server);
        table_cell(&t, "%s", type_token(f->type));
        table_cell(&t, "%s", f->side == TC_SIDE_NONE ? "-" : tc_side_name(f->side));
        table_cell(&t, "%s", f->cause == TC_CAUSE_NONE ? "-" : tc_cause_name(f->cause));
        if (f->close_frame != 0)
            table_cell(&t, "%u", f->close_frame);
        else
            table_cell(&t, "-");
        if (f->finished) {
            table_cell(&t, "%u", f->complete_frame);
            table_cell(&t, "%.6f", f->duration);
        } else {
            table_cell(&t, "-");
            table_cell(&t, "-");
        }
        table_cell(&t, "%s", tc_state_name(f->client_state));
        table_cell(&t, "%s", tc_state_name(f->server_state));
        table_cell(&t, "%u", f->warnings);
    }
    table_print_free(&t);
    printf("%s\n", RULE);
}

static void draw_csv(GArray *facts)
{
    printf("stream,client,server,type,active_side,rst_cause,close_frame,complete_frame,close_duration,"
           "client_state,server_state,warnings\n");
    for (guint i = 0; i < facts->len; i++) {
        const struct conn_facts *f = &g_array_index(facts, struct conn_facts, i);
        char close_frame[16] = "", complete_frame[16] = "", duration[32] = "";
        if (f->close_frame != 0)
            snprintf(close_frame, sizeof close_frame, "%u", f->close_frame);
        if (f->finished) {
            snprintf(complete_frame, sizeof complete_frame, "%u", f->complete_frame);
            snprintf(duration, sizeof duration, "%.6f", f->duration);
        }
        printf("%u,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%u\n", f->conn->stream, f->client, f->server, type_token(f->type),
               f->side == TC_SIDE_NONE ? "" : tc_side_name(f->side),
               f->cause == TC_CAUSE_NONE ? "" : tc_cause_name(f->cause), close_frame, complete_frame, duration,
               tc_state_name(f->client_state), tc_state_name(f->server_state), f->warnings);
    }
}

static void draw_summary(const struct cli_ctx *ctx, GArray *facts)
{
    guint by_type[TYPE_ROWS][4] = {{0}}; /* CLIENT, SERVER, BOTH, total */
    guint by_cause[CAUSES] = {0};
    guint warn_conns[W_COUNT] = {0}, warn_count[W_COUNT] = {0};
    guint never_closing = 0, not_completed = 0, began = 0;
    GArray *durations = g_array_new(FALSE, FALSE, sizeof(double));
    struct text_table t;

    for (guint i = 0; i < facts->len; i++) {
        const struct conn_facts *f = &g_array_index(facts, struct conn_facts, i);
        int row = row_of_type(f->type), column = column_of_side(f->side);
        if (column >= 0)
            by_type[row][column]++;
        by_type[row][3]++;
        if (f->cause != TC_CAUSE_NONE && (unsigned)f->cause < CAUSES)
            by_cause[f->cause]++;
        for (int w = 0; w < W_COUNT; w++) {
            warn_count[w] += f->warn[w];
            if (f->warn[w] > 0)
                warn_conns[w]++;
        }
        if (f->close_frame != 0)
            began++;
        if (f->type == TC_TYPE_NONE)
            never_closing++;
        else if (!f->finished)
            not_completed++;
        if (f->finished)
            g_array_append_val(durations, f->duration);
    }

    printf("\n%s\nTCP connection closures (tcpclose): summary\n", RULE);
    print_filter(ctx);
    printf("Connections: %u\n", facts->len);
    printf("  began closing: %u\n", began);
    printf("  still open at the end: %u (never began closing: %u, closing not completed: %u)\n",
           never_closing + not_completed, never_closing, not_completed);

    static const struct column type_columns[] = {
        {"closure type", FALSE}, {"by CLIENT", TRUE}, {"by SERVER", TRUE}, {"by BOTH", TRUE}, {"total", TRUE},
    };
    printf("\n");
    table_init(&t, type_columns, G_N_ELEMENTS(type_columns));
    for (int row = 0; row < TYPE_ROWS; row++) {
        table_cell(&t, "%s", type_token(type_of_row[row]));
        for (int column = 0; column < 3; column++) {
            if (type_of_row[row] == TC_TYPE_NONE)
                table_cell(&t, "-");
            else
                table_cell(&t, "%u", by_type[row][column]);
        }
        table_cell(&t, "%u", by_type[row][3]);
    }
    table_print_free(&t);

    static const struct column cause_columns[] = {{"rst cause", FALSE}, {"connections", TRUE}};
    printf("\n");
    table_init(&t, cause_columns, G_N_ELEMENTS(cause_columns));
    for (int cause = TC_CAUSE_NONE + 1; cause < CAUSES; cause++) {
        if (by_cause[cause] == 0)
            continue;
        table_cell(&t, "%s", tc_cause_name((enum tc_rst_cause)cause));
        table_cell(&t, "%u", by_cause[cause]);
    }
    if (t.cells->len == 0) {
        table_cell(&t, "(none)");
        table_cell(&t, "0");
    }
    table_print_free(&t);

    static const struct column warn_columns[] = {
        {"warning", FALSE}, {"connections", TRUE}, {"occurrences", TRUE}};
    printf("\n");
    table_init(&t, warn_columns, G_N_ELEMENTS(warn_columns));
    for (int w = 0; w < W_COUNT; w++) {
        if (warn_count[w] == 0)
            continue;
        table_cell(&t, "%s", warning_info[w].name);
        table_cell(&t, "%u", warn_conns[w]);
        table_cell(&t, "%u", warn_count[w]);
    }
    if (t.cells->len == 0) {
        table_cell(&t, "(none)");
        table_cell(&t, "0");
        table_cell(&t, "0");
    }
    table_print_free(&t);

    printf("\nClose duration, first FIN or RST to the final ACK or the RST (%u connection%s):\n", durations->len,
           durations->len == 1 ? "" : "s");
    if (durations->len > 0) {
        double *sorted = (double *)(void *)durations->data;
        qsort(sorted, durations->len, sizeof(double), compare_doubles);
        printf("  p50 %.6f s   p90 %.6f s   p99 %.6f s   max %.6f s\n", percentile(sorted, durations->len, 50),
               percentile(sorted, durations->len, 90), percentile(sorted, durations->len, 99),
               sorted[durations->len - 1]);
    } else {
        printf("  (no connection finished closing)\n");
    }
    printf("%s\n", RULE);
    g_array_free(durations, TRUE);
}

/* "FIN,ACK": the flags in Wireshark's order. */
static void flag_names(GString *out, guint16 flags)
{
    static const struct {
        guint16 bit;
        const char *name;
    } names[] = {{0x01, "FIN"}, {0x02, "SYN"}, {0x04, "RST"}, {0x08, "PSH"}, {0x10, "ACK"}, {0x20, "URG"}};
    gboolean first = TRUE;
    for (size_t i = 0; i < G_N_ELEMENTS(names); i++) {
        if (flags & names[i].bit) {
            g_string_append_printf(out, "%s%s", first ? "" : ",", names[i].name);
            first = FALSE;
        }
    }
    if (first)
        g_string_append(out, "none");
}

#define STATE_WIDTH 12 /* "SYN_RECEIVED" */

static void draw_ladder_of(const struct cli_ctx *ctx, const struct conn_facts *f, const GPtrArray *steps)
{
    const struct tc_connection *m = &f->conn->machine;
    GPtrArray *labels = g_ptr_array_new_with_free_func(g_free);
    guint arrow = 0;

    printf("\nConnection from frame %u, client %s, server %s%s\n", f->conn->first_frame, f->client, f->server,
           m->roles_guessed ? " (roles guessed from the ports)" : "");
    if (f->type == TC_TYPE_NONE)
        printf("Never began closing (OPEN)");
    else
        printf("%s, active close by %s, close began in frame %u", type_token(f->type), tc_side_name(f->side),
               f->close_frame);
    if (f->finished)
        printf(", %s in frame %u after %.6f s", m->complete ? "completed" : "reset", f->complete_frame, f->duration);
    if (m->complete && m->reset)
        printf(", reset in frame %u", m->rst_frame);
    if (f->cause != TC_CAUSE_NONE)
        printf(", RST cause %s", tc_cause_name(f->cause));
    printf("; warnings: %u\n", f->warnings);
    if (steps->len == 0) {
        printf("(no closing segment; client %s, server %s)\n", tc_state_name(f->client_state),
               tc_state_name(f->server_state));
        g_ptr_array_free(labels, TRUE);
        return;
    }

    for (guint i = 0; i < steps->len; i++) {
        const struct ladder_step *s = (const struct ladder_step *)g_ptr_array_index(steps, i);
        const struct tcp_numbers *n =
            (const struct tcp_numbers *)g_hash_table_lookup(ctx->numbers, GUINT_TO_POINTER(s->frame));
        GString *label = g_string_new(NULL);
        flag_names(label, s->r.flags);
        /* Wireshark's own (relative) numbers, from the tcp tap; none when the TCP dissector
         * stopped before tapping (a malformed header): then none are shown rather than guessed. */
        if (n != NULL) {
            g_string_append_printf(label, " seq=%u", n->seq);
            if (s->r.flags & TC_FLAG_ACK)
                g_string_append_printf(label, " ack=%u", n->ack);
        }
        if (s->r.payload_len > 0)
            g_string_append_printf(label, " len=%u", s->r.payload_len);
        nstime_t since = ns_to_nstime(s->r.since_close_ns);
        if (s->r.ann.close_frame != 0)
            g_string_append_printf(label, " #%u %.6f", s->frame, nstime_to_sec(&since));
        else
            g_string_append_printf(label, " #%u -", s->frame); /* before the close began */
        arrow = MAX(arrow, (guint)label->len + 10);
        g_ptr_array_add(labels, g_string_free(label, FALSE));
    }

    int right_at = STATE_WIDTH + 2 + (int)arrow + 2;
    char *client_head = g_strdup_printf("client %s", f->client);
    printf("%-*s%s server %s\n", right_at - 1, client_head, (int)strlen(client_head) >= right_at - 1 ? " " : "",
           f->server);
    g_free(client_head);
    enum tc_state client = m->ep[m->client & 1u].handshake_state, server = m->ep[1u - (m->client & 1u)].handshake_state;
    printf("%-*s%*s%s\n", STATE_WIDTH, tc_state_name(client), (int)arrow + 4, "", tc_state_name(server));

    for (guint i = 0; i < steps->len; i++) {
        const struct ladder_step *s = (const struct ladder_step *)g_ptr_array_index(steps, i);
        const char *label = (const char *)g_ptr_array_index(labels, i);
        guint fill = arrow - 10 - (guint)strlen(label);
        GString *line = g_string_new(NULL);
        const char *left = s->r.ann.client_state != client ? tc_state_name(s->r.ann.client_state) : "";
        const char *right = s->r.ann.server_state != server ? tc_state_name(s->r.ann.server_state) : "";

        g_string_append_printf(line, "%-*s  %s ", STATE_WIDTH, left, s->r.ann.sender == TC_CLIENT ? "----" : "<---");
        g_string_append_printf(line, "%s ", label);
        for (guint d = 0; d < fill; d++)
            g_string_append_c(line, '-');
        g_string_append(line, s->r.ann.sender == TC_CLIENT ? "--->" : "----");
        g_string_append_printf(line, "  %-*s  %s", STATE_WIDTH, right, tc_phase_name(s->r.ann.phase));
        if (s->r.ann.rst_check == TC_RST_CHALLENGED || s->r.ann.rst_check == TC_RST_OUT_OF_WINDOW)
            g_string_append_printf(line, " (%s, cause %s)", tc_rst_check_name(s->r.ann.rst_check),
                                   tc_cause_name(s->r.ann.rst_cause));
        else if (s->r.ann.rst_cause != TC_CAUSE_NONE)
            g_string_append_printf(line, " (cause %s)", tc_cause_name(s->r.ann.rst_cause));
        printf("%s\n", line->str);
        g_string_free(line, TRUE);
        client = s->r.ann.client_state;
        server = s->r.ann.server_state;
    }
    g_ptr_array_free(labels, TRUE);
}

struct ladder_args {
    const struct cli_ctx *ctx;
    guint drawn;
};

static void ladder_conn(const struct tcpclose_conn *conn, void *user)
{
    struct ladder_args *args = (struct ladder_args *)user;
    const struct cli_ctx *ctx = args->ctx;
    struct conn_facts f;

    if (conn->stream != ctx->stream)
        return;
    facts_of(conn, (const struct conn_agg *)g_hash_table_lookup(ctx->aggs, conn), TRUE, &f);
    GPtrArray *steps = g_ptr_array_new();
    for (guint i = 0; i < ctx->steps->len; i++) {
        struct ladder_step *s = &g_array_index(ctx->steps, struct ladder_step, i);
        if (s->r.conn == conn)
            g_ptr_array_add(steps, s);
    }
    draw_ladder_of(ctx, &f, steps);
    g_ptr_array_free(steps, TRUE);
    args->drawn++;
}

static void draw_ladder(const struct cli_ctx *ctx)
{
    struct ladder_args args = {ctx, 0};

    printf("\n%s\nTCP connection closure ladder (tcpclose): stream %u\n", RULE, ctx->stream);
    connections_foreach(ladder_conn, &args);
    if (args.drawn == 0)
        printf("No TCP connection with stream index %u\n", ctx->stream);
    printf("%s\n", RULE);
}

static void cli_draw(void *tapdata)
{
    struct cli_ctx *ctx = (struct cli_ctx *)tapdata;

    if (ctx->kind == CLI_LADDER) {
        draw_ladder(ctx);
        return;
    }
    GArray *facts = select_conns(ctx);
    switch (ctx->kind) {
    case CLI_CONNS:
        draw_conns(ctx, facts);
        break;
    case CLI_CSV:
        draw_csv(facts);
        break;
    case CLI_SUMMARY:
        draw_summary(ctx, facts);
        break;
    case CLI_LADDER:
        break;
    }
    g_array_free(facts, TRUE);
}

static void cli_finish(void *tapdata)
{
    struct cli_ctx *ctx = (struct cli_ctx *)tapdata;

    /* Only called when tshark frees every listener at exit (tap_cleanup walks the list, so the
     * ladder's tcp listener cannot be removed from here); it has no finish and no callbacks then. */
    g_hash_table_destroy(ctx->aggs);
    if (ctx->steps != NULL)
        g_array_free(ctx->steps, TRUE);
    if (ctx->numbers != NULL)
        g_hash_table_destroy(ctx->numbers);
    g_free(ctx->filter);
    g_free(ctx);
}

static void G_GNUC_NORETURN cli_fail(const char *opt_arg, const char *why)
{
    fprintf(stderr, "tshark: invalid \"-z %s\": %s\n", opt_arg, why);
    exit(1);
}

/* opt_arg is "PREFIX", "PREFIX,ARG"; returns ARG (or NULL), or fails for "PREFIXjunk". */
static const char *argument_after(const char *opt_arg, const char *prefix)
{
    size_t len = strlen(prefix);
    if (opt_arg[len] == '\0')
        return NULL;
    if (opt_arg[len] != ',')
        cli_fail(opt_arg, "expected -z tcpclose,conns[,csv][,FILTER], tcpclose,summary[,FILTER] or "
                          "tcpclose,ladder,STREAM");
    return opt_arg + len + 1;
}

static void cli_start(const char *opt_arg, enum cli_kind kind, const char *prefix)
{
    struct cli_ctx *ctx = g_new0(struct cli_ctx, 1);
    const char *argument = argument_after(opt_arg, prefix);
    GString *error;

    ctx->kind = kind;
    ctx->aggs = aggs_new();
    if (kind == CLI_LADDER) {
        char *end = NULL;
        unsigned long stream = argument != NULL ? strtoul(argument, &end, 10) : 0;
        if (argument == NULL || *argument == '\0' || end == NULL || *end != '\0' || stream > G_MAXUINT32)
            cli_fail(opt_arg, "expected -z tcpclose,ladder,STREAM with STREAM a tcp.stream number");
        ctx->stream = (guint32)stream;
        ctx->steps = g_array_new(FALSE, FALSE, sizeof(struct ladder_step));
        ctx->numbers = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL, g_free);
        error = register_tap_listener("tcp", &ctx->tcp_listener, NULL, TL_REQUIRES_NOTHING, NULL,
                                      ladder_tcp_packet, NULL, NULL);
        if (error != NULL)
            cli_fail(opt_arg, error->str);
    } else if (argument != NULL && *argument != '\0') {
        ctx->filter = g_strdup(argument);
    }
    error = register_tap_listener("tcpclose", ctx, ctx->filter, TL_IGNORE_DISPLAY_FILTER, cli_reset, cli_packet,
                                  cli_draw, cli_finish);
    if (error != NULL)
        cli_fail(opt_arg, error->str);
}

static void cli_conns_init(const char *opt_arg, void *userdata _U_)
{
    cli_start(opt_arg, CLI_CONNS, "tcpclose,conns");
}

static void cli_csv_init(const char *opt_arg, void *userdata _U_)
{
    cli_start(opt_arg, CLI_CSV, "tcpclose,conns,csv");
}

static void cli_summary_init(const char *opt_arg, void *userdata _U_)
{
    cli_start(opt_arg, CLI_SUMMARY, "tcpclose,summary");
}

static void cli_ladder_init(const char *opt_arg, void *userdata _U_)
{
    cli_start(opt_arg, CLI_LADDER, "tcpclose,ladder");
}

/* ------------------------------------------------------------------------------------------ */
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

static stat_tap_table *gui_table;     /* the table being filled, NULL when none */
static GHashTable *gui_rows;          /* conn -> row index + 1 */
static GHashTable *gui_incarnations;  /* tcp.stream + 1 -> GPtrArray of conns, in order */
static GHashTable *gui_aggs;          /* the helper's: conn -> struct conn_agg */
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

static void gui_add_row(stat_tap_table *table, const struct tcpclose_conn *conn)
{
    stat_tap_table_item_type row[GUI_COLUMNS];
    struct conn_facts f;

    facts_of(conn, (const struct conn_agg *)g_hash_table_lookup(gui_aggs, conn), TRUE, &f);
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
    gui_add_row(table, conn);
    return TAP_PACKET_REDRAW;
}

static tap_packet_status gui_helper_packet(void *tapdata _U_, packet_info *pinfo, epan_dissect_t *edt _U_,
                                           const void *data, tap_flags_t flags _U_)
{
    const struct tcpclose_segment *r = (const struct tcpclose_segment *)data;
    const struct conn_agg *agg = aggs_add(gui_aggs, r, pinfo->num, TRUE);
    guint index = GPOINTER_TO_UINT(g_hash_table_lookup(gui_rows, r->conn));

    if (gui_table != NULL && index != 0 && index <= gui_table->num_elements) {
        struct conn_facts f;
        facts_of(r->conn, agg, FALSE, &f);
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

/* ------------------------------------------------------------------------------------------ */
/* Wireshark: Statistics > TCP Connection Closure Summary, a stats_tree (-z tcpclose,tree).
 *
 * The tree has no callback at the end of a pass, so it is kept up to date after every closing
 * segment: each connection's share (type x side, RST cause, warnings, still open) is taken out
 * and put back when it changes.  It listens with TL_IGNORE_DISPLAY_FILTER, so it sees every
 * closing segment and counts the connections with one that matches the filter.  In Wireshark
 * the tree is (re)initialised once the capture is loaded: without a filter every connection is
 * counted from the start, including those that never began closing.  (tshark initialises it
 * before reading, so there it counts the connections that began closing; tshark's
 * -z tcpclose,summary counts them all.) */

struct quantile {
    guint pct;
    GArray *low;  /* max-heap: the rank smallest values */
    GArray *high; /* min-heap: the others */
};

static gboolean heap_before(gint64 a, gint64 b, gboolean max_heap)
{
    return max_heap ? a > b : a < b;
}

static void heap_push(GArray *heap, gint64 value, gboolean max_heap)
{
    g_array_append_val(heap, value);
    gint64 *h = (gint64 *)(void *)heap->data;
    for (guint i = heap->len - 1; i > 0;) {
        guint parent = (i - 1) / 2;
        if (!heap_before(h[i], h[parent], max_heap))
            break;
        gint64 swap = h[i];
        h[i] = h[parent];
        h[parent] = swap;
        i = parent;
    }
}

static gint64 heap_pop(GArray *heap, gboolean max_heap)
{
    gint64 *h = (gint64 *)(void *)heap->data;
    gint64 top = h[0];
    h[0] = h[heap->len - 1];
    g_array_set_size(heap, heap->len - 1);
    h = (gint64 *)(void *)heap->data;
    for (guint i = 0;;) {
        guint best = i, left = 2 * i + 1, right = left + 1;
        if (left < heap->len && heap_before(h[left], h[best], max_heap))
            best = left;
        if (right < heap->len && heap_before(h[right], h[best], max_heap))
            best = right;
        if (best == i)
            break;
        gint64 swap = h[i];
        h[i] = h[best];
        h[best] = swap;
        i = best;
    }
    return top;
}

static void quantile_add(struct quantile *q, gint64 value)
{
    if (q->low->len > 0 && value <= g_array_index(q->low, gint64, 0))
        heap_push(q->low, value, TRUE);
    else
        heap_push(q->high, value, FALSE);
    guint count = q->low->len + q->high->len;
    guint rank = MAX((q->pct * count + 99) / 100, 1u);
    while (q->low->len > rank)
        heap_push(q->high, heap_pop(q->low, TRUE), FALSE);
    while (q->low->len < rank)
        heap_push(q->low, heap_pop(q->high, FALSE), TRUE);
}

/* One connection's share of the tree. */
struct share {
    gboolean counted;
    gboolean timed;
    int type_row;
    int side_column;
    enum tc_rst_cause cause;
    guint warn_mask;
    int open; /* 0: closed, 1: never began closing, 2: closing not completed */
};

static const char *const open_names[3] = {NULL, "never began closing", "closing not completed"};
static const char *const side_names[3] = {"by CLIENT", "by SERVER", "by BOTH"};
static const guint percentiles[3] = {50, 90, 99};
static const char *const percentile_names[3] = {"p50", "p90", "p99"};

struct tree_state {
    GHashTable *aggs;   /* conn -> struct conn_agg */
    GHashTable *shares; /* conn -> struct share */
    int n_conns;
    int n_type[TYPE_ROWS];
    int n_side[TYPE_ROWS][3];
    int n_cause[CAUSES];
    int n_warn[W_COUNT];
    int n_warned;
    int n_open[3];
    int id_conns, id_type[TYPE_ROWS], id_cause, id_warn, id_open, id_duration, id_percentiles;
    struct quantile quantile[3];
    gint64 max_us;
};

static GHashTable *tree_states; /* stats_tree * -> struct tree_state */

static void tree_state_free(gpointer p)
{
    struct tree_state *s = (struct tree_state *)p;
    g_hash_table_destroy(s->aggs);
    g_hash_table_destroy(s->shares);
    for (int i = 0; i < 3; i++) {
        g_array_free(s->quantile[i].low, TRUE);
        g_array_free(s->quantile[i].high, TRUE);
    }
    g_free(s);
}

static void tree_set(stats_tree *st, const char *name, int parent, int value)
{
    stats_tree_manip_node_int(MN_SET, st, name, parent, FALSE, value);
}

static struct share share_of(const struct conn_facts *f)
{
    struct share share;
    memset(&share, 0, sizeof share);
    share.counted = TRUE;
    share.type_row = row_of_type(f->type);
    share.side_column = column_of_side(f->side);
    share.cause = (unsigned)f->cause < CAUSES ? f->cause : TC_CAUSE_NONE;
    for (int w = 0; w < W_COUNT; w++) {
        if (f->warn[w] > 0)
            share.warn_mask |= 1u << w;
    }
    share.open = f->type == TC_TYPE_NONE ? 1 : !f->finished ? 2 : 0;
    return share;
}

static gboolean same_share(const struct share *a, const struct share *b)
{
    return a->counted == b->counted && a->type_row == b->type_row && a->side_column == b->side_column &&
           a->cause == b->cause && a->warn_mask == b->warn_mask && a->open == b->open;
}

/* Adds (sign 1) or takes out (sign -1) a share, and writes the nodes it touches. */
static void tree_count(stats_tree *st, struct tree_state *s, const struct share *share, int sign)
{
    int row = share->type_row;

    s->n_conns += sign;
    tree_set(st, "Connections", 0, s->n_conns);
    s->n_type[row] += sign;
    tree_set(st, type_token(type_of_row[row]), s->id_conns, s->n_type[row]);
    if (share->side_column >= 0) {
        s->n_side[row][share->side_column] += sign;
        tree_set(st, side_names[share->side_column], s->id_type[row], s->n_side[row][share->side_column]);
    }
    if (share->cause != TC_CAUSE_NONE) {
        s->n_cause[share->cause] += sign;
        tree_set(st, tc_cause_name(share->cause), s->id_cause, s->n_cause[share->cause]);
        int resets = 0;
        for (int c = 1; c < CAUSES; c++)
            resets += s->n_cause[c];
        tree_set(st, "Reset connections by RST cause", 0, resets);
    }
    if (share->warn_mask != 0) {
        s->n_warned += sign;
        tree_set(st, "Connections with warnings", 0, s->n_warned);
        for (int w = 0; w < W_COUNT; w++) {
            if (share->warn_mask & (1u << w)) {
                s->n_warn[w] += sign;
                tree_set(st, warning_info[w].name, s->id_warn, s->n_warn[w]);
            }
        }
    }
    if (share->open != 0) {
        s->n_open[share->open] += sign;
        tree_set(st, open_names[share->open], s->id_open, s->n_open[share->open]);
        tree_set(st, "Still open at the end", 0, s->n_open[1] + s->n_open[2]);
    }
}

/* Brings a counted connection's share up to date. */
static void tree_update(stats_tree *st, struct tree_state *s, const struct tcpclose_conn *conn)
{
    struct share *old = (struct share *)g_hash_table_lookup(s->shares, conn);
    struct conn_facts f;

    facts_of(conn, (const struct conn_agg *)g_hash_table_lookup(s->aggs, conn), FALSE, &f);
    struct share now = share_of(&f);
    if (old == NULL) {
        old = g_new0(struct share, 1);
        g_hash_table_insert(s->shares, (gpointer)conn, old);
    }
    now.timed = old->timed;
    if (!old->counted || !same_share(old, &now)) {
        if (old->counted)
            tree_count(st, s, old, -1);
        tree_count(st, s, &now, 1);
    }
    if (f.finished && !now.timed) {
        /* Durations only ever come in: once final (always so in Wireshark), once counted. */
        gint64 us = (gint64)(f.duration * 1e6 + 0.5);
        now.timed = TRUE;
        stats_tree_manip_node_int(MN_AVERAGE, st, "Close duration (microseconds)", 0, FALSE,
                                  (gint)MIN(us, (gint64)G_MAXINT));
        s->max_us = MAX(s->max_us, us);
        for (int i = 0; i < 3; i++) {
            quantile_add(&s->quantile[i], us);
            tree_set(st, percentile_names[i], s->id_percentiles,
                     (int)MIN(g_array_index(s->quantile[i].low, gint64, 0), (gint64)G_MAXINT));
        }
        tree_set(st, "max", s->id_percentiles, (int)MIN(s->max_us, (gint64)G_MAXINT));
    }
    *old = now;
}

struct tree_init_args {
    stats_tree *st;
    struct tree_state *s;
};

static void tree_count_conn(const struct tcpclose_conn *conn, void *user)
{
    struct tree_init_args *args = (struct tree_init_args *)user;
    tree_update(args->st, args->s, conn);
}

static void tree_init(stats_tree *st)
{
    struct tree_state *s = g_new0(struct tree_state, 1);

    if (tree_states == NULL)
        tree_states = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL, tree_state_free);
    s->aggs = aggs_new();
    s->shares = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL, g_free);
    for (int i = 0; i < 3; i++) {
        s->quantile[i].pct = percentiles[i];
        s->quantile[i].low = g_array_new(FALSE, FALSE, sizeof(gint64));
        s->quantile[i].high = g_array_new(FALSE, FALSE, sizeof(gint64));
    }
    g_hash_table_replace(tree_states, st, s);

    s->id_conns = stats_tree_create_node(st, "Connections", 0, STAT_DT_INT, TRUE);
    for (int row = 0; row < TYPE_ROWS; row++) {
        gboolean sides = type_of_row[row] != TC_TYPE_NONE;
        s->id_type[row] = stats_tree_create_node(st, type_token(type_of_row[row]), s->id_conns, STAT_DT_INT, sides);
    }
    s->id_cause = stats_tree_create_node(st, "Reset connections by RST cause", 0, STAT_DT_INT, TRUE);
    s->id_warn = stats_tree_create_node(st, "Connections with warnings", 0, STAT_DT_INT, TRUE);
    s->id_open = stats_tree_create_node(st, "Still open at the end", 0, STAT_DT_INT, TRUE);
    s->id_duration = stats_tree_create_node(st, "Close duration (microseconds)", 0, STAT_DT_INT, FALSE);
    s->id_percentiles = stats_tree_create_node(st, "Close duration percentiles (microseconds)", 0, STAT_DT_INT, TRUE);

    /* Without a filter every connection counts: those known now (all of them in Wireshark). */
    if (st->filter == NULL || st->filter[0] == '\0') {
        struct tree_init_args args = {st, s};
        connections_foreach(tree_count_conn, &args);
    }
}

static tap_packet_status tree_packet(stats_tree *st, packet_info *pinfo, epan_dissect_t *edt _U_,
                                     const void *data, tap_flags_t flags)
{
    struct tree_state *s = tree_states != NULL ? (struct tree_state *)g_hash_table_lookup(tree_states, st) : NULL;
    const struct tcpclose_segment *r = (const struct tcpclose_segment *)data;

    if (s == NULL)
        return TAP_PACKET_DONT_REDRAW;
    const struct conn_agg *agg = aggs_add(s->aggs, r, pinfo->num, (flags & TL_DISPLAY_FILTER_IGNORED) == 0);
    if (!agg->matched)
        return TAP_PACKET_DONT_REDRAW;
    tree_update(st, s, r->conn);
    return TAP_PACKET_REDRAW;
}

static void tree_cleanup(stats_tree *st)
{
    if (tree_states != NULL)
        g_hash_table_remove(tree_states, st);
}

/* ------------------------------------------------------------------------------------------ */

static void free_ptr_array(gpointer array)
{
    g_ptr_array_free((GPtrArray *)array, TRUE);
}

/* A new capture file, or dissection again: the records the helper and the table point to are gone. */
static void stats_file_reset(void)
{
    g_hash_table_remove_all(gui_aggs);
    g_hash_table_remove_all(gui_rows);
    g_hash_table_remove_all(gui_incarnations);
    gui_table = NULL;
}

void tcpclose_register_stats(void)
{
    static stat_tap_ui cli[] = {
        {REGISTER_STAT_GROUP_GENERIC, "TCP connection closures", "tcpclose,conns", cli_conns_init, 0, NULL},
        {REGISTER_STAT_GROUP_GENERIC, "TCP connection closures (CSV)", "tcpclose,conns,csv", cli_csv_init, 0, NULL},
        {REGISTER_STAT_GROUP_GENERIC, "TCP connection closure summary", "tcpclose,summary", cli_summary_init, 0,
         NULL},
        {REGISTER_STAT_GROUP_GENERIC, "TCP connection closure ladder", "tcpclose,ladder", cli_ladder_init, 0, NULL},
    };
    /* The text forms are for tshark.  Wireshark registers the table's dialog under the table's
     * cli_string after the plugins, and the first registration of a name wins: leaving the name to
     * it makes "wireshark -z tcpclose,conns[,FILTER]" open the dialog.  (Wireshark and tshark name
     * themselves with g_set_prgname, in ws_log_init, before any plugin registers.) */
    if (g_strcmp0(g_get_prgname(), "wireshark") != 0) {
        for (size_t i = 0; i < G_N_ELEMENTS(cli); i++)
            register_stat_tap_ui(&cli[i], NULL);
    }

    gui_rows = g_hash_table_new(g_direct_hash, g_direct_equal);
    gui_incarnations = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL, free_ptr_array);
    gui_aggs = aggs_new();
    register_init_routine(stats_file_reset);
    register_stat_tap_table_ui(&gui_conns_table);

    stats_tree_register_plugin("tcpclose", "tcpclose", "TCP Connection Closure Summary", TL_IGNORE_DISPLAY_FILTER,
                               tree_packet, tree_init, tree_cleanup);
}
