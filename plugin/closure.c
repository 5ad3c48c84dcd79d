/* closure.c - the TCP closure state machine (see closure.h), one function per event,
 * after RFC 9293 section 3.10.7 "SEGMENT ARRIVES".
 *
 * The machine keeps facts per endpoint (FIN sent, FIN acknowledged, whether the peer's FIN
 * was already acknowledged when ours went out) and derives each RFC state from them, so a
 * state can never disagree with what the capture showed.
 */
#include "closure.h"

#include <stddef.h>

/* Sequence number comparisons modulo 2^32 (RFC 9293 section 3.4). */
static bool seq_geq(uint32_t a, uint32_t b) { return (int32_t)(a - b) >= 0; }
static bool seq_gt(uint32_t a, uint32_t b) { return (int32_t)(a - b) > 0; }

static bool has(const struct tc_segment *seg, uint16_t flag) { return (seg->flags & flag) != 0; }

/* The sequence number a FIN in this segment occupies: after its SYN, if any, and its data. */
static uint32_t fin_seq_of(const struct tc_segment *seg)
{
    return seg->seq + (has(seg, TC_FLAG_SYN) ? 1u : 0u) + seg->payload_len;
}

/* True when seg acknowledges the FIN of endpoint ep: its ACK reaches FIN seq + 1. */
static bool acks_fin_of(const struct tc_segment *seg, const struct tc_endpoint *ep)
{
    return has(seg, TC_FLAG_ACK) && ep->fin_sent && seq_geq(seg->ack, ep->fin_seq + 1u);
}

static enum tc_side side_of(const struct tc_connection *conn, unsigned endpoint)
{
    return endpoint == conn->client ? TC_SIDE_CLIENT : TC_SIDE_SERVER;
}

/* Client = sender of the SYN without ACK.  Without one, the well-known (< 1024) port, else the
 * lower port, is taken as the server's; with equal ports the first sender is the client. */
static void choose_roles(struct tc_connection *conn, const struct tc_segment *seg)
{
    unsigned sender = seg->sender;
    uint16_t syn_ack = seg->flags & (TC_FLAG_SYN | TC_FLAG_ACK);

    if (syn_ack == TC_FLAG_SYN) {
        conn->client = (uint8_t)sender;
        return;
    }
    if (syn_ack == (TC_FLAG_SYN | TC_FLAG_ACK)) {
        conn->client = (uint8_t)(1u - sender);
        return;
    }
    conn->roles_guessed = true;
    bool src_well_known = seg->src_port < 1024, dst_well_known = seg->dst_port < 1024;
    bool sender_is_server;
    if (src_well_known != dst_well_known)
        sender_is_server = src_well_known;
    else
        sender_is_server = seg->src_port < seg->dst_port;
    conn->client = (uint8_t)(sender_is_server ? 1u - sender : sender);
}

/* States during the handshake, before anyone closes (RFC 9293 section 3.5). */
static void track_handshake(struct tc_connection *conn, const struct tc_segment *seg)
{
    struct tc_endpoint *snd = &conn->ep[seg->sender], *rcv = &conn->ep[1u - seg->sender];

    if (has(seg, TC_FLAG_SYN)) {
        if (!has(seg, TC_FLAG_ACK)) {
            snd->handshake_state = TC_SYN_SENT;     /* active OPEN */
            rcv->handshake_state = TC_SYN_RECEIVED; /* LISTEN, received SYN */
        } else {
            snd->handshake_state = TC_SYN_RECEIVED;
            rcv->handshake_state = TC_ESTABLISHED; /* SYN-SENT, our SYN acknowledged */
        }
    } else if (has(seg, TC_FLAG_ACK) && snd->handshake_state == TC_ESTABLISHED &&
               rcv->handshake_state == TC_SYN_RECEIVED) {
        rcv->handshake_state = TC_ESTABLISHED; /* SYN-RECEIVED, our SYN acknowledged */
    }
}

/* An endpoint's RFC 9293 state, derived from what the capture showed of it. */
static enum tc_state state_of(const struct tc_connection *conn, unsigned endpoint)
{
    const struct tc_endpoint *me = &conn->ep[endpoint], *peer = &conn->ep[1u - endpoint];

    if (conn->reset)
        return TC_CLOSED;
    if (!me->fin_sent)
        return peer->fin_sent ? TC_CLOSE_WAIT : me->handshake_state;
    if (!peer->fin_sent)
        return me->fin_acked ? TC_FIN_WAIT_2 : TC_FIN_WAIT_1;
    if (me->fin_passive) /* we closed from CLOSE-WAIT */
        return me->fin_acked ? TC_CLOSED : TC_LAST_ACK;
    return me->fin_acked ? TC_TIME_WAIT : TC_CLOSING;
}

