/* connections.h - the capture's TCP connections as tcpclose follows them: one record for each
 * incarnation of each connection, kept in file scope, in the order they first appeared. */
#ifndef TCPCLOSE_CONNECTIONS_H
#define TCPCLOSE_CONNECTIONS_H

#include <epan/packet.h>

#include "closure.h"
#include "tcp_front.h"

/* Every connection of a capture has one, so it is kept small: 192 bytes for IPv4, 216 for IPv6
 * (see connections.c for how they are stored). */
struct tcpclose_conn {
    struct tc_connection machine;
    gint64 close_time_ns;    /* capture time of machine.close_frame */
    gint64 complete_time_ns; /* capture time of machine.complete_frame */
    guint32 stream;          /* Wireshark's tcp.stream */
    guint32 first_frame;
    guint16 port[2]; /* endpoint 0 (the first sender) and endpoint 1 */
    guint8 addr_len; /* 4 or 16; 0 when no IP header was seen */
    guint8 addr[];   /* addr_len bytes of endpoint 0's address, then endpoint 1's */
};

/* The address of endpoint 0 or 1, conn->addr_len bytes long. */
static inline const guint8 *connection_address(const struct tcpclose_conn *conn, unsigned endpoint)
{
    return conn->addr + endpoint * conn->addr_len;
}

/* Registers the per-file reset; call once from the protocol registration. */
void connections_register(void);

/* The record for this TCP layer's connection, created or renewed (a SYN after a completed
 * close or a reset starts a new incarnation); sets layer->seg.sender to the endpoint index.
 * layer->seg.frame must be set. */
struct tcpclose_conn *connections_find(struct tcp_layer *layer);

/* Calls fn for every record, in the order the connections first appeared. */
void connections_foreach(void (*fn)(const struct tcpclose_conn *conn, void *user), void *user);

#endif
