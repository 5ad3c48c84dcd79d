/* tcp_front.h - tcpclose's place in front of the TCP dissector, where it sees every segment. */
#ifndef TCPCLOSE_TCP_FRONT_H
#define TCPCLOSE_TCP_FRONT_H

#include <epan/packet.h>

#include "closure.h"

/* At most this many TCP layers of one frame are analysed (tunnels nest a few). */
#define TCP_LAYERS_MAX 8

/* One TCP header of a frame, with the addresses of the IP header it travelled in. */
struct tcp_layer {
    struct tc_segment seg; /* frame and sender are for the caller to set */
    guint32 stream;        /* Wireshark's tcp.stream */
    guint8 addr_len;       /* 4, 16, or 0 when no IP header carried the TCP header */
    guint8 src_addr[16];   /* addr_len bytes, then zeros */
    guint8 dst_addr[16];
    tvbuff_t *tvb;       /* where the segment's payload lies ... */
    gint payload_offset; /* ... and from which offset */
};

/* Puts tcp_front between IP and TCP, for the analyser protocol proto (while it is enabled);
 * call from the handoff, after TCP's own. */
void tcp_front_install(int proto);

/* The TCP headers of the frame TCP dissected on this first pass, outermost first, each with its
 * tcp.stream; call from the post-dissector (TCP has finished with the frame by then).  Headers
 * cut short by the snapshot length are counted in *cut_short.  The layers stay valid, and
 * the caller's to change, until the next frame is dissected. */
unsigned tcp_front_take(const packet_info *pinfo, struct tcp_layer **layers, unsigned max, unsigned *cut_short);

#endif
