/* frame_results.c - what the first pass said about each frame, kept in arrays of tcpclose's own.
 *
 * Why not Wireshark's per-frame storage (p_add_proto_data): it keeps a list on each frame, so
 * every stored result costs a list, a list node and a record naming its protocol and key, each
 * with an allocator header (the results took 45 bytes a closing segment more than here, measured
 * as peak RSS), and about 280 instructions to make.  The first pass meets the frames in
 * increasing order, so the results are appended to one array instead and found again by frame
 * number.  A later pass that goes through the frames in order (tshark -2, scrolling the GUI's
 * packet list) finds each where the lookup before left off, without searching; a jump (a click
 * in the GUI) costs a binary search.
 */
#include "frame_results.h"

/* Records ordered by frame number, several for one frame allowed. */
struct frame_ordered {
    GArray *records;
    gsize frame_offset; /* where a record keeps its guint32 frame number */
    guint next;         /* where the previous lookup left off: the first record after its frame */
};

struct cut_short_record {
    guint32 frame;
    guint32 count;
};

static struct frame_ordered segments = {NULL, offsetof(struct tcpclose_segment, frame), 0};
static struct frame_ordered cut_short = {NULL, offsetof(struct cut_short_record, frame), 0};
static guint32 last_frame_stored; /* 0: none yet (frames are numbered from 1) */

static void frame_ordered_reset(struct frame_ordered *a, guint element_size)
{
    a->records = g_array_new(FALSE, FALSE, element_size);
    a->next = 0;
}

static void frame_ordered_free(struct frame_ordered *a)
{
    if (a->records != NULL)
        g_array_free(a->records, TRUE);
    a->records = NULL;
}

static void frame_results_reset(void)
{
    frame_ordered_reset(&segments, sizeof(struct tcpclose_segment));
    frame_ordered_reset(&cut_short, sizeof(struct cut_short_record));
    last_frame_stored = 0;
}

static void frame_results_free(void)
{
    frame_ordered_free(&segments);
    frame_ordered_free(&cut_short);
}

void frame_results_register(void)
{
    register_init_routine(frame_results_reset);
    register_cleanup_routine(frame_results_free);
}

static guint32 frame_at(const struct frame_ordered *a, guint index)
{
    guint32 frame;
    const gchar *record = a->records->data + (gsize)index * g_array_get_element_size(a->records);
    memcpy(&frame, record + a->frame_offset, sizeof frame);
    return frame;
}

/* The index of the first record whose frame is not smaller than frame: a binary search. */
static guint first_not_before(const struct frame_ordered *a, guint32 frame)
{
    guint low = 0, high = a->records->len;
    while (low < high) {
        guint middle = low + (high - low) / 2;
        if (frame_at(a, middle) < frame)
            low = middle + 1;
        else
            high = middle;
    }
    return low;
}

/* The index of the frame's first record, or of where it would be; *count: how many it has. */
static guint locate(struct frame_ordered *a, guint32 frame, guint *count)
{
    guint n = a->records->len;
    guint first = a->next;
    /* Where the previous lookup left off is this frame's place when the record before it is of an
     * earlier frame and the record there is not: so for each frame of a pass in frame order. */
    gboolean in_place =
        first <= n && (first == 0 || frame_at(a, first - 1) < frame) && (first == n || frame_at(a, first) >= frame);

    if (!in_place)
        first = first_not_before(a, frame);
    guint end = first;
    while (end < n && frame_at(a, end) == frame)
        end++;
    a->next = end;
    *count = end - first;
    return first;
}

struct frame_results frame_results_store(guint32 frame, guint cut_short_count, const struct tcpclose_segment *segment,
                                         guint count)
{
    struct frame_results stored = {0, 0, NULL};

    if (frame <= last_frame_stored)
        return stored;
    last_frame_stored = frame;
    if (cut_short_count > 0) {
        struct cut_short_record record = {frame, cut_short_count};
        g_array_append_val(cut_short.records, record);
        stored.cut_short = cut_short_count;
    }
    if (count > 0) {
        guint first = segments.records->len;
        g_array_append_vals(segments.records, segment, count);
        struct tcpclose_segment *kept = &g_array_index(segments.records, struct tcpclose_segment, first);
        for (guint i = 0; i < count; i++)
            kept[i].frame = frame;
        stored.segment = kept;
        stored.count = count;
    }
    return stored;
}

struct frame_results frame_results_find(guint32 frame)
{
    struct frame_results found = {0, 0, NULL};
    guint count;
    guint first = locate(&segments, frame, &count);

    if (count > 0) {
        found.segment = &g_array_index(segments.records, struct tcpclose_segment, first);
        found.count = count;
    }
    /* Headers cut short are rare: most captures have none to search. */
    if (cut_short.records->len > 0) {
        guint index = locate(&cut_short, frame, &count);
        if (count > 0)
            found.cut_short = g_array_index(cut_short.records, struct cut_short_record, index).count;
    }
    return found;
}

const struct tcpclose_segment *frame_results_segment_of(guint32 frame, const struct tcpclose_conn *conn)
{
    if (segments.records == NULL)
        return NULL;
    for (guint i = first_not_before(&segments, frame); i < segments.records->len; i++) {
        const struct tcpclose_segment *s = &g_array_index(segments.records, struct tcpclose_segment, i);
        if (s->frame != frame)
            break;
        if (s->conn == conn)
            return s;
    }
    return NULL;
}

guint frame_results_count(void)
{
    return segments.records != NULL ? segments.records->len : 0;
}

const struct tcpclose_segment *frame_results_segment(guint index)
{
    return &g_array_index(segments.records, struct tcpclose_segment, index);
}

static gboolean later_pass; /* of the frame dissected last */

void frame_results_set_pass(gboolean later)
{
    later_pass = later;
}

gboolean frame_results_later_pass(void)
{
    return later_pass;
}
