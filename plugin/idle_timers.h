/* idle_timers.h - idle timers inferred from the closes one endpoint began: plain C, no Wireshark types.
 *
 * A backend that closes keep-alive connections after N seconds idle, a load balancer or firewall
 * that drops idle flows after M seconds: each leaves the same idle time before the closes it
 * begins.  Given the idle times (tcpclose.idle_before_close) of the closes one endpoint began,
 * it_infer finds the largest group of at least IT_MIN_MATCHES that lie within 2 % (or 50 ms,
 * whichever is larger) of each other and are at least 1 s: that endpoint has an idle timer of
 * about their median.
 */
#ifndef TCPCLOSE_IDLE_TIMERS_H
#define TCPCLOSE_IDLE_TIMERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "closure.h"

#define IT_MIN_MATCHES 3
#define IT_MIN_IDLE_NS INT64_C(1000000000)    /* shorter idle times are not a timer's */
#define IT_MIN_TOLERANCE_NS INT64_C(50000000) /* 50 ms: capture timestamps and scheduling jitter */
#define IT_TOLERANCE_PERCENT 2

struct it_timer {
    int64_t timer_ns; /* the median of the matching idle times */
    int64_t low_ns;   /* the shortest and the longest of them: a close matches when its idle time */
    int64_t high_ns;  /* lies in [low_ns, high_ns] */
    unsigned matches; /* closes whose idle time matches */
    unsigned closes;  /* closes the endpoint began, all told */
};

/* Sorts idle_ns[] in place and looks for a timer in it; false when there is none. */
bool it_infer(int64_t *idle_ns, size_t count, struct it_timer *out);

/* True when a close after idle_ns is one of the timer's. */
static inline bool it_matches(const struct it_timer *timer, int64_t idle_ns)
{
    return idle_ns >= timer->low_ns && idle_ns <= timer->high_ns;
}

/* Why an RST that began its connection's close was sent, its sender's idle timer considered.
 * base is the cause the segments around the RST gave it (rst.c, where IDLE_TIMEOUT means the
 * connection was silent longer than the idle_timeout preference); matches_timer says the close is
 * one of its sender's timer's.  The timer explains only what nothing more specific does: an
 * unprovoked RST (ABORT) after the timer's idle time is that timer firing, and so is an RST that
 * the preference already put down to an idle timeout.  REFUSED, NO_CONNECTION, DATA_CROSSED_FIN,
 * DATA_AFTER_CLOSE, INVALID_SEGMENT and PEER_UNRESPONSIVE each name what the RST answers or
 * follows, which an idle time after the timer's length does not undo.  A close that does not match
 * keeps its base cause: the preference still rules where the timer says nothing. */
static inline enum tc_rst_cause it_rst_cause(enum tc_rst_cause base, bool matches_timer)
{
    bool explainable = base == TC_CAUSE_ABORT || base == TC_CAUSE_IDLE_TIMEOUT;
    return matches_timer && explainable ? TC_CAUSE_IDLE_TIMEOUT : base;
}

/* Whether a timer could change the cause at all: when not, nobody needs to look for one. */
static inline bool it_may_explain(enum tc_rst_cause base)
{
    return it_rst_cause(base, true) != base;
}

#endif