/* An RST that the receiver accepts: the connection is gone on both sides. */
static enum tc_phase on_rst(struct tc_connection *conn, const struct tc_segment *seg, uint32_t *events)
{
    unsigned sender = seg->sender;
    const struct tc_endpoint *rcv = &conn->ep[1u - sender];

    if (conn->close_frame == 0) {
        conn->close_frame = seg->frame;
        conn->active_side = side_of(conn, sender);
    }
    if (conn->ep[0].fin_sent || conn->ep[1].fin_sent) {
        conn->type = TC_TYPE_ABORTED;
        *events |= TC_EV_RST_AFTER_FIN;
    } else if (rcv->handshake_state == TC_SYN_SENT) {
        conn->type = TC_TYPE_REFUSED;
        *events |= TC_EV_RST_REFUSED;
    } else {
        conn->type = TC_TYPE_RESET;
    }
    conn->reset = true;
    conn->rst_frame = seg->frame;
    conn->rst_sender = (uint8_t)sender;
    conn->complete_frame = seg->frame;
    return TC_PHASE_RST;
}

/* A FIN from the sender: its first (active, passive or crossing the peer's), or a repeat. */
static enum tc_phase on_fin(struct tc_connection *conn, const struct tc_segment *seg, uint32_t *events)
{
    unsigned sender = seg->sender;
    struct tc_endpoint *snd = &conn->ep[sender], *rcv = &conn->ep[1u - sender];

    if (snd->fin_sent) {
        /* The sender would not repeat its FIN had our captured ACK of it reached it: the
         * ACK was lost beyond the capture point, and the sender is still waiting for one. */
        snd->fin_acked = false;
        if (conn->complete) {
            conn->complete = false;
            conn->type = TC_TYPE_HALF_CLOSED;
        }
        *events |= TC_EV_FIN_RETRANSMISSION;
        return TC_PHASE_FIN_RETRANSMISSION;
    }

    snd->fin_sent = true;
    snd->fin_seq = fin_seq_of(seg);
    snd->fin_frame = seg->frame;
    if (conn->type == TC_TYPE_NONE)
        conn->type = TC_TYPE_HALF_CLOSED;

    if (!rcv->fin_sent) {
        conn->close_frame = seg->frame;
        conn->active_side = side_of(conn, sender);
        return TC_PHASE_ACTIVE_FIN;
    }
    if (rcv->fin_acked || acks_fin_of(seg, rcv)) {
        snd->fin_passive = true; /* CLOSE-WAIT, then CLOSE: LAST-ACK */
        return TC_PHASE_PASSIVE_FIN;
    }
    /* The FINs crossed: this sender had not received the peer's FIN when it sent its own. */
    conn->active_side = TC_SIDE_BOTH;
    *events |= TC_EV_SIMULTANEOUS_CLOSE;
    return TC_PHASE_SIMULTANEOUS_FIN;
}

/* The ACK field of a segment: does it acknowledge the peer's FIN for the first time? */
static enum tc_phase on_ack(struct tc_connection *conn, const struct tc_segment *seg, enum tc_phase phase,
                            uint32_t *events, struct tc_annotation *out)
{
    struct tc_endpoint *snd = &conn->ep[seg->sender], *rcv = &conn->ep[1u - seg->sender];

    if (rcv->fin_acked || !acks_fin_of(seg, rcv))
        return phase;

    rcv->fin_acked = true;
    if (rcv->fin_acked_frame == 0)
        rcv->fin_acked_frame = seg->frame;
    out->acks_fin_frame = rcv->fin_frame;

    if (snd->fin_sent && snd->fin_acked) {
        conn->complete = true;
        conn->complete_frame = seg->frame;
        conn->type = TC_TYPE_GRACEFUL;
        *events |= TC_EV_CLOSED_GRACEFULLY;
        return TC_PHASE_FINAL_ACK;
    }
    if (phase != TC_PHASE_NONE)
        return phase;
    return snd->fin_sent ? TC_PHASE_CLOSING_ACK : TC_PHASE_PASSIVE_ACK;
}

bool tc_starts_new_incarnation(const struct tc_connection *conn, const struct tc_segment *seg)
{
    return conn->started && (conn->complete || conn->reset) &&
           (seg->flags & (TC_FLAG_SYN | TC_FLAG_ACK | TC_FLAG_RST)) == TC_FLAG_SYN;
}

