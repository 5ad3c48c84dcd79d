/* idle_timer_table.h - the capture's idle timers, inferred per endpoint from the closes it began. */
#ifndef TCPCLOSE_IDLE_TIMER_TABLE_H
#define TCPCLOSE_IDLE_TIMER_TABLE_H

#include <epan/packet.h>

#include "idle_timers.h"
#include "segment.h"

/* One endpoint with an idle timer: a server by address and port, a client by address. */
struct idle_timer_endpoint {
    struct it_timer timer;
    const struct tcpclose_conn *first_conn; /* the first connection whose close it began */
    guint8 endpoint;                        /* its endpoint index there */
    guint8 role;                            /* enum tc_role */
    guint by_rst;                           /* matching closes begun by an RST (the others by a FIN) */
};

/* Registers the per-file reset; call once from the protocol registration. */
void idle_timer_table_register(void);

/* On the segment that began a close: the timer of the endpoint that sent it, when that close is
 * one of the timer's; else NULL.  The table is built from the closing segments stored so far (the
 * whole capture once the first pass is over) and built again when more were stored. */
const struct idle_timer_endpoint *idle_timer_of(const struct tcpclose_segment *s);

/* Every endpoint with a timer, in order of its first close. */
void idle_timers_foreach(void (*fn)(const struct idle_timer_endpoint *t, void *user), void *user);

/* "FIN", "RST" or "FIN+RST": how the matching closes began. */
const char *idle_timer_closed_by(const struct idle_timer_endpoint *t);

#endif
