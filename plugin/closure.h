/* closure.h - the TCP closure state machine: segment facts in, closure annotation out.
 *
 * Plain C11, no Wireshark types, so it can be unit-tested and fuzzed on its own.
 * One struct tc_connection follows one incarnation of one TCP connection as a passive
 * observer sees it on the wire.  Every segment counts as sent and received at the moment
 * it is captured; the states reported are both endpoints' RFC 9293 states after it.
 */
#ifndef TCPCLOSE_CLOSURE_H
#define TCPCLOSE_CLOSURE_H

#include <stdbool.h>
#include <stdint.h>

/* TCP header flag bits, as on the wire. */
enum {
    TC_FLAG_FIN = 0x01,
    TC_FLAG_SYN = 0x02,
    TC_FLAG_RST = 0x04,
    TC_FLAG_ACK = 0x10,
};

/* RFC 9293 section 3.3.2 connection states, named exactly as the RFC names them. */
enum tc_state {
    TC_SYN_SENT,
    TC_SYN_RECEIVED,
    TC_ESTABLISHED,
    TC_FIN_WAIT_1,
    TC_FIN_WAIT_2,
    TC_CLOSING,
    TC_TIME_WAIT,
    TC_CLOSE_WAIT,
    TC_LAST_ACK,
    TC_CLOSED,
};

/* What one segment does in the closure.  TC_PHASE_NONE: the close has not begun. */
enum tc_phase {
    TC_PHASE_NONE,
    TC_PHASE_ACTIVE_FIN,
    TC_PHASE_PASSIVE_ACK,
    TC_PHASE_PASSIVE_FIN,
    TC_PHASE_SIMULTANEOUS_FIN,
    TC_PHASE_FINAL_ACK,
    TC_PHASE_HALF_CLOSED_DATA,
    TC_PHASE_FIN_RETRANSMISSION,
    TC_PHASE_CLOSING_ACK,
    TC_PHASE_AFTER_CLOSE,
    TC_PHASE_RST,
    TC_PHASE_AFTER_RST,
    TC_PHASE_IGNORED_RST,   /* an RST its receiver does not act on (RFC 5961): the receiver stays as it
                             * was; a challenged (in-window) RST's sender is CLOSED all the same */
    TC_PHASE_CHALLENGE_ACK, /* the ACK a stack answers an in-window, inexact RST with */
};
#define TC_PHASE_COUNT (TC_PHASE_CHALLENGE_ACK + 1)

enum tc_role { TC_CLIENT = 0, TC_SERVER = 1 };

enum tc_side { TC_SIDE_NONE, TC_SIDE_CLIENT, TC_SIDE_SERVER, TC_SIDE_BOTH };

enum tc_close_type {
    TC_TYPE_NONE,
    TC_TYPE_GRACEFUL,    /* both FINs sent and acknowledged */
    TC_TYPE_HALF_CLOSED, /* a FIN exchange that has not completed */
    TC_TYPE_RESET,       /* RST with no FIN before it */
    TC_TYPE_ABORTED,     /* RST after a FIN */
    TC_TYPE_REFUSED,     /* RST answering a SYN */
};

/* Why an RST was sent, as far as the capture tells (on the RST). */
enum tc_rst_cause {
    TC_CAUSE_NONE,
    TC_CAUSE_REFUSED,           /* answers a SYN */
    TC_CAUSE_NO_CONNECTION,     /* its sender has no connection (closed, timed out, reset, never had it) */
    TC_CAUSE_DATA_AFTER_CLOSE,  /* answers data that arrived after the sender's own FIN */
    TC_CAUSE_ABORT,             /* unprovoked: abort, SO_LINGER 0, close with unread data */
    TC_CAUSE_PEER_UNRESPONSIVE, /* the sender retransmitted unacknowledged, then gave up */
    TC_CAUSE_INVALID_SEGMENT,   /* answers a segment not acceptable for the connection */
    TC_CAUSE_IDLE_TIMEOUT,      /* the connection had been idle longer than the idle timeout */
    TC_CAUSE_DATA_CROSSED_FIN,  /* answers data its receiver sent before the sender's FIN reached it: the
                                 * data crossed that FIN (a request lost to a keep-alive race) */
};
#define TC_CAUSE_COUNT (TC_CAUSE_DATA_CROSSED_FIN + 1)

/* What the RST's receiver does with it (RFC 9293 3.10.7.4 first check, RFC 5961 section 3). */
enum tc_rst_check {
    TC_RST_CHECK_NONE,         /* not an RST, or an RST after the connection was already reset */
    TC_RST_ACCEPTED,           /* sequence number is exactly the receiver's RCV.NXT */
    TC_RST_ACCEPTED_UNCHECKED, /* the receiver's window is not known from the capture: taken as accepted */
    TC_RST_CHALLENGED,         /* in the window, not RCV.NXT: the receiver sends a challenge ACK */
    TC_RST_OUT_OF_WINDOW,      /* outside the window (or, in SYN-SENT, not acknowledging the SYN): dropped */
};

