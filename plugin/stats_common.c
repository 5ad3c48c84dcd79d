/* stats_common.c - what every statistics view of tcpclose shares: the warnings counted, closure
 * types as rows, what a connection's closing segments said (from the tap) and one connection's
 * facts as the views show them. */
#include "stats_internal.h"

#include "frame_results.h"
#include "idle_timer_table.h"

#ifdef _WIN32
#include <ws2tcpip.h>
#else
#include <arpa/inet.h>
#include <sys/socket.h>
#endif
#include <string.h>

/* ------------------------------------------------------------------------------------------ */
/* Warnings: the warning-severity expert infos of tcpclose, by their filter names. */

const struct warning_info warning_info[W_COUNT] = {
    {"fin_unacked", 0},
    {"fin_unanswered", 0},
    {"ignored_after_rst", TC_EV_IGNORED_AFTER_RST},
    {"rst_out_of_window", TC_EV_RST_OUT_OF_WINDOW},
    {"rst_no_connection", TC_EV_RST_NO_CONNECTION},
    {"time_wait_assassination", TC_EV_TIME_WAIT_ASSASSINATION},
    {"suspected_rst_injection", TC_EV_SUSPECTED_RST_INJECTION},
    {"crossed_fin", TC_EV_CROSSED_FIN},
};

/* Closure types as rows: the five closing types, then OPEN (never began closing). */
const enum tc_close_type type_of_row[TYPE_ROWS] = {TC_TYPE_GRACEFUL, TC_TYPE_HALF_CLOSED, TC_TYPE_RESET,
                                                   TC_TYPE_ABORTED,  TC_TYPE_REFUSED,     TC_TYPE_NONE};

const char *type_token(enum tc_close_type type)
{
    return type == TC_TYPE_NONE ? "OPEN" : tc_type_name(type);
}

int row_of_type(enum tc_close_type type)
{
    for (int i = 0; i < TYPE_ROWS; i++) {
        if (type_of_row[i] == type)
            return i;
    }
    return TYPE_ROWS - 1;
}

/* Active sides as columns: CLIENT, SERVER, BOTH; -1 for none. */
int column_of_side(enum tc_side side)
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

/* ------------------------------------------------------------------------------------------ */
/* What the closing segments of one connection said, gathered from the tap. */

GHashTable *aggs_new(void)
{
    return g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL, g_free);
}

struct conn_agg *aggs_add(GHashTable *aggs, const struct tcpclose_segment *r, gboolean matched)
{
    struct conn_agg *agg = (struct conn_agg *)g_hash_table_lookup(aggs, r->conn);

    if (agg == NULL) {
        agg = g_new0(struct conn_agg, 1);
        g_hash_table_insert(aggs, (gpointer)r->conn, agg);
    }
    if (matched)
        agg->matched = TRUE;
    if (agg->annotated && r->frame <= agg->last_frame)
        return agg; /* seen already (a listener that outlives a pass) */
    agg->last_frame = r->frame;
    agg->annotated = TRUE;
    agg->client_state = r->ann.client_state;
    agg->server_state = r->ann.server_state;
    if (r->ann.phase == TC_PHASE_RST)
        agg->rst_cause = r->ann.rst_cause;
    if ((r->flags & TC_FLAG_RST) && r->ann.close_frame == r->frame)
        agg->close_rst_cause = r->ann.rst_cause;
    for (int w = 0; w < W_COUNT; w++) {
        if (r->ann.events & warning_info[w].event)
            agg->events[w]++;
    }
    return agg;
}

/* ------------------------------------------------------------------------------------------ */
/* One connection, as every view shows it. */

/* The table of 100,000 connections formats every row twice (widths, then lines): numbers and
 * addresses are written by hand here, as snprintf and glibc's inet_ntop for IPv4 cost about a
 * thousand instructions a call, more than tcpclose's whole analysis of a packet. */

static char *put_decimal(char *out, guint64 value)
{
    char digits[20];
    int n = 0;

    do {
        digits[n++] = (char)('0' + value % 10);
        value /= 10;
    } while (value != 0);
    while (n > 0)
        *out++ = digits[--n];
    return out;
}

