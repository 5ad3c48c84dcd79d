/* stats_text.c - tcpclose's statistics for tshark, printed by our own draw callbacks:
 *   -z tcpclose,conns[,FILTER]      one line per connection incarnation, in order of appearance
 *   -z tcpclose,conns,csv[,FILTER]  the same as CSV with a header line, for scripts
 *   -z tcpclose,summary[,FILTER]    counts by closure type x active side, RST cause, warning;
 *                                   connections still open; close duration percentiles
 *   -z tcpclose,ladder,STREAM       the closure of one connection as a text ladder
 * (How the views learn about connections: stats.c.) */
#include "idle_timer_table.h"
#include "stats_internal.h"
#include "ws_compat.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <epan/dissectors/packet-tcp.h>
#include <epan/stat_tap_ui.h>
#include <epan/tap.h>

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

/* Every cell is ASCII (numbers, tokens, addresses tcpclose writes itself): its width is its length. */
static void add_spaces(GString *line, gsize count)
{
    static const char spaces[] = "                                ";
    while (count > 0) {
        gsize now = MIN(count, sizeof spaces - 1);
        g_string_append_len(line, spaces, (gssize)now);
        count -= now;
    }
}

/* Prints one row, each cell padded to its column's width; line is a reused buffer. */
static void print_row(const struct column *columns, guint ncolumns, const guint *width, const char *const *row,
                      GString *line)
{
    g_string_truncate(line, 0);
    for (guint c = 0; c < ncolumns; c++) {
        gsize len = strlen(row[c]), pad = width[c] - len;
        if (c > 0)
            g_string_append_len(line, "  ", 2);
        if (columns[c].right)
            add_spaces(line, pad);
        g_string_append_len(line, row[c], (gssize)len);
        if (!columns[c].right && c + 1 < ncolumns)
            add_spaces(line, pad);
    }
    g_string_append_c(line, '\n');
    fwrite(line->str, 1, line->len, stdout);
}

static void widen(guint *width, guint ncolumns, const char *const *row)
{
    for (guint c = 0; c < ncolumns; c++)
        width[c] = MAX(width[c], (guint)strlen(row[c]));
}

static void table_print_free(struct text_table *t)
{
    guint *width = g_new0(guint, t->ncolumns);
    const char **titles = g_new0(const char *, t->ncolumns);
    GString *line = g_string_new(NULL);

    for (guint c = 0; c < t->ncolumns; c++)
        titles[c] = t->columns[c].title;
    widen(width, t->ncolumns, titles);
    for (guint i = 0; i + t->ncolumns <= t->cells->len; i += t->ncolumns)
        widen(width, t->ncolumns, (const char *const *)&t->cells->pdata[i]);
    print_row(t->columns, t->ncolumns, width, titles, line);
    for (guint i = 0; i + t->ncolumns <= t->cells->len; i += t->ncolumns)
        print_row(t->columns, t->ncolumns, width, (const char *const *)&t->cells->pdata[i], line);
    g_string_free(line, TRUE);
    g_ptr_array_free(t->cells, TRUE);
    g_free(titles);
    g_free(width);
}

static const char RULE[] = "================================================================================";

/* ------------------------------------------------------------------------------------------ */
/* tshark: -z tcpclose,conns / conns,csv / summary / ladder */

enum cli_kind { CLI_CONNS, CLI_CSV, CLI_SUMMARY, CLI_LADDER };

/* What the tcp tap says about a segment the ladder draws: tcp.seq and tcp.ack as Wireshark shows
 * them (relative to the initial sequence numbers by default). */
struct tcp_numbers {
    guint32 seq;
    guint32 ack;
};

struct cli_ctx {
    enum cli_kind kind;
    char *filter;
    GHashTable *aggs;    /* conn -> struct conn_agg */
    guint32 stream;      /* ladder: the tcp.stream drawn */
    GArray *steps;       /* ladder: struct tcpclose_segment, in capture order */
    GHashTable *numbers; /* ladder: frame -> struct tcp_numbers */
    int tcp_listener;    /* ladder: the address that names the tcp tap listener */
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

static tap_packet_status cli_packet(void *tapdata, packet_info *pinfo _U_, epan_dissect_t *edt _U_, const void *data,
                                    tap_flags_t flags)
{
    struct cli_ctx *ctx = (struct cli_ctx *)tapdata;
    const struct tcpclose_segment *r = (const struct tcpclose_segment *)data;

    aggs_add(ctx->aggs, r, (flags & TL_DISPLAY_FILTER_IGNORED) == 0);
    if (ctx->kind == CLI_LADDER && r->conn->stream == ctx->stream) {
        g_array_append_val(ctx->steps, *r);
    }
    return TAP_PACKET_DONT_REDRAW;
}

static tap_packet_status ladder_tcp_packet(void *tapdata, packet_info *pinfo, epan_dissect_t *edt _U_, const void *data,
                                           tap_flags_t flags _U_)
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
    GPtrArray *conns;
};