void tc_process(struct tc_connection *conn, const struct tc_segment *seg, struct tc_annotation *out)
{
    struct tc_segment s = *seg;
    s.sender &= 1u;
    const struct tc_endpoint *snd = &conn->ep[s.sender];
    enum tc_phase phase = TC_PHASE_NONE;
    uint32_t events = 0;

    out->acks_fin_frame = 0;
    out->rst_frame = 0;

    if (!conn->started) {
        conn->started = true;
        conn->ep[0].handshake_state = conn->ep[1].handshake_state = TC_ESTABLISHED;
        choose_roles(conn, &s);
    }
    conn->last_frame = s.frame;
    if (conn->close_frame == 0)
        track_handshake(conn, &s);

    if (conn->reset) {
        /* RFC 9293 3.10.7.1: the RST's sender has no connection; it ignores this segment
         * or answers it with another RST. */
        phase = TC_PHASE_AFTER_RST;
        out->rst_frame = conn->rst_frame;
        if (s.sender != conn->rst_sender)
            events |= TC_EV_IGNORED_AFTER_RST;
    } else if (has(&s, TC_FLAG_RST)) {
        phase = conn->complete ? TC_PHASE_AFTER_CLOSE : on_rst(conn, &s, &events);
    } else {
        bool was_complete = conn->complete;
        if (has(&s, TC_FLAG_FIN))
            phase = on_fin(conn, &s, &events);
        phase = on_ack(conn, &s, phase, &events, out);
        if (phase == TC_PHASE_NONE && conn->close_frame != 0) {
            if (was_complete)
                phase = TC_PHASE_AFTER_CLOSE;
            else if (s.payload_len > 0 && !snd->fin_sent)
                phase = TC_PHASE_HALF_CLOSED_DATA;
            else
                phase = TC_PHASE_CLOSING_ACK;
        }
        /* Data must end where the sender's FIN stands (RFC 9293 3.10.7.4, eighth step). */
        if (snd->fin_sent && s.payload_len > 0 && seq_gt(s.seq + s.payload_len, snd->fin_seq))
            events |= TC_EV_DATA_AFTER_FIN;
    }

    out->phase = phase;
    out->sender = s.sender == conn->client ? TC_CLIENT : TC_SERVER;
    out->active_side = conn->active_side;
    out->client_state = state_of(conn, conn->client);
    out->server_state = state_of(conn, 1u - conn->client);
    out->type = conn->type;
    out->roles_guessed = conn->roles_guessed;
    out->close_frame = conn->close_frame;
    out->events = events;
}

enum tc_fin_outcome tc_fin_outcome(const struct tc_connection *conn, unsigned endpoint)
{
    const struct tc_endpoint *me = &conn->ep[endpoint & 1u], *peer = &conn->ep[1u - (endpoint & 1u)];

    if (!me->fin_sent || conn->reset)
        return TC_FIN_OK; /* an RST ended it: rst_after_fin says so */
    if (me->fin_acked_frame == 0)
        return TC_FIN_UNACKED;
    if (!peer->fin_sent)
        return TC_FIN_UNANSWERED;
    return TC_FIN_OK;
}

static const char *name_in(const char *const *names, size_t count, unsigned index)
{
    return index < count ? names[index] : "UNKNOWN";
}
#define NAME_IN(names, index) name_in(names, sizeof(names) / sizeof((names)[0]), (unsigned)(index))

const char *tc_state_name(enum tc_state state)
{
    static const char *const names[] = {
        "SYN_SENT",  "SYN_RECEIVED", "ESTABLISHED", "FIN_WAIT_1", "FIN_WAIT_2",
        "CLOSING",   "TIME_WAIT",    "CLOSE_WAIT",  "LAST_ACK",   "CLOSED",
    };
    return NAME_IN(names, state);
}

const char *tc_phase_name(enum tc_phase phase)
{
    static const char *const names[] = {
        "NONE",         "ACTIVE_FIN",       "PASSIVE_ACK",        "PASSIVE_FIN",
        "SIMULTANEOUS_FIN", "FINAL_ACK",    "HALF_CLOSED_DATA",   "FIN_RETRANSMISSION",
        "CLOSING_ACK",  "AFTER_CLOSE",      "RST",                "AFTER_RST",
    };
    return NAME_IN(names, phase);
}

const char *tc_role_name(enum tc_role role)
{
    return role == TC_CLIENT ? "CLIENT" : "SERVER";
}

const char *tc_side_name(enum tc_side side)
{
    static const char *const names[] = {"NONE", "CLIENT", "SERVER", "BOTH"};
    return NAME_IN(names, side);
}

const char *tc_type_name(enum tc_close_type type)
{
    static const char *const names[] = {"NONE", "GRACEFUL", "HALF_CLOSED", "RESET", "ABORTED", "REFUSED"};
    return NAME_IN(names, type);
}
