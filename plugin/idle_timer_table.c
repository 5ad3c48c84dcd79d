/* idle_timer_table.c - the capture's idle timers: the closes each endpoint began, grouped by
 * endpoint (a server by address and port, a client by address: a client's ports change with every
 * connection), and the timer idle_timers.c finds in each group.
 *
 * Built from the closing segments the first pass stored (frame_results.c), when first asked for
 * on a later pass or by a statistic, and built again if more were stored since (the GUI may ask
 * while a file is still loading).  Nothing is kept per connection: the groups live only here.
 */
#include "idle_timer_table.h"

#include <string.h>

#include "frame_results.h"

struct endpoint_closes {
    struct idle_timer_endpoint result;
    GArray *idle_ns; /* gint64: the idle time before each close it began */
    GArray *by_rst;  /* gboolean: whether that close began with an RST */
    gboolean has_timer;
};

static GHashTable *by_endpoint; /* GBytes key -> struct endpoint_closes */
static GPtrArray *in_order;     /* struct endpoint_closes, in order of their first close */
static guint built_from;        /* how many closing segments the table was built from */

static void endpoint_closes_free(gpointer data)
{
    struct endpoint_closes *e = (struct endpoint_closes *)data;
    g_array_free(e->idle_ns, TRUE);
    g_array_free(e->by_rst, TRUE);
    g_free(e);
}

static void table_free(void)
{
    if (by_endpoint != NULL)
        g_hash_table_destroy(by_endpoint);
    if (in_order != NULL)
        g_ptr_array_free(in_order, TRUE);
    by_endpoint = NULL;
    in_order = NULL;
    built_from = 0;
}

void idle_timer_table_register(void)
{
    register_init_routine(table_free);
    register_cleanup_routine(table_free);
}

/* The segment began its connection's close, and its sender is the side that began it (not an ACK
 * revealing the peer's uncaptured FIN, not one of two crossing FINs). */
static gboolean begins_close(const struct tcpclose_segment *s)
{
    enum tc_side own = s->ann.sender == TC_CLIENT ? TC_SIDE_CLIENT : TC_SIDE_SERVER;
    return s->ann.close_frame == s->frame && s->ann.active_side == own;
}

/* Role, then the address (and, for a server, the port) of the segment's sender. */
static GBytes *endpoint_key(const struct tcpclose_segment *s)
{
    guint8 key[2 + 16 + 2];
    const struct tcpclose_conn *conn = s->conn;
    guint len = conn->addr_len;
    unsigned endpoint = s->sender_endpoint;

    key[0] = s->ann.sender;
    key[1] = (guint8)len;
    memcpy(key + 2, connection_address(conn, endpoint), len);
    if (s->ann.sender == TC_SERVER) {
        memcpy(key + 2 + len, &conn->port[endpoint], 2);
        len += 2;
    }
    return g_bytes_new(key, 2 + len);
}

static void build(void)
{
    guint count = frame_results_count();

    table_free();
    by_endpoint = g_hash_table_new_full(g_bytes_hash, g_bytes_equal, (GDestroyNotify)g_bytes_unref, NULL);
    in_order = g_ptr_array_new_with_free_func(endpoint_closes_free);
    built_from = count;
    for (guint i = 0; i < count; i++) {
        const struct tcpclose_segment *s = frame_results_segment(i);
        if (!begins_close(s))
            continue;
        GBytes *key = endpoint_key(s);
        struct endpoint_closes *e = (struct endpoint_closes *)g_hash_table_lookup(by_endpoint, key);
        if (e == NULL) {
            e = g_new0(struct endpoint_closes, 1);
            e->idle_ns = g_array_new(FALSE, FALSE, sizeof(gint64));
            e->by_rst = g_array_new(FALSE, FALSE, sizeof(gboolean));
            e->result.first_conn = s->conn;
            e->result.endpoint = s->sender_endpoint;
            e->result.role = s->ann.sender;
            g_hash_table_insert(by_endpoint, key, e);
            g_ptr_array_add(in_order, e);
        } else {
            g_bytes_unref(key);
        }
        gboolean rst = (s->flags & TC_FLAG_RST) != 0;
        g_array_append_val(e->idle_ns, s->ann.idle_before_close_ns);
        g_array_append_val(e->by_rst, rst);
    }
    for (guint i = 0; i < in_order->len; i++) {
        struct endpoint_closes *e = (struct endpoint_closes *)g_ptr_array_index(in_order, i);
        gint64 *sorted = g_new(gint64, e->idle_ns->len + 1);
        memcpy(sorted, e->idle_ns->data, e->idle_ns->len * sizeof(gint64));
        e->has_timer = it_infer((int64_t *)sorted, e->idle_ns->len, &e->result.timer);
        g_free(sorted);
        for (guint k = 0; e->has_timer && k < e->idle_ns->len; k++) {
            if (it_matches(&e->result.timer, g_array_index(e->idle_ns, gint64, k)) &&
                g_array_index(e->by_rst, gboolean, k))
                e->result.by_rst++;
        }
    }
}

static void ensure_built(void)
{
    if (by_endpoint == NULL || built_from != frame_results_count())
        build();
}

const struct idle_timer_endpoint *idle_timer_of(const struct tcpclose_segment *s)
{
    if (!begins_close(s))
        return NULL;
    ensure_built();
    GBytes *key = endpoint_key(s);
    const struct endpoint_closes *e = (const struct endpoint_closes *)g_hash_table_lookup(by_endpoint, key);
    g_bytes_unref(key);
    if (e == NULL || !e->has_timer || !it_matches(&e->result.timer, s->ann.idle_before_close_ns))
        return NULL;
    return &e->result;
}

enum tc_rst_cause idle_timer_rst_cause(const struct tcpclose_segment *s)
{
    enum tc_rst_cause base = (enum tc_rst_cause)s->ann.rst_cause;

    if (!(s->flags & TC_FLAG_RST) || !it_may_explain(base))
        return base;
    return it_rst_cause(base, idle_timer_of(s) != NULL);
}

void idle_timers_foreach(void (*fn)(const struct idle_timer_endpoint *t, void *user), void *user)
{
    ensure_built();
    for (guint i = 0; i < in_order->len; i++) {
        const struct endpoint_closes *e = (const struct endpoint_closes *)g_ptr_array_index(in_order, i);
        if (e->has_timer)
            fn(&e->result, user);
    }
}

const char *idle_timer_closed_by(const struct idle_timer_endpoint *t)
{
    if (t->by_rst == 0)
        return "FIN";
    return t->by_rst == t->timer.matches ? "RST" : "FIN+RST";
}
