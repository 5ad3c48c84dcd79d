/* closure.c - the TCP closure state machine (see closure.h), one function per event,
 * after RFC 9293 section 3.10.7 "SEGMENT ARRIVES".
 *
 * The machine keeps facts per endpoint (FIN sent, FIN acknowledged, whether the peer's FIN
 * was already acknowledged when ours went out) and derives each RFC state from them, so a
 * state can never disagree with what the capture showed.
 */
#include "closure_internal.h"

#include <stddef.h>
#include <string.h>

static const struct tc_config default_config = {TC_DEFAULT_TIME_WAIT_NS, TC_DEFAULT_IDLE_TIMEOUT_NS};

/* The sequence number a FIN in this segment occupies: after its SYN, if any, and its data. */
static uint32_t fin_seq_of(const struct tc_segment *seg)
{
    return seg->seq + (has(seg, TC_FLAG_SYN) ? 1u : 0u) + seg->payload_len;
}

/* The sequence number after everything this segment carries. */
static uint32_t end_of(const struct tc_segment *seg)
{
    return seq_end(seg->seq, seg->payload_len, seg->flags);
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

    if (has(seg, TC_FLAG_RST))
        return; /* an RST opens nothing, even with an ACK on it */
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

    if (conn->reset || me->aborted)
        return TC_CLOSED;
    if (!me->fin_sent)
        return peer->fin_sent ? TC_CLOSE_WAIT : (enum tc_state)me->handshake_state;
    if (!peer->fin_sent)
        return me->fin_acked ? TC_FIN_WAIT_2 : TC_FIN_WAIT_1;
    if (me->fin_passive) /* we closed from CLOSE-WAIT */
        return me->fin_acked ? TC_CLOSED : TC_LAST_ACK;
    return me->fin_acked ? TC_TIME_WAIT : TC_CLOSING;
}

/* TIME-WAIT ends when its timer runs out; the endpoint then has no connection. */
static enum tc_state after_timer(const struct tc_endpoint *ep, const struct tc_config *config, enum tc_state state,
                                 int64_t now_ns)
{
    if (state == TC_TIME_WAIT && ep->in_time_wait && now_ns - ep->time_wait_since_ns >= config->time_wait_ns)
        return TC_CLOSED;
    return state;
}

enum tc_state tc_state_at(const struct tc_connection *conn, const struct tc_config *config, unsigned endpoint,
                          int64_t now_ns)
{
    return after_timer(&conn->ep[endpoint], config, state_of(conn, endpoint), now_ns);
}

/* An RST ends the sender's connection: the close begins here unless it had begun, and the type
 * says what the RST cut short. */
static void begin_reset(struct tc_connection *conn, const struct tc_segment *seg, uint32_t *events)
{
    unsigned sender = seg->sender;
    const struct tc_endpoint *rcv = &conn->ep[1u - sender];

    if (conn->close_frame == 0) {
        conn->close_frame = seg->frame;
        conn->active_side = side_of(conn, sender);
    } else if (rcv->fin_sent && !rcv->fin_acked && has(seg, TC_FLAG_ACK) && !acks_fin_of(seg, rcv) &&
               conn->active_side != side_of(conn, sender)) {
        /* The RST does not acknowledge the peer's FIN: each side began closing on its own. */
        conn->active_side = TC_SIDE_BOTH;
    }
    if (conn->complete) {
        /* The graceful close had completed: the RST ends nothing that was still open. */
    } else if (rcv->handshake_state == TC_SYN_SENT) {
        conn->type = TC_TYPE_REFUSED; /* even if that SYN carried a FIN, as probes do */
        *events |= TC_EV_RST_REFUSED;
    } else if (conn->ep[0].fin_sent || conn->ep[1].fin_sent) {
        conn->type = TC_TYPE_ABORTED;
        *events |= TC_EV_RST_AFTER_FIN;
    } else {
        conn->type = TC_TYPE_RESET;
    }
}

