/* stats_summary_tree.c - Wireshark's Statistics > TCP Connection Closure Summary, a stats_tree
 * (-z tcpclose,tree in tshark). */
#include "frame_results.h"
#include "stats_internal.h"

#include <string.h>

#include <epan/stats_tree.h>
#include <epan/stats_tree_priv.h>
#include <epan/tap.h>

/* Wireshark: Statistics > TCP Connection Closure Summary, a stats_tree (-z tcpclose,tree).
 *
 * The tree has no callback at the end of a pass, so it is kept up to date after every closing
 * segment: each connection's share (type x side, RST cause, warnings, still open) is taken out
 * and put back when it changes.  It listens with TL_IGNORE_DISPLAY_FILTER, so it sees every
 * closing segment and counts the connections with one that matches the filter.  In Wireshark
 * the tree is (re)initialised once the capture is loaded: without a filter every connection is
 * counted from the start, including those that never began closing.  (tshark initialises it
 * before reading, so there it counts the connections that began closing; tshark's
 * -z tcpclose,summary counts them all.)  An RST cause that an inferred idle timer decides
 * (stats.c) is counted as such once the capture has been read whole: in Wireshark and in tshark's
 * second pass; a single pass counts what the first pass said, segment by segment. */

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

/* Brings a counted connection's share up to date; whole: the capture has been read whole. */
static void tree_update(stats_tree *st, struct tree_state *s, const struct tcpclose_conn *conn, gboolean whole)
{
    struct share *old = (struct share *)g_hash_table_lookup(s->shares, conn);
    struct conn_facts f;

    facts_of(conn, (const struct conn_agg *)g_hash_table_lookup(s->aggs, conn), FALSE, whole, &f);
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
    tree_update(args->st, args->s, conn, TRUE); /* Wireshark: the capture is loaded (tshark: none yet) */
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

static tap_packet_status tree_packet(stats_tree *st, packet_info *pinfo _U_, epan_dissect_t *edt _U_, const void *data,
                                     tap_flags_t flags)
{
    struct tree_state *s = tree_states != NULL ? (struct tree_state *)g_hash_table_lookup(tree_states, st) : NULL;
    const struct tcpclose_segment *r = (const struct tcpclose_segment *)data;

    if (s == NULL)
        return TAP_PACKET_DONT_REDRAW;
    const struct conn_agg *agg = aggs_add(s->aggs, r, (flags & TL_DISPLAY_FILTER_IGNORED) == 0);
    if (!agg->matched)
        return TAP_PACKET_DONT_REDRAW;
    tree_update(st, s, r->conn, frame_results_later_pass());
    return TAP_PACKET_REDRAW;
}

static void tree_cleanup(stats_tree *st)
{
    if (tree_states != NULL)
        g_hash_table_remove(tree_states, st);
}

void stats_summary_tree_register(void)
{
    stats_tree_register_plugin("tcpclose", "tcpclose", "TCP Connection Closure Summary", TL_IGNORE_DISPLAY_FILTER,
                               tree_packet, tree_init, tree_cleanup);
}
