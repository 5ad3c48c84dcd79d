/* frame_results.h - what the first pass said about each frame, kept for every later pass. */
#ifndef TCPCLOSE_FRAME_RESULTS_H
#define TCPCLOSE_FRAME_RESULTS_H

#include <epan/packet.h>

#include "segment.h"

/* One frame's results: its closing segments (several with tunnels), and how many of its TCP
 * headers the snapshot length cut short.  Valid until the next frame's results are stored. */
struct frame_results {
    guint cut_short;
    guint count;
    const struct tcpclose_segment *segment;
};

/* Registers the per-file reset; call once from the protocol registration. */
void frame_results_register(void);

/* First pass: keeps a frame's results and returns them as stored.  Frames come in increasing
 * order; one that does not is not kept (its later passes show nothing), rather than break the
 * order every lookup relies on. */
struct frame_results frame_results_store(guint32 frame, guint cut_short, const struct tcpclose_segment *segment,
                                         guint count);

/* Later passes: what was stored for the frame (count and cut_short 0 when nothing was). */
struct frame_results frame_results_find(guint32 frame);

/* The closing segment of conn stored for frame, or NULL.  For the views: unlike
 * frame_results_find, it leaves the place a pass's lookups go on from alone. */
const struct tcpclose_segment *frame_results_segment_of(guint32 frame, const struct tcpclose_conn *conn);

/* Whether the frame being dissected, then tapped, is read on a later pass: its results were stored
 * on the first, and the whole capture (so far) has been seen.  The post-dissector says which pass
 * it is on; taps ask frame_results_later_pass() rather than PINFO_FD_VISITED, because Wireshark
 * marks a frame visited before it runs the taps of its first pass. */
void frame_results_set_pass(gboolean later);
gboolean frame_results_later_pass(void);

/* Every closing segment stored so far, in frame order: how many, and the one at index (< count). */
guint frame_results_count(void);
const struct tcpclose_segment *frame_results_segment(guint index);

#endif