/* Findings on one segment, known the moment it is seen (expert infos in the glue). */
enum tc_event {
    TC_EV_DATA_AFTER_FIN = 1u << 0,           /* payload beyond the sender's own FIN */
    TC_EV_FIN_RETRANSMISSION = 1u << 1,       /* the sender's FIN again */
    TC_EV_SIMULTANEOUS_CLOSE = 1u << 2,       /* this FIN crossed the peer's FIN */
    TC_EV_CLOSED_GRACEFULLY = 1u << 3,        /* this ACK completed the close */
    TC_EV_RST_REFUSED = 1u << 4,              /* this RST answers a SYN */
    TC_EV_RST_AFTER_FIN = 1u << 5,            /* this RST aborts a FIN exchange */
    TC_EV_IGNORED_AFTER_RST = 1u << 6,        /* sent to an endpoint that already reset */
    TC_EV_RST_OUT_OF_WINDOW = 1u << 7,        /* an RST a real stack drops silently */
    TC_EV_RST_CHALLENGED = 1u << 8,           /* an RST a real stack answers with a challenge ACK */
    TC_EV_RST_NO_CONNECTION = 1u << 9,        /* an RST from an endpoint with no connection */
    TC_EV_TIME_WAIT_ASSASSINATION = 1u << 10, /* an RST reaching an endpoint in TIME-WAIT (RFC 1337) */
    TC_EV_SUSPECTED_RST_INJECTION = 1u << 11, /* the RST's own sender carries on as if it never sent it */
    TC_EV_RST_WITH_DATA = 1u << 12,           /* an RST carrying payload (diagnostic text, RFC 9293 3.5.3) */
    TC_EV_FIN_NOT_CAPTURED = 1u << 13,        /* this ACK acknowledges a FIN the capture missed */
    TC_EV_CROSSED_FIN = 1u << 14, /* this RST answers data that crossed its sender's FIN: the data is lost */
};

/* The judgements that depend on timers, in nanoseconds. */
struct tc_config {
    int64_t time_wait_ns;    /* how long an endpoint stays in TIME-WAIT (Linux: 60 s; RFC 2*MSL: 240 s) */
    int64_t idle_timeout_ns; /* idle time after which an RST is put down to a middlebox timeout */
};
#define TC_DEFAULT_TIME_WAIT_NS (60 * INT64_C(1000000000))
#define TC_DEFAULT_IDLE_TIMEOUT_NS (300 * INT64_C(1000000000))

/* What the capture says about one segment.  Sequence numbers are raw (not relative). */
struct tc_segment {
    uint32_t frame;
    unsigned sender; /* 0: the endpoint that sent the connection's first segment, 1: the other */
    uint16_t src_port;
    uint16_t dst_port;
    uint32_t seq;
    uint32_t ack;
    uint16_t flags; /* TC_FLAG_* */
    uint32_t payload_len;
    uint16_t window;       /* the raw window field */
    bool has_window_shift; /* a SYN carrying the window scale option ... */
    uint8_t window_shift;  /* ... and its shift count */
    int64_t time_ns;       /* capture time */
};

/* What tcpclose says about one segment.  Kept for every closing segment of a capture, so the
 * enums are stored as bytes (48 bytes in all rather than 80). */
struct tc_annotation {
    int64_t idle_before_rst_ns;   /* on an RST: time since the connection's previous segment */
    int64_t idle_before_close_ns; /* on the segment that begins the close: tc_idle_since_payload before it */
    uint32_t close_frame;         /* the connection's first FIN or RST */
    uint32_t acks_fin_frame;      /* the FIN this segment acknowledges first, or 0 */
    uint32_t rst_frame;           /* on a segment sent after an RST (AFTER_RST, or to the sender of a
                                  * challenged RST): that RST, else 0 */
    uint32_t rst_answers_frame;   /* on an RST: the segment it answers, or 0 */
    uint32_t events;              /* enum tc_event bits */
    uint8_t phase;                /* enum tc_phase */
    uint8_t sender;               /* enum tc_role */
    uint8_t active_side;          /* enum tc_side */
    uint8_t client_state;         /* enum tc_state */
    uint8_t server_state;         /* enum tc_state */
    uint8_t type;                 /* enum tc_close_type, as known after this segment */
    uint8_t rst_check;            /* on an RST: enum tc_rst_check */
    uint8_t rst_cause;            /* on an RST: enum tc_rst_cause */
    bool roles_guessed;
};

/* The last segment an endpoint sent, to tell what an RST answers. */
struct tc_sent {
    uint32_t frame;
    uint32_t seq;
    uint32_t ack;
    uint32_t payload_len;
    uint16_t flags;
};

/* One endpoint, as far as its closing matters.  Fields are ordered and sized to keep a
 * connection small: captures hold millions of them. */