static void select_conn(const struct tcpclose_conn *conn, void *user)
{
    struct select_args *args = (struct select_args *)user;

    if (args->ctx->filter != NULL) {
        const struct conn_agg *agg = (const struct conn_agg *)g_hash_table_lookup(args->ctx->aggs, conn);
        if (agg == NULL || !agg->matched)
            return;
    }
    g_ptr_array_add(args->conns, (gpointer)conn);
}

/* The connections to show, in order of appearance.  Only pointers: each view works out a
 * connection's facts when it needs them, so that 100,000 connections cost 800 kB here. */
static GPtrArray *select_conns(struct cli_ctx *ctx)
{
    struct select_args args = {ctx, g_ptr_array_new()};
    connections_foreach(select_conn, &args);
    return args.conns;
}

static void facts_of_selected(const struct cli_ctx *ctx, const GPtrArray *conns, guint i, gboolean with_addresses,
                              struct conn_facts *f)
{
    const struct tcpclose_conn *conn = (const struct tcpclose_conn *)g_ptr_array_index(conns, i);
    facts_of(conn, (const struct conn_agg *)g_hash_table_lookup(ctx->aggs, conn), with_addresses, TRUE, f);
}

static void print_filter(const struct cli_ctx *ctx)
{
    printf("Filter: %s\n", ctx->filter != NULL ? ctx->filter : "none");
}

#define CONN_COLUMNS 12

/* One connection's line: each cell points into f, into the line's own text, or at a token. */
struct conn_line {
    char stream[DECIMAL_TEXT_SIZE], close[DECIMAL_TEXT_SIZE], complete[DECIMAL_TEXT_SIZE];
    char duration[SECONDS_TEXT_SIZE], warnings[DECIMAL_TEXT_SIZE];
    const char *cell[CONN_COLUMNS];
};

static void conn_line(const struct conn_facts *f, struct conn_line *l)
{
    l->cell[0] = decimal_text(l->stream, f->conn->stream);
    l->cell[1] = f->client;
    l->cell[2] = f->server;
    l->cell[3] = type_token(f->type);
    l->cell[4] = f->side == TC_SIDE_NONE ? "-" : tc_side_name(f->side);
    l->cell[5] = f->cause == TC_CAUSE_NONE ? "-" : tc_cause_name(f->cause);
    l->cell[6] = f->close_frame != 0 ? decimal_text(l->close, f->close_frame) : "-";
    l->cell[7] = f->finished ? decimal_text(l->complete, f->complete_frame) : "-";
    l->cell[8] = f->finished ? seconds_text(l->duration, f->duration_ns) : "-";
    l->cell[9] = tc_state_name(f->client_state);
    l->cell[10] = tc_state_name(f->server_state);
    l->cell[11] = decimal_text(l->warnings, f->warnings);
}

static void draw_conns(const struct cli_ctx *ctx, const GPtrArray *conns)
{
    static const struct column columns[CONN_COLUMNS] = {
        {"stream", TRUE},   {"client", FALSE},       {"server", FALSE},       {"type", FALSE},
        {"active", FALSE},  {"rst cause", FALSE},    {"close", TRUE},         {"complete", TRUE},
        {"duration", TRUE}, {"client state", FALSE}, {"server state", FALSE}, {"warnings", TRUE},
    };
    struct conn_facts f;
    struct conn_line l;
    const char *titles[CONN_COLUMNS];
    guint width[CONN_COLUMNS] = {0};
    GString *line = g_string_new(NULL);

    printf("\n%s\nTCP connection closures (tcpclose): one line per connection, in order of appearance\n", RULE);
    print_filter(ctx);
    for (guint c = 0; c < CONN_COLUMNS; c++)
        titles[c] = columns[c].title;
    /* Two passes, widths then lines, each formatting the row again: a table of 100,000
     * connections is never held whole. */
    widen(width, CONN_COLUMNS, titles);
    for (guint i = 0; i < conns->len; i++) {
        facts_of_selected(ctx, conns, i, TRUE, &f);
        conn_line(&f, &l);
        widen(width, CONN_COLUMNS, l.cell);
    }
    print_row(columns, CONN_COLUMNS, width, titles, line);
    for (guint i = 0; i < conns->len; i++) {
        facts_of_selected(ctx, conns, i, TRUE, &f);
        conn_line(&f, &l);
        print_row(columns, CONN_COLUMNS, width, l.cell, line);
    }
    g_string_free(line, TRUE);
    printf("%s\n", RULE);
}