/* An RST that the receiver accepts: the connection is gone on both sides. */
static enum tc_phase on_rst(struct tc_connection *conn, const struct tc_segment *seg, uint32_t *events)
{
    unsigned sender = seg->sender;

    /* After its own challenged RST, the sender's findings were reported on that one. */
    uint32_t already_reported = 0;
    begin_reset(conn, seg, conn->ep[sender].aborted ? &already_reported : events);
    conn->reset = true;
    conn->rst_frame = seg->frame;
    conn->rst_sender = (uint8_t)sender;
    if (!conn->complete) /* a graceful close that had completed stays completed where it did */
        conn->complete_frame = seg->frame;
    return TC_PHASE_RST;
}

/* A FIN from the sender: its first (active, passive or crossing the peer's), or a repeat. */
static enum tc_phase on_fin(struct tc_connection *conn, const struct tc_segment *seg, uint32_t *events)
{
    unsigned sender = seg->sender;
    struct tc_endpoint *snd = &conn->ep[sender], *rcv = &conn->ep[1u - sender];

    if (snd->fin_sent && snd->fin_frame == 0 && fin_seq_of(seg) == snd->fin_seq) {
        /* The FIN an earlier ACK revealed, captured late (reordered): it is the FIN itself. */
        snd->fin_frame = seg->frame;
        return snd->fin_passive ? TC_PHASE_PASSIVE_FIN : TC_PHASE_ACTIVE_FIN;
    }
    if (snd->fin_sent) {
        /* The sender would not repeat its FIN had our captured ACK of it reached it: the
         * ACK was lost beyond the capture point, and the sender is still waiting for one. */
        snd->fin_acked = false;
        if (conn->complete) {
            conn->complete = false;
            conn->complete_frame = 0;
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
        if (conn->close_frame == 0) { /* else a one-sided RST began the close */
            conn->close_frame = seg->frame;
            conn->active_side = side_of(conn, sender);
        }
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

/* An ACK exactly one beyond all the peer was seen to send, from a peer that sent no FIN: only a
 * SYN or a FIN occupies one sequence number without data, so the peer's FIN went by unseen. */
static void infer_unseen_fin(struct tc_connection *conn, const struct tc_segment *seg, uint32_t *events)
{
    struct tc_endpoint *snd = &conn->ep[seg->sender], *rcv = &conn->ep[1u - seg->sender];

    if (!has(seg, TC_FLAG_ACK) || rcv->fin_sent || rcv->aborted || !rcv->sent_any || seg->ack != rcv->snd_nxt + 1u)
        return;
    rcv->fin_sent = true;
    rcv->fin_seq = rcv->snd_nxt;
    rcv->fin_frame = 0;
    rcv->fin_passive = snd->fin_sent;
    if (conn->type == TC_TYPE_NONE)
        conn->type = TC_TYPE_HALF_CLOSED;
    if (!snd->fin_sent && conn->close_frame == 0) {
        conn->close_frame = seg->frame; /* the first sign of the close */
        conn->active_side = side_of(conn, 1u - seg->sender);
    }
    *events |= TC_EV_FIN_NOT_CAPTURED;
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

/* An RST segment: checked as the receiver would (RFC 5961), then explained. */
static enum tc_phase on_rst_segment(struct tc_connection *conn, const struct tc_config *config,
                                    const struct tc_segment *seg, uint32_t *events, struct tc_annotation *out)
{
    unsigned receiver = 1u - seg->sender;

    if (seg->payload_len > 0)
        *events |= TC_EV_RST_WITH_DATA;
    if (conn->reset) {
        /* Neither side has a connection any more: whoever sends this RST answers a stray. */
        const struct tc_sent *answered = tc_rst_answers(conn, seg);
        out->rst_frame = conn->rst_frame;
        out->rst_answers_frame = answered != NULL ? answered->frame : 0;
        out->rst_cause = TC_CAUSE_NO_CONNECTION;
        *events |= TC_EV_RST_NO_CONNECTION;
        if (seg->sender != conn->rst_sender)
            *events |= TC_EV_IGNORED_AFTER_RST;
        return TC_PHASE_AFTER_RST;
    }

    out->rst_cause = tc_rst_cause(conn, config, seg, &out->rst_answers_frame);
    if (out->rst_cause == TC_CAUSE_DATA_CROSSED_FIN)
        *events |= TC_EV_CROSSED_FIN; /* lost whatever the receiver makes of the RST */
    out->rst_check = tc_check_rst(conn, seg);
    if (out->rst_check == TC_RST_OUT_OF_WINDOW) {
        *events |= TC_EV_RST_OUT_OF_WINDOW;
        return TC_PHASE_IGNORED_RST;
    }
    if (out->rst_check == TC_RST_CHALLENGED) {
        /* RFC 5961: the receiver answers with a challenge ACK and stays open.  But whoever sends an
         * RST has already deleted its TCB (RFC 9293 3.10.5): its side of the connection is gone. */
        *events |= TC_EV_RST_CHALLENGED;
        conn->challenge_pending = true;
        conn->challenger = (uint8_t)receiver;
        if (!conn->ep[seg->sender].aborted) {
            if (conn->close_frame == 0) {
                conn->close_by_abort = true;
                conn->close_aborter = (uint8_t)seg->sender;
            }
            begin_reset(conn, seg, events);
            conn->ep[seg->sender].aborted = true;
            conn->abort_frame = seg->frame;
        }
        return TC_PHASE_IGNORED_RST;
    }
    if (out->rst_cause == TC_CAUSE_NO_CONNECTION)
        *events |= TC_EV_RST_NO_CONNECTION;
    if (tc_state_at(conn, config, receiver, seg->time_ns) == TC_TIME_WAIT)
        *events |= TC_EV_TIME_WAIT_ASSASSINATION; /* RFC 1337; Linux then drops its TIME-WAIT socket */
    return on_rst(conn, seg, events);
}

/* The one-sided RST that began the close turned out not to be its sender's: the close begins
 * with the first FIN instead, if there is one yet. */
static void retract_abort_close(struct tc_connection *conn, unsigned endpoint)
{
    unsigned other = 1u - endpoint;

    if (conn->ep[other].aborted) {
        /* The peer's one-sided RST, which came after, begins the close now. */
        conn->close_aborter = (uint8_t)other;
        conn->close_frame = conn->abort_frame;
        conn->active_side = side_of(conn, other);
        return;
    }
    conn->close_by_abort = false;
    conn->close_frame = 0;
    conn->active_side = TC_SIDE_NONE;
    conn->type = TC_TYPE_NONE;
    for (unsigned i = 0; i < 2; i++) {
        const struct tc_endpoint *ep = &conn->ep[i];
        if (!ep->fin_sent || ep->fin_passive)
            continue;
        bool earlier = conn->close_frame == 0 || ep->fin_frame < conn->close_frame;
        if (conn->active_side != TC_SIDE_NONE)
            conn->active_side = TC_SIDE_BOTH; /* two active FINs: they crossed */
        else
            conn->active_side = side_of(conn, i);
        if (earlier && ep->fin_frame != 0)
            conn->close_frame = ep->fin_frame;
        conn->type = conn->complete ? TC_TYPE_GRACEFUL : TC_TYPE_HALF_CLOSED;
    }
}

/* A segment without RST. */
static enum tc_phase on_other_segment(struct tc_connection *conn, const struct tc_segment *seg, uint32_t *events,
                                      struct tc_annotation *out)
{
    const struct tc_endpoint *snd = &conn->ep[seg->sender];
    enum tc_phase phase = TC_PHASE_NONE;

    if (conn->reset) {
        /* RFC 9293 3.10.7.1: the RST's sender has no connection; it ignores this segment
         * or answers it with another RST. */
        out->rst_frame = conn->rst_frame;
        *events |= seg->sender == conn->rst_sender ? TC_EV_SUSPECTED_RST_INJECTION : TC_EV_IGNORED_AFTER_RST;
        return TC_PHASE_AFTER_RST;
    }
    if (conn->ep[seg->sender].aborted) {
        /* The sender of a one-sided RST carries on: that RST was not its own (injected, stale). */
        conn->ep[seg->sender].aborted = false;
        *events |= TC_EV_SUSPECTED_RST_INJECTION;
        if (conn->close_by_abort && conn->close_aborter == seg->sender)
            retract_abort_close(conn, seg->sender);
    }
    bool to_aborted = conn->ep[1u - seg->sender].aborted;
    if (to_aborted) {
        out->rst_frame = conn->abort_frame;
        *events |= TC_EV_IGNORED_AFTER_RST;
    }
    if (conn->challenge_pending && seg->sender == conn->challenger) {
        conn->challenge_pending = false;
        if (seg->flags == TC_FLAG_ACK && seg->payload_len == 0)
            phase = TC_PHASE_CHALLENGE_ACK;
    }

    bool was_complete = conn->complete;
    infer_unseen_fin(conn, seg, events);
    if (has(seg, TC_FLAG_FIN))
        phase = on_fin(conn, seg, events);
    phase = on_ack(conn, seg, phase, events, out);
    if (phase == TC_PHASE_NONE && conn->close_frame != 0) {
        if (to_aborted)
            phase = TC_PHASE_AFTER_RST;
        else if (was_complete)
            phase = TC_PHASE_AFTER_CLOSE;
        else if (seg->payload_len > 0 && !snd->fin_sent)
            phase = TC_PHASE_HALF_CLOSED_DATA;
        else
            phase = TC_PHASE_CLOSING_ACK;
    }
    /* Data must end where the sender's FIN stands (RFC 9293 3.10.7.4, eighth step). */
    if (snd->fin_sent && seg->payload_len > 0 && seq_gt(seg->seq + seg->payload_len, snd->fin_seq))
        *events |= TC_EV_DATA_AFTER_FIN;
    return phase;
}

/* Records what the sender's segment shows of it, once the segment has been judged. */
static void note_sent(struct tc_connection *conn, const struct tc_segment *seg)
{
    struct tc_endpoint *ep = &conn->ep[seg->sender], *peer = &conn->ep[1u - seg->sender];
    uint32_t end = end_of(seg);

    if (has(seg, TC_FLAG_RST))
        return; /* an RST's numbers say nothing about what its sender sent or received */

    if (!ep->sent_any || seq_gt(end, ep->snd_nxt)) {
        ep->snd_nxt = end;
    } else if ((seg->payload_len > 0 || has(seg, TC_FLAG_FIN)) && !(peer->ack_sent && seq_geq(peer->max_ack, end)) &&
               ep->rexmits < UINT8_MAX) {
        ep->rexmits++; /* data or a FIN sent before, still unacknowledged: a retransmission */
    }
    if (has(seg, TC_FLAG_ACK) && (!ep->ack_sent || seq_gt(seg->ack, ep->max_ack))) {
        ep->max_ack = seg->ack;
        ep->ack_sent = true;
        peer->rexmits = 0; /* the peer's data got through */
    }
    if (has(seg, TC_FLAG_SYN)) {
        ep->syn_sent = true;
        ep->has_window_shift = seg->has_window_shift;
        ep->window_shift = seg->window_shift;
    }
    if (seg->payload_len > 0) {
        conn->last_data_frame = seg->frame;
        conn->last_data_sender = seg->sender != 0;
    }
    if ((seg->payload_len > 0 || has(seg, TC_FLAG_SYN)) && !ep->in_time_wait)
        ep->last_payload_ns = seg->time_ns;
    ep->window = seg->window;
    ep->window_unscaled = has(seg, TC_FLAG_SYN);
    ep->last = (struct tc_sent){
        .frame = seg->frame, .seq = seg->seq, .ack = seg->ack, .payload_len = seg->payload_len, .flags = seg->flags};
    ep->sent_any = true;
}

/* Starts or restarts each endpoint's TIME-WAIT timer (RFC 9293 3.10.7.4: a FIN restarts it).
 * Leaves each endpoint's state, before its timer is applied, in state[]. */
static void track_time_wait(struct tc_connection *conn, const struct tc_config *config, const struct tc_segment *seg,
                            enum tc_state state[2])
{
    for (unsigned i = 0; i < 2; i++) {
        struct tc_endpoint *ep = &conn->ep[i];
        state[i] = state_of(conn, i);
        if (state[i] != TC_TIME_WAIT) {
            ep->in_time_wait = false;
            continue;
        }
        bool expired = ep->in_time_wait && seg->time_ns - ep->time_wait_since_ns >= config->time_wait_ns;
        bool fin_to_it = has(seg, TC_FLAG_FIN) && seg->sender != i;
        if (!ep->in_time_wait || (fin_to_it && !expired)) {
            ep->in_time_wait = true;
            ep->time_wait_since_ns = seg->time_ns;
        }
    }
}

/* What the annotation says of the connection after the segment, whichever path it took. */
static void describe(const struct tc_connection *conn, const struct tc_segment *seg, enum tc_state client_state,
                     enum tc_state server_state, struct tc_annotation *out)
{
    out->sender = seg->sender == conn->client ? TC_CLIENT : TC_SERVER;
    out->active_side = (enum tc_side)conn->active_side;
    out->client_state = client_state;
    out->server_state = server_state;
    out->type = (enum tc_close_type)conn->type;
    out->roles_guessed = conn->roles_guessed;
    out->close_frame = conn->close_frame;
}

static void remember_last(struct tc_connection *conn, const struct tc_segment *seg)
{
    conn->last_frame = seg->frame;
    conn->last_time_ns = seg->time_ns;
    conn->last_sender = (uint8_t)seg->sender;
}

void tc_process_general(struct tc_connection *conn, const struct tc_config *config, const struct tc_segment *seg,
                        struct tc_annotation *out)
{
    struct tc_segment s = *seg;
    s.sender &= 1u;
    if (config == NULL)
        config = &default_config;
    uint32_t events = 0;

    memset(out, 0, sizeof *out);
    bool first = !conn->started;
    if (first) {
        conn->started = true;
        conn->ep[0].last_payload_ns = conn->ep[1].last_payload_ns = s.time_ns; /* idle since first seen */
        conn->ep[0].handshake_state = conn->ep[1].handshake_state = TC_ESTABLISHED;
        choose_roles(conn, &s);
    }
    bool open = conn->close_frame == 0;
    int64_t idle = open ? tc_idle_since_payload(conn, s.time_ns) : 0;
    if (open)
        track_handshake(conn, &s);

    if (has(&s, TC_FLAG_RST)) {
        out->idle_before_rst_ns = first ? 0 : s.time_ns - conn->last_time_ns;
        out->phase = on_rst_segment(conn, config, &s, &events, out);
    } else {
        out->phase = on_other_segment(conn, &s, &events, out);
    }
    if (open && conn->close_frame == s.frame)
        out->idle_before_close_ns = idle; /* this segment begins the close */
    note_sent(conn, &s);
    enum tc_state state[2];
    track_time_wait(conn, config, &s, state);
    remember_last(conn, &s);

    unsigned client = conn->client, server = 1u - conn->client;
    describe(conn, &s, after_timer(&conn->ep[client], config, state[client], s.time_ns),
             after_timer(&conn->ep[server], config, state[server], s.time_ns), out);
    out->events = events;
}

/* Most segments of a capture come long before their connection closes.  A segment without SYN,
 * FIN or RST, in a connection where nobody has sent a FIN or an RST, changes nothing but what its
 * sender is known to have sent and acknowledged, unless it acknowledges exactly one beyond all its
 * peer sent (a FIN the capture missed: infer_unseen_fin).  Such a segment takes a short path that
 * skips the checks for FINs, RSTs and timers: less code to run and to fetch into the cache for
 * every segment.  closure_fuzz checks that both paths say the same. */
static bool is_quiet(const struct tc_connection *conn, const struct tc_segment *seg)
{
    if (seg->sender > 1u) /* the general path masks it */
        return false;
    const struct tc_endpoint *peer = &conn->ep[1u - seg->sender];

    if (!conn->started || conn->close_frame != 0 || conn->reset || conn->challenge_pending ||
        (seg->flags & (TC_FLAG_SYN | TC_FLAG_FIN | TC_FLAG_RST)) != 0)
        return false;
    for (unsigned i = 0; i < 2; i++) {
        if (conn->ep[i].fin_sent || conn->ep[i].aborted)
            return false;
    }
    return !(has(seg, TC_FLAG_ACK) && peer->sent_any && seg->ack == peer->snd_nxt + 1u);
}

void tc_process(struct tc_connection *conn, const struct tc_config *config, const struct tc_segment *seg,
                struct tc_annotation *out)
{
    if (!is_quiet(conn, seg)) {
        tc_process_general(conn, config, seg, out);
        return;
    }
    track_handshake(conn, seg); /* the ACK that completes the handshake */
    note_sent(conn, seg);
    remember_last(conn, seg);
    memset(out, 0, sizeof *out); /* TC_PHASE_NONE, no events */
    /* No FIN, no RST: each endpoint is where its handshake left it (state_of). */
    describe(conn, seg, (enum tc_state)conn->ep[conn->client].handshake_state,
             (enum tc_state)conn->ep[1u - conn->client].handshake_state, out);
}

int64_t tc_idle_since_payload(const struct tc_connection *conn, int64_t now_ns)
{
    if (!conn->started)
        return 0;
    int64_t last = conn->ep[0].last_payload_ns;
    if (conn->ep[1].last_payload_ns > last)
        last = conn->ep[1].last_payload_ns;
    return now_ns - last;
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
        "SYN_SENT", "SYN_RECEIVED", "ESTABLISHED", "FIN_WAIT_1", "FIN_WAIT_2",
        "CLOSING",  "TIME_WAIT",    "CLOSE_WAIT",  "LAST_ACK",   "CLOSED",
    };
    return NAME_IN(names, state);
}

const char *tc_phase_name(enum tc_phase phase)
{
    static const char *const names[] = {
        "NONE",      "ACTIVE_FIN",       "PASSIVE_ACK",        "PASSIVE_FIN",   "SIMULTANEOUS_FIN",
        "FINAL_ACK", "HALF_CLOSED_DATA", "FIN_RETRANSMISSION", "CLOSING_ACK",   "AFTER_CLOSE",
        "RST",       "AFTER_RST",        "IGNORED_RST",        "CHALLENGE_ACK",
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

const char *tc_cause_name(enum tc_rst_cause cause)
{
    static const char *const names[] = {"NONE",
                                        "REFUSED",
                                        "NO_CONNECTION",
                                        "DATA_AFTER_CLOSE",
                                        "ABORT",
                                        "PEER_UNRESPONSIVE",
                                        "INVALID_SEGMENT",
                                        "IDLE_TIMEOUT",
                                        "DATA_CROSSED_FIN"};
    return NAME_IN(names, cause);
}

const char *tc_rst_check_name(enum tc_rst_check check)
{
    static const char *const names[] = {"NONE", "ACCEPTED", "ACCEPTED_UNCHECKED", "CHALLENGED", "OUT_OF_WINDOW"};
    return NAME_IN(names, check);
}