struct tc_endpoint {
    /* One clock, two uses that never overlap: an endpoint sends payload before it is in TIME-WAIT,
     * and its idle time is read only when the close begins, before anyone is in TIME-WAIT. */
    union {
        int64_t time_wait_since_ns; /* in_time_wait: when it entered TIME-WAIT, or its timer last restarted */
        int64_t last_payload_ns;    /* else: when it last sent payload or a SYN (first seen, if neither) */
    };
    struct tc_sent last;
    uint32_t snd_nxt;         /* highest sequence end it sent */
    uint32_t max_ack;         /* highest ACK it sent */
    uint32_t fin_seq;         /* sequence number its FIN occupies */
    uint32_t fin_frame;       /* 0 when the FIN was not captured */
    uint32_t fin_acked_frame; /* the first frame that acknowledged its FIN */
    uint16_t window;          /* the raw window of its last segment */
    uint8_t handshake_state;  /* enum tc_state: its state while neither side has closed */
    uint8_t window_shift;     /* its SYN's window scale shift, if has_window_shift */
    uint8_t rexmits;          /* retransmissions since the peer last acknowledged new data */
    bool sent_any : 1;        /* it sent a segment other than an RST */
    bool syn_sent : 1;
    bool has_window_shift : 1;
    bool window_unscaled : 1; /* its last segment was a SYN: that window is never scaled */
    bool ack_sent : 1;
    bool in_time_wait : 1;
    bool fin_sent : 1;
    bool fin_acked : 1;   /* the peer has acknowledged its FIN */
    bool fin_passive : 1; /* it had acknowledged the peer's FIN when it sent its own */
    bool aborted : 1;     /* it sent an RST its peer did not accept: it has no connection, the peer does */
};

/* One incarnation of one TCP connection.  Zero-initialise, then feed segments in capture order. */
struct tc_connection {
    struct tc_endpoint ep[2];
    int64_t last_time_ns;    /* time of the connection's last segment so far */
    uint32_t last_frame;     /* and its frame */
    uint32_t close_frame;    /* first FIN or RST (or first sign of an unseen FIN), 0 while open */
    uint32_t complete_frame; /* the ACK that completed the graceful close, or the RST */
    uint32_t rst_frame;
    uint32_t abort_frame;     /* an RST that closed its sender only (challenged by the receiver) */
    uint32_t last_data_frame; /* the connection's last segment that carried payload (RST aside), 0 if none */
    uint8_t client;           /* endpoint index (0 or 1) of the client */
    uint8_t active_side;      /* enum tc_side */
    uint8_t type;             /* enum tc_close_type */
    uint8_t rst_sender;
    uint8_t last_sender;
    uint8_t challenger;    /* the endpoint expected to send a challenge ACK */
    uint8_t close_aborter; /* with close_by_abort: whose one-sided RST began the close */
    bool started : 1;
    bool roles_guessed : 1;
    bool reset : 1;
    bool complete : 1;
    bool challenge_pending : 1; /* an RST was challenged: the receiver's next pure ACK answers it */
    bool close_by_abort : 1;    /* the close began with that one-sided RST */
    bool last_data_sender : 1;  /* endpoint index of last_data_frame's sender */
};

/* Time from the connection's last segment that carried payload (in either direction; else its
 * SYNs, else its first segment seen) to now_ns.  Asked before feeding the segment that begins the
 * close, it is the idle time before the close (tcpclose.idle_before_close). */
int64_t tc_idle_since_payload(const struct tc_connection *conn, int64_t now_ns);

/* Feed one segment; fills *out.  A segment before the close begins gets TC_PHASE_NONE. */
void tc_process(struct tc_connection *conn, const struct tc_config *config, const struct tc_segment *seg,
                struct tc_annotation *out);

/* True when seg is a SYN that opens a new incarnation of a connection that is over
 * (closed or reset): the caller starts a fresh tc_connection for it. */
bool tc_starts_new_incarnation(const struct tc_connection *conn, const struct tc_segment *seg);

/* How a FIN fared by the end of the capture (for warnings that need later packets). */
enum tc_fin_outcome {
    TC_FIN_OK,         /* acknowledged, and the peer closed too (or reset) */
    TC_FIN_UNACKED,    /* never acknowledged, and no RST explains it */
    TC_FIN_UNANSWERED, /* acknowledged, but the peer never sent FIN or RST: CLOSE_WAIT */
};
enum tc_fin_outcome tc_fin_outcome(const struct tc_connection *conn, unsigned endpoint);

/* An endpoint's RFC 9293 state at time now_ns (TIME-WAIT expiry included), e.g. at the end of
 * the capture. */
enum tc_state tc_state_at(const struct tc_connection *conn, const struct tc_config *config, unsigned endpoint,
                          int64_t now_ns);

/* Endpoint index of a role. */
static inline unsigned tc_endpoint_of(const struct tc_connection *conn, enum tc_role role)
{
    return role == TC_CLIENT ? conn->client : 1u - conn->client;
}

/* Tokens as users type them in filters ("ACTIVE_FIN", "CLIENT", "FIN_WAIT_1", ...). */
const char *tc_state_name(enum tc_state state);
const char *tc_phase_name(enum tc_phase phase);
const char *tc_role_name(enum tc_role role);
const char *tc_side_name(enum tc_side side);
const char *tc_type_name(enum tc_close_type type);
const char *tc_cause_name(enum tc_rst_cause cause);
const char *tc_rst_check_name(enum tc_rst_check check);

#endif