const char *decimal_text(char out[DECIMAL_TEXT_SIZE], guint64 value)
{
    *put_decimal(out, value) = '\0';
    return out;
}

const char *seconds_text(char out[SECONDS_TEXT_SIZE], gint64 ns)
{
    /* Rounded to the nearest microsecond, half away from zero: what printf's "%.6f" shows of the
     * time as a double, but for exact half microseconds, which the double rounds either way
     * (checked on a million random times; pcap's times are whole microseconds anyway). */
    guint64 magnitude = ns < 0 ? (guint64)0 - (guint64)ns : (guint64)ns;
    guint64 us = magnitude / 1000 + (magnitude % 1000 >= 500);
    char *p = out;

    if (ns < 0)
        *p++ = '-';
    p = put_decimal(p, us / 1000000);
    *p++ = '.';
    guint32 fraction = (guint32)(us % 1000000);
    for (guint32 place = 100000; place > 0; place /= 10)
        *p++ = (char)('0' + fraction / place % 10);
    *p = '\0';
    return out;
}

void format_endpoint(char out[ENDPOINT_TEXT_SIZE], const struct tcpclose_conn *conn, unsigned endpoint)
{
    const guint8 *addr = connection_address(conn, endpoint);
    char *p = out;

    if (conn->addr_len == 16) {
        char text[INET6_ADDRSTRLEN];
        if (inet_ntop(AF_INET6, addr, text, sizeof text) == NULL)
            g_strlcpy(text, "?", sizeof text);
        *p++ = '[';
        size_t len = strlen(text);
        memcpy(p, text, len);
        p += len;
        *p++ = ']';
    } else if (conn->addr_len == 4) {
        for (int i = 0; i < 4; i++) {
            if (i > 0)
                *p++ = '.';
            p = put_decimal(p, addr[i]);
        }
    } else {
        *p++ = '?';
    }
    *p++ = ':';
    *put_decimal(p, conn->port[endpoint]) = '\0';
}

void timer_endpoint_text(char out[ENDPOINT_TEXT_SIZE], const struct idle_timer_endpoint *t)
{
    format_endpoint(out, t->first_conn, t->endpoint);
    if (t->role == TC_CLIENT) { /* a client is its address: drop ":port" */
        char *colon = strrchr(out, ':');
        if (colon != NULL && colon != out)
            *colon = '\0';
    }
}

void facts_of(const struct tcpclose_conn *conn, const struct conn_agg *agg, gboolean with_addresses, gboolean whole,
              struct conn_facts *f)
{
    const struct tc_connection *m = &conn->machine;
    unsigned client = m->client & 1u, server = 1u - client;

    memset(f, 0, sizeof *f);
    f->conn = conn;
    if (with_addresses) {
        format_endpoint(f->client, conn, client);
        format_endpoint(f->server, conn, server);
    }
    f->type = m->type;
    f->side = m->active_side;
    /* Why the connection was reset: the RST that began its close (even one its receiver
     * challenged: its sender has aborted), else the RST that ended it. */
    if (agg != NULL)
        f->cause = agg->close_rst_cause != TC_CAUSE_NONE ? agg->close_rst_cause
                   : m->reset                            ? agg->rst_cause
                                                         : TC_CAUSE_NONE;
    /* An RST that began the close may be an idle timer's: the segment stored for it says. */
    if (whole && agg != NULL && it_may_explain(agg->close_rst_cause)) {
        const struct tcpclose_segment *s = frame_results_segment_of(m->close_frame, conn);
        if (s != NULL)
            f->cause = idle_timer_rst_cause(s);
    }
    f->close_frame = m->close_frame;
    f->finished = m->complete || m->reset;
    if (f->finished) {
        nstime_t delta = ns_to_nstime(conn->complete_time_ns - conn->close_time_ns);
        f->complete_frame = m->complete_frame;
        f->duration = nstime_to_sec(&delta);
        f->duration_ns = conn->complete_time_ns - conn->close_time_ns;
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
double percentile(const double *sorted, guint count, guint pct)
{
    guint rank = (pct * count + 99) / 100;
    return sorted[rank > 0 ? rank - 1 : 0];
}

int compare_doubles(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y ? 1 : 0;
}