static void draw_csv(const struct cli_ctx *ctx, const GPtrArray *conns)
{
    struct conn_facts facts;
    const struct conn_facts *f = &facts;

    printf("stream,client,server,type,active_side,rst_cause,close_frame,complete_frame,close_duration,"
           "client_state,server_state,warnings\n");
    for (guint i = 0; i < conns->len; i++) {
        facts_of_selected(ctx, conns, i, TRUE, &facts);
        char close_frame[DECIMAL_TEXT_SIZE], complete_frame[DECIMAL_TEXT_SIZE], duration[SECONDS_TEXT_SIZE];
        printf("%u,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%u\n", f->conn->stream, f->client, f->server, type_token(f->type),
               f->side == TC_SIDE_NONE ? "" : tc_side_name(f->side),
               f->cause == TC_CAUSE_NONE ? "" : tc_cause_name(f->cause),
               f->close_frame != 0 ? decimal_text(close_frame, f->close_frame) : "",
               f->finished ? decimal_text(complete_frame, f->complete_frame) : "",
               f->finished ? seconds_text(duration, f->duration_ns) : "", tc_state_name(f->client_state),
               tc_state_name(f->server_state), f->warnings);
    }
}

static void draw_summary(const struct cli_ctx *ctx, const GPtrArray *conns)
{
    struct conn_facts facts;
    const struct conn_facts *f = &facts;
    guint by_type[TYPE_ROWS][4] = {{0}}; /* CLIENT, SERVER, BOTH, total */
    guint by_cause[CAUSES] = {0};
    guint warn_conns[W_COUNT] = {0}, warn_count[W_COUNT] = {0};
    guint never_closing = 0, not_completed = 0, began = 0;
    GArray *durations = g_array_new(FALSE, FALSE, sizeof(double));
    struct text_table t;

    for (guint i = 0; i < conns->len; i++) {
        facts_of_selected(ctx, conns, i, FALSE, &facts);
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
    printf("Connections: %u\n", conns->len);
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

    static const struct column warn_columns[] = {{"warning", FALSE}, {"connections", TRUE}, {"occurrences", TRUE}};
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
    if (f->finished) {
        char duration[SECONDS_TEXT_SIZE];
        printf(", %s in frame %u after %s s", m->complete ? "completed" : "reset", f->complete_frame,
               seconds_text(duration, f->duration_ns));
    }
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
        const struct tcpclose_segment *s = (const struct tcpclose_segment *)g_ptr_array_index(steps, i);
        const struct tcp_numbers *n =
            (const struct tcp_numbers *)g_hash_table_lookup(ctx->numbers, GUINT_TO_POINTER(s->frame));
        GString *label = g_string_new(NULL);
        flag_names(label, s->flags);
        /* Wireshark's own (relative) numbers, from the tcp tap; none when the TCP dissector
         * stopped before tapping (a malformed header): then none are shown rather than guessed. */
        if (n != NULL) {
            g_string_append_printf(label, " seq=%u", n->seq);
            if (s->flags & TC_FLAG_ACK)
                g_string_append_printf(label, " ack=%u", n->ack);
        }
        if (s->payload_len > 0)
            g_string_append_printf(label, " len=%u", s->payload_len);
        char since[SECONDS_TEXT_SIZE];
        if (s->ann.close_frame != 0)
            g_string_append_printf(label, " #%u %s", s->frame, seconds_text(since, s->since_close_ns));
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
        const struct tcpclose_segment *s = (const struct tcpclose_segment *)g_ptr_array_index(steps, i);
        const char *label = (const char *)g_ptr_array_index(labels, i);
        guint fill = arrow - 10 - (guint)strlen(label);
        GString *line = g_string_new(NULL);
        const char *left = s->ann.client_state != client ? tc_state_name(s->ann.client_state) : "";
        const char *right = s->ann.server_state != server ? tc_state_name(s->ann.server_state) : "";

        g_string_append_printf(line, "%-*s  %s ", STATE_WIDTH, left, s->ann.sender == TC_CLIENT ? "----" : "<---");
        g_string_append_printf(line, "%s ", label);
        for (guint d = 0; d < fill; d++)
            g_string_append_c(line, '-');
        g_string_append(line, s->ann.sender == TC_CLIENT ? "--->" : "----");
        g_string_append_printf(line, "  %-*s  %s", STATE_WIDTH, right, tc_phase_name(s->ann.phase));
        enum tc_rst_cause cause = idle_timer_rst_cause(s); /* drawn after the last packet: the timers are known */
        if (s->ann.rst_check == TC_RST_CHALLENGED || s->ann.rst_check == TC_RST_OUT_OF_WINDOW)
            g_string_append_printf(line, " (%s, cause %s)", tc_rst_check_name(s->ann.rst_check), tc_cause_name(cause));
        else if (cause != TC_CAUSE_NONE)
            g_string_append_printf(line, " (cause %s)", tc_cause_name(cause));
        printf("%s\n", line->str);
        g_string_free(line, TRUE);
        client = s->ann.client_state;
        server = s->ann.server_state;
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
    facts_of(conn, (const struct conn_agg *)g_hash_table_lookup(ctx->aggs, conn), TRUE, TRUE, &f);
    GPtrArray *steps = g_ptr_array_new();
    for (guint i = 0; i < ctx->steps->len; i++) {
        struct tcpclose_segment *s = &g_array_index(ctx->steps, struct tcpclose_segment, i);
        if (s->conn == conn)
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
    GPtrArray *conns = select_conns(ctx);
    switch (ctx->kind) {
    case CLI_CONNS:
        draw_conns(ctx, conns);
        break;
    case CLI_CSV:
        draw_csv(ctx, conns);
        break;
    case CLI_SUMMARY:
        draw_summary(ctx, conns);
        break;
    case CLI_LADDER:
        break;
    }
    g_ptr_array_free(conns, TRUE);
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
        ctx->steps = g_array_new(FALSE, FALSE, sizeof(struct tcpclose_segment));
        ctx->numbers = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL, g_free);
        error = register_tap_listener("tcp", &ctx->tcp_listener, NULL, TL_REQUIRES_NOTHING, NULL, ladder_tcp_packet,
                                      NULL, NULL);
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

static TC_STAT_INIT_RESULT cli_conns_init(const char *opt_arg, void *userdata _U_)
{
    cli_start(opt_arg, CLI_CONNS, "tcpclose,conns");
    return TC_STAT_INIT_OK;
}

static TC_STAT_INIT_RESULT cli_csv_init(const char *opt_arg, void *userdata _U_)
{
    cli_start(opt_arg, CLI_CSV, "tcpclose,conns,csv");
    return TC_STAT_INIT_OK;
}

static TC_STAT_INIT_RESULT cli_summary_init(const char *opt_arg, void *userdata _U_)
{
    cli_start(opt_arg, CLI_SUMMARY, "tcpclose,summary");
    return TC_STAT_INIT_OK;
}

static TC_STAT_INIT_RESULT cli_ladder_init(const char *opt_arg, void *userdata _U_)
{
    cli_start(opt_arg, CLI_LADDER, "tcpclose,ladder");
    return TC_STAT_INIT_OK;
}

/* ------------------------------------------------------------------------------------------ */

void stats_text_register(void)
{
    static stat_tap_ui cli[] = {
        {REGISTER_STAT_GROUP_GENERIC, "TCP connection closures", "tcpclose,conns", cli_conns_init, 0, NULL},
        {REGISTER_STAT_GROUP_GENERIC, "TCP connection closures (CSV)", "tcpclose,conns,csv", cli_csv_init, 0, NULL},
        {REGISTER_STAT_GROUP_GENERIC, "TCP connection closure summary", "tcpclose,summary", cli_summary_init, 0, NULL},
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
}
