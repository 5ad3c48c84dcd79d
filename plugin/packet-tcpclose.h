/* packet-tcpclose.h - registration entry points of the TCP Connection Closure post-dissector. */
#ifndef TCPCLOSE_PACKET_TCPCLOSE_H
#define TCPCLOSE_PACKET_TCPCLOSE_H

#include <epan/packet.h>

#include "closure.h"
#include "connections.h"

/* What tcpclose says about one closing segment: stored per frame on the first pass, drawn on
 * every pass, and the data of the "tcpclose" tap (queued for every closing segment drawn). */
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

/* A time difference in nanoseconds as Wireshark's nstime_t. */
nstime_t ns_to_nstime(gint64 ns);

/* The timers the preferences set. */
struct tc_config tcpclose_config(void);

void proto_register_tcpclose(void);
void proto_reg_handoff_tcpclose(void);

#endif
