/* rst.c - RST forensics: would the receiver act on this RST, and why was it sent?
 *
 * Both questions are answered from what the capture shows just before the RST: the receiver's
 * RCV.NXT is taken to be everything the RST's sender had sent (every segment counts as received
 * when captured), its window is the last one it advertised, scaled as the handshake agreed.
 */
#include "closure_internal.h"

#include <stddef.h>

/* Window scaling is known only when both SYNs were captured (RFC 7323 section 2.2). */
static bool window_known(const struct tc_connection *conn)
{
    return conn->ep[0].syn_sent && conn->ep[1].syn_sent;
}

/* The receive window an endpoint last advertised, in bytes. */
static uint32_t receive_window(const struct tc_connection *conn, const struct tc_endpoint *ep)
{
    bool scaled = conn->ep[0].has_window_shift && conn->ep[1].has_window_shift && !ep->window_unscaled;
    unsigned shift = ep->window_shift > 14 ? 14 : ep->window_shift; /* RFC 7323: at most 14 */
    return scaled ? (uint32_t)ep->window << shift : ep->window;
}

/* Linux's tcp_reset_check (tcp_input.c, called from tcp_validate_incoming both for RSTs in sequence
 * and for those that fail tcp_sequence): an endpoint in CLOSE-WAIT, LAST-ACK or CLOSING, that is
 * one that has received its peer's FIN and is not yet in TIME-WAIT, also accepts an RST at
 * RCV.NXT - 1.  That is the peer's FIN's own sequence number, and the seq a peer's stack gives
 * the RST answering a segment sent before its FIN arrived (RFC 9293 3.10.7.1: <SEQ=SEG.ACK>, and
 * that ACK did not cover the FIN): the keep-alive race, where a request crosses the server's FIN.
 * RFC 5961 alone would drop it as out of the window.  This follows Linux; a receiver
 * whose stack checks RFC 5961 to the letter would drop such an RST, which a capture cannot tell. */
static bool accepts_below_rcv_nxt(const struct tc_endpoint *snd, const struct tc_endpoint *rcv,
                                  const struct tc_segment *rst)
{
    bool got_peer_fin = snd->fin_sent && rst->seq == snd->fin_seq && rst->seq + 1u == snd->snd_nxt;
    bool in_time_wait_or_closed = rcv->fin_sent && rcv->fin_acked; /* TIME-WAIT (or CLOSED) */
    return got_peer_fin && !in_time_wait_or_closed;
}

enum tc_rst_check tc_check_rst(const struct tc_connection *conn, const struct tc_segment *rst)
{
    const struct tc_endpoint *snd = &conn->ep[rst->sender], *rcv = &conn->ep[1u - rst->sender];

    /* RFC 9293 3.10.7.3, SYN-SENT: an RST counts only if it acknowledges our SYN. */
    if (rcv->handshake_state == TC_SYN_SENT && rcv->syn_sent)
        return has(rst, TC_FLAG_ACK) && rst->ack == rcv->snd_nxt ? TC_RST_ACCEPTED : TC_RST_OUT_OF_WINDOW;

    if (!window_known(conn) || !snd->sent_any || !rcv->sent_any)
        return TC_RST_ACCEPTED_UNCHECKED;
    uint32_t rcv_nxt = snd->snd_nxt;
    if (rst->seq == rcv_nxt || accepts_below_rcv_nxt(snd, rcv, rst))
        return TC_RST_ACCEPTED;
    /* RFC 5961 section 3.2: in the window but not exact, the receiver sends a challenge ACK. */
    if (seq_gt(rst->seq, rcv_nxt) && seq_lt(rst->seq, rcv_nxt + receive_window(conn, rcv)))
        return TC_RST_CHALLENGED;
    return TC_RST_OUT_OF_WINDOW;
}

/* The receiver's segment this RST answers, if the RST follows it directly and carries the
 * numbers RFC 9293 3.10.7.1 gives a reset in reply: <SEQ=SEG.ACK> without ACK, or
 * <ACK=SEG.SEQ+SEG.LEN> for a segment that occupied sequence space. */
const struct tc_sent *tc_rst_answers(const struct tc_connection *conn, const struct tc_segment *rst)
{
    unsigned receiver = 1u - rst->sender;
    const struct tc_sent *last = &conn->ep[receiver].last;

    if (!conn->ep[receiver].sent_any || conn->last_sender != receiver)
        return NULL;
    if (!has(rst, TC_FLAG_ACK))
        return (last->flags & TC_FLAG_ACK) && rst->seq == last->ack ? last : NULL;
    uint32_t end = seq_end(last->seq, last->payload_len, last->flags);
    return end != last->seq && rst->ack == end ? last : NULL;
}

