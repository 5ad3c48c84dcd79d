/* segment.h - what tcpclose says about one closing segment: the record the first pass stores
 * (frame_results.c), every pass draws (packet-tcpclose.c), and the statistics read from the
 * "tcpclose" tap. */
#ifndef TCPCLOSE_SEGMENT_H
#define TCPCLOSE_SEGMENT_H

#include <epan/packet.h>

#include "closure.h"
#include "connections.h"

/* Stored per frame on the first pass, drawn on every pass, and the data of the "tcpclose" tap
 * (queued for every closing segment drawn). */
struct tcpclose_segment {
    struct tc_annotation ann;
    const struct tcpclose_conn *conn; /* its connection; final state on later passes */
    const char *rst_text;             /* an RST's payload as text, or NULL */
    gint64 since_close_ns;            /* time since ann.close_frame, when that is not 0 */
    guint32 payload_len;
    guint32 frame;          /* the frame it belongs to (pinfo->num for a tap listener) */
    guint16 flags;          /* TC_FLAG_* */
    guint8 sender_endpoint; /* its sender: conn->machine.ep[sender_endpoint] */
};

/* A time difference in nanoseconds as Wireshark's nstime_t.  Both parts truncate toward zero, so
 * a negative time keeps Wireshark's sign convention. */
static inline nstime_t ns_to_nstime(gint64 ns)
{
    return (nstime_t)NSTIME_INIT_SECS_NSECS((time_t)(ns / 1000000000), (int)(ns % 1000000000));
}

#endif
