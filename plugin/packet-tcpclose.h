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
    struct tc_segment seg;              /* the segment's own numbers */
    const struct tcpclose_conn *conn;   /* its connection; final state on later passes */
    nstime_t since_close;
    const char *rst_text;               /* an RST's payload as text, or NULL */
    guint32 stream;
    guint8 sender_endpoint;
};

/* The timers the preferences set. */
struct tc_config tcpclose_config(void);

void proto_register_tcpclose(void);
void proto_reg_handoff_tcpclose(void);

#endif
