/* tcp_layers.h - finds the TCP layers of a frame in its protocol tree and reads their headers. */
#ifndef TCPCLOSE_TCP_LAYERS_H
#define TCPCLOSE_TCP_LAYERS_H

#include <epan/proto.h>

#include "closure.h"

/* At most this many TCP layers of one frame are analysed (tunnels nest a few). */
#define TCP_LAYERS_MAX 8

/* One TCP header of a frame, with the addresses of the IP header it travelled in. */
struct tcp_layer {
    struct tc_segment seg; /* frame and sender are for the caller to set */
    guint32 stream;        /* Wireshark's tcp.stream */
    guint8 addr_len;       /* 4, 16, or 0 when no IP header precedes the TCP header */
    guint8 src_addr[16];
    guint8 dst_addr[16];
    tvbuff_t *tvb;        /* where the segment's payload lies ... */
    gint payload_offset;  /* ... and from which offset */
};

/* Looks up the protocols and fields read here; call from the handoff. */
void tcp_layers_init(void);

/* The fields the post-dissector must ask for so that tcp_layers_read finds them. */
GArray *tcp_layers_wanted_hfids(void);

/* Fills layers[] with the frame's complete TCP headers, outermost first, and returns how many.
 * Skipped: TCP headers quoted inside ICMP errors, IP fragments, and headers cut short by the
 * capture's snapshot length, which are counted in *truncated. */
unsigned tcp_layers_read(proto_tree *tree, struct tcp_layer *layers, unsigned max, unsigned *truncated);

#endif
