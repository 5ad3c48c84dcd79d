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
};

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

/* Findings on one segment, known the moment it is seen (expert infos in the glue). */
enum tc_event {
    TC_EV_DATA_AFTER_FIN = 1u << 0,     /* payload beyond the sender's own FIN */
    TC_EV_FIN_RETRANSMISSION = 1u << 1, /* the sender's FIN again */
    TC_EV_SIMULTANEOUS_CLOSE = 1u << 2, /* this FIN crossed the peer's FIN */
    TC_EV_CLOSED_GRACEFULLY = 1u << 3,  /* this ACK completed the close */
    TC_EV_RST_REFUSED = 1u << 4,        /* this RST answers a SYN */
    TC_EV_RST_AFTER_FIN = 1u << 5,      /* this RST aborts a FIN exchange */
    TC_EV_IGNORED_AFTER_RST = 1u << 6,  /* sent to an endpoint that already reset */
};

/* What the capture says about one segment.  Sequence numbers are raw (not relative). */
struct tc_segment {
    uint32_t frame;
    unsigned sender;    /* 0: the endpoint that sent the connection's first segment, 1: the other */
    uint16_t src_port;
    uint16_t dst_port;
    uint32_t seq;
    uint32_t ack;
    uint16_t flags;     /* TC_FLAG_* */
    uint32_t payload_len;
};

/* What tcpclose says about one segment. */
struct tc_annotation {
    enum tc_phase phase;
    enum tc_role sender;
    enum tc_side active_side;
    enum tc_state client_state;
    enum tc_state server_state;
    enum tc_close_type type; /* as known after this segment */
    bool roles_guessed;
    uint32_t close_frame;    /* the connection's first FIN or RST */
    uint32_t acks_fin_frame; /* the FIN this segment acknowledges first, or 0 */
    uint32_t rst_frame;      /* on TC_PHASE_AFTER_RST: the RST, else 0 */
    uint32_t events;         /* enum tc_event bits */
};

/* One endpoint, as far as its closing matters. */
struct tc_endpoint {
    enum tc_state handshake_state; /* its state while neither side has closed */
    bool fin_sent;
    bool fin_acked;      /* the peer has acknowledged our FIN */
    bool fin_passive;    /* we had acknowledged the peer's FIN when we sent ours */
    uint32_t fin_seq;    /* sequence number the FIN occupies */
    uint32_t fin_frame;
    uint32_t fin_acked_frame; /* the first frame that acknowledged our FIN */
};

/* One incarnation of one TCP connection.  Zero-initialise, then feed segments in capture order. */
struct tc_connection {
    bool started;
    bool roles_guessed;
    uint8_t client;     /* endpoint index (0 or 1) of the client */
    struct tc_endpoint ep[2];
    enum tc_side active_side;
    enum tc_close_type type;
    uint32_t close_frame;    /* first FIN or RST, 0 while open */
    uint32_t complete_frame; /* the ACK that completed the graceful close, or the RST */
    uint32_t rst_frame;
    uint8_t rst_sender;
    bool reset;
    bool complete;
    uint32_t last_frame;     /* the connection's last segment so far */
};

/* Feed one segment; fills *out.  A segment before the close begins gets TC_PHASE_NONE. */
void tc_process(struct tc_connection *conn, const struct tc_segment *seg, struct tc_annotation *out);

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

#endif