/* The data this RST answers if that data crossed the RST sender's FIN, else 0.  The race: one side
 * closes (an idle keep-alive connection, or a client giving up) and its FIN is on the way while the
 * other side sends data (the next request, or the reply).  The data reaches a socket that is closed;
 * the closer's stack answers it with <SEQ=SEG.ACK><CTL=RST> (RFC 1122 4.2.2.13, RFC 9293 3.10.7.1;
 * Linux tcp_rcv_state_process, data after shutdown), and SEG.ACK, sent before the FIN arrived, stops at
 * the FIN: the RST's seq is the FIN's own.  The data is lost.  Told apart from data sent after its
 * sender had acknowledged the FIN (a peer that ignored the end of the stream: DATA_AFTER_CLOSE) by
 * that ACK number.  The data is the connection's last, its receiver's, never acknowledged by the
 * RST's sender. */
static uint32_t crossed_data(const struct tc_connection *conn, const struct tc_segment *rst,
                             const struct tc_sent *answered)
{
    unsigned receiver = 1u - rst->sender;
    const struct tc_endpoint *snd = &conn->ep[rst->sender], *rcv = &conn->ep[receiver];

    if (!snd->fin_sent || conn->last_data_frame == 0 || conn->last_data_sender != receiver)
        return 0;
    uint32_t data_end = rcv->fin_sent ? rcv->fin_seq : rcv->snd_nxt;
    if (snd->ack_sent && seq_geq(snd->max_ack, data_end))
        return 0; /* the RST's sender had received it */
    if (!has(rst, TC_FLAG_ACK) && rst->seq == snd->fin_seq)
        return conn->last_data_frame; /* <SEQ=SEG.ACK>, that ACK short of the FIN */
    if (answered != NULL && answered->frame == conn->last_data_frame && (answered->flags & TC_FLAG_ACK) &&
        seq_lt(answered->ack, snd->fin_seq + 1u))
        return answered->frame; /* a direct reply to data whose ACK did not cover the FIN */
    return 0;
}

enum tc_rst_cause tc_rst_cause(const struct tc_connection *conn, const struct tc_config *config,
                               const struct tc_segment *rst, uint32_t *answers_frame)
{
    const struct tc_endpoint *snd = &conn->ep[rst->sender], *rcv = &conn->ep[1u - rst->sender];
    const struct tc_sent *answered = tc_rst_answers(conn, rst);

    *answers_frame = answered != NULL ? answered->frame : 0;

    if (rcv->handshake_state == TC_SYN_SENT)
        return TC_CAUSE_REFUSED;
    /* Its close completed, or its TIME-WAIT ran out: the sender has no connection left. */
    if (tc_state_at(conn, config, rst->sender, rst->time_ns) == TC_CLOSED)
        return TC_CAUSE_NO_CONNECTION;
    uint32_t crossed = crossed_data(conn, rst, answered);
    if (crossed != 0) {
        *answers_frame = crossed;
        return TC_CAUSE_DATA_CROSSED_FIN;
    }
    if (answered != NULL) {
        if (snd->fin_sent && answered->payload_len > 0)
            return TC_CAUSE_DATA_AFTER_CLOSE; /* RFC 9293 3.6.1: data after close() */
        if (snd->fin_sent && (answered->flags & TC_FLAG_FIN))
            return TC_CAUSE_NO_CONNECTION; /* a FIN-WAIT-2 that timed out no longer knows the peer */
        if (!snd->sent_any)
            return TC_CAUSE_NO_CONNECTION; /* it never had this connection */
        bool acks_unsent = (answered->flags & TC_FLAG_ACK) && seq_gt(answered->ack, snd->snd_nxt);
        bool syn_in_open =
            (answered->flags & (TC_FLAG_SYN | TC_FLAG_ACK)) == TC_FLAG_SYN && snd->handshake_state == TC_ESTABLISHED;
        if (acks_unsent || syn_in_open)
            return TC_CAUSE_INVALID_SEGMENT;
    }
    if (snd->rexmits > 0)
        return TC_CAUSE_PEER_UNRESPONSIVE;
    if (conn->last_frame != 0 && rst->time_ns - conn->last_time_ns >= config->idle_timeout_ns)
        return TC_CAUSE_IDLE_TIMEOUT;
    return TC_CAUSE_ABORT;
}
