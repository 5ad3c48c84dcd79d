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

/* Why the RST s was sent, the capture's idle timers considered: on the RST that began its
 * connection's close, IDLE_TIMEOUT when that close is one of its sender's timer's and nothing more
 * specific explains it (it_rst_cause); else s->ann.rst_cause, as the first pass decided it.  The
 * dissector on later passes and every view that shows or counts RST causes decide with it, once
 * the whole capture has been stored (idle_timer_of builds the table from what was stored). */
enum tc_rst_cause idle_timer_rst_cause(const struct tcpclose_segment *s);

/* Every endpoint with a timer, in order of its first close. */
void idle_timers_foreach(void (*fn)(const struct idle_timer_endpoint *t, void *user), void *user);

/* "FIN", "RST" or "FIN+RST": how the matching closes began. */
const char *idle_timer_closed_by(const struct idle_timer_endpoint *t);

#endif
