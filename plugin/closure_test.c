/* closure_test.c - unit tests of the closure state machine, one ladder diagram per scenario.
 *
 * Each step is one captured segment and what tcpclose must say after it: phase, client and
 * server state (RFC 9293), and the events raised.  Endpoint 0 is the first sender.
 */
#include "closure.h"

#include <stdio.h>
#include <string.h>

#define A 0u /* first sender */
#define B 1u
#define SYN TC_FLAG_SYN
#define ACK TC_FLAG_ACK
#define FIN TC_FLAG_FIN
#define RST TC_FLAG_RST

struct step {
    unsigned sender;
    uint16_t flags;
    uint32_t seq, ack, len;
    enum tc_phase phase;
    enum tc_state client_state, server_state;
    uint32_t events;
};

struct expect_end {
    enum tc_side active_side;
    enum tc_close_type type;
    enum tc_fin_outcome fin_outcome[2]; /* per endpoint 0 and 1 */
};

static int failures;
static int checks;

static void fail(const char *scenario, size_t step, const char *what, const char *got, const char *want)
{
    failures++;
    fprintf(stderr, "FAIL %s, step %zu: %s is %s, expected %s\n", scenario, step + 1, what, got, want);
}

static void check_str(const char *scenario, size_t step, const char *what, const char *got, const char *want)
{
    checks++;
    if (strcmp(got, want) != 0)
        fail(scenario, step, what, got, want);
}

static void check_uint(const char *scenario, size_t step, const char *what, unsigned got, unsigned want)
{
    char g[32], w[32];
    snprintf(g, sizeof g, "%u", got);
    snprintf(w, sizeof w, "%u", want);
    check_str(scenario, step, what, g, w);
}

/* Feeds the steps (frame numbers 1, 2, ...) into conn and checks every annotation. */
static void run_steps(const char *scenario, struct tc_connection *conn, const struct step *steps, size_t count,
                      uint16_t port_a, uint16_t port_b, struct tc_annotation *last)
{
    for (size_t i = 0; i < count; i++) {
        const struct step *st = &steps[i];
        struct tc_segment seg = {
            .frame = (uint32_t)(i + 1),
            .sender = st->sender,
            .src_port = st->sender == A ? port_a : port_b,
            .dst_port = st->sender == A ? port_b : port_a,
            .seq = st->seq,
            .ack = st->ack,
            .flags = st->flags,
            .payload_len = st->len,
            .window = 1000,
            .time_ns = (int64_t)(i + 1) * 10000000, /* 10 ms apart */
        };
        struct tc_annotation out;
        tc_process(conn, NULL, &seg, &out);
        check_str(scenario, i, "phase", tc_phase_name(out.phase), tc_phase_name(st->phase));
        check_str(scenario, i, "client state", tc_state_name(out.client_state), tc_state_name(st->client_state));
        check_str(scenario, i, "server state", tc_state_name(out.server_state), tc_state_name(st->server_state));
        check_uint(scenario, i, "events", out.events, st->events);
        *last = out;
    }
}

static void run(const char *scenario, const struct step *steps, size_t count, const struct expect_end *end)
{
    struct tc_connection conn = {0};
    struct tc_annotation last;
    run_steps(scenario, &conn, steps, count, 40000, 80, &last);
    check_str(scenario, count - 1, "active side", tc_side_name(last.active_side), tc_side_name(end->active_side));
    check_str(scenario, count - 1, "type", tc_type_name(last.type), tc_type_name(end->type));
    for (unsigned ep = 0; ep < 2; ep++)
        check_uint(scenario, count - 1, "fin outcome", tc_fin_outcome(&conn, ep), end->fin_outcome[ep]);
}

#define RUN(name, steps, ...)                                                                                          \
    do {                                                                                                               \
        const struct expect_end end_ = __VA_ARGS__;                                                                    \
        run(name, steps, sizeof(steps) / sizeof((steps)[0]), &end_);                                                   \
    } while (0)

/* The handshake every scenario below starts with: client ISN 100, server ISN 500. */
#define HANDSHAKE                                                                                                      \
    {A, SYN, 100, 0, 0, TC_PHASE_NONE, TC_SYN_SENT, TC_SYN_RECEIVED, 0},                                               \
        {B, SYN | ACK, 500, 101, 0, TC_PHASE_NONE, TC_ESTABLISHED, TC_SYN_RECEIVED, 0},                                \
    {                                                                                                                  \
        A, ACK, 101, 501, 0, TC_PHASE_NONE, TC_ESTABLISHED, TC_ESTABLISHED, 0                                          \
    }

static void test_client_close(void)
{
    static const struct step steps[] = {
        HANDSHAKE,
        {A, ACK, 101, 501, 10, TC_PHASE_NONE, TC_ESTABLISHED, TC_ESTABLISHED, 0},
        {A, FIN | ACK, 111, 501, 0, TC_PHASE_ACTIVE_FIN, TC_FIN_WAIT_1, TC_CLOSE_WAIT, 0},
        {B, ACK, 501, 112, 0, TC_PHASE_PASSIVE_ACK, TC_FIN_WAIT_2, TC_CLOSE_WAIT, 0},
        {B, FIN | ACK, 501, 112, 0, TC_PHASE_PASSIVE_FIN, TC_TIME_WAIT, TC_LAST_ACK, 0},
        {A, ACK, 112, 502, 0, TC_PHASE_FINAL_ACK, TC_TIME_WAIT, TC_CLOSED, TC_EV_CLOSED_GRACEFULLY},
        {A, ACK, 112, 502, 0, TC_PHASE_AFTER_CLOSE, TC_TIME_WAIT, TC_CLOSED, 0},
    };
    RUN("client close", steps, {TC_SIDE_CLIENT, TC_TYPE_GRACEFUL, {TC_FIN_OK, TC_FIN_OK}});
}

static void test_server_close(void)
{
    static const struct step steps[] = {
        HANDSHAKE,
        {B, FIN | ACK, 501, 101, 0, TC_PHASE_ACTIVE_FIN, TC_CLOSE_WAIT, TC_FIN_WAIT_1, 0},
        {A, ACK, 101, 502, 0, TC_PHASE_PASSIVE_ACK, TC_CLOSE_WAIT, TC_FIN_WAIT_2, 0},
        {A, FIN | ACK, 101, 502, 0, TC_PHASE_PASSIVE_FIN, TC_LAST_ACK, TC_TIME_WAIT, 0},
        {B, ACK, 502, 102, 0, TC_PHASE_FINAL_ACK, TC_CLOSED, TC_TIME_WAIT, TC_EV_CLOSED_GRACEFULLY},
    };
    RUN("server close", steps, {TC_SIDE_SERVER, TC_TYPE_GRACEFUL, {TC_FIN_OK, TC_FIN_OK}});
}

static void test_three_segment_close(void)
{
    static const struct step steps[] = {
        HANDSHAKE,
        {A, FIN | ACK, 101, 501, 0, TC_PHASE_ACTIVE_FIN, TC_FIN_WAIT_1, TC_CLOSE_WAIT, 0},
        /* FIN+ACK: receiving it in FIN-WAIT-1 with our FIN acknowledged leads to TIME-WAIT */
        {B, FIN | ACK, 501, 102, 0, TC_PHASE_PASSIVE_FIN, TC_TIME_WAIT, TC_LAST_ACK, 0},
        {A, ACK, 102, 502, 0, TC_PHASE_FINAL_ACK, TC_TIME_WAIT, TC_CLOSED, TC_EV_CLOSED_GRACEFULLY},
    };
    RUN("three-segment close", steps, {TC_SIDE_CLIENT, TC_TYPE_GRACEFUL, {TC_FIN_OK, TC_FIN_OK}});
}

static void test_simultaneous_close(void)
{
    static const struct step steps[] = {
        HANDSHAKE,
        {A, FIN | ACK, 101, 501, 0, TC_PHASE_ACTIVE_FIN, TC_FIN_WAIT_1, TC_CLOSE_WAIT, 0},
        /* ACK 101 does not cover the client's FIN (101): the FINs crossed */
        {B, FIN | ACK, 501, 101, 0, TC_PHASE_SIMULTANEOUS_FIN, TC_CLOSING, TC_CLOSING, TC_EV_SIMULTANEOUS_CLOSE},
        {A, ACK, 102, 502, 0, TC_PHASE_CLOSING_ACK, TC_CLOSING, TC_TIME_WAIT, 0},
        {B, ACK, 502, 102, 0, TC_PHASE_FINAL_ACK, TC_TIME_WAIT, TC_TIME_WAIT, TC_EV_CLOSED_GRACEFULLY},
    };
    RUN("simultaneous close", steps, {TC_SIDE_BOTH, TC_TYPE_GRACEFUL, {TC_FIN_OK, TC_FIN_OK}});
}

static void test_half_close_with_data(void)
{
    static const struct step steps[] = {
        HANDSHAKE,
        {A, FIN | ACK, 101, 501, 0, TC_PHASE_ACTIVE_FIN, TC_FIN_WAIT_1, TC_CLOSE_WAIT, 0},
        {B, ACK, 501, 102, 0, TC_PHASE_PASSIVE_ACK, TC_FIN_WAIT_2, TC_CLOSE_WAIT, 0},
        {B, ACK, 501, 102, 300, TC_PHASE_HALF_CLOSED_DATA, TC_FIN_WAIT_2, TC_CLOSE_WAIT, 0},
        {A, ACK, 102, 801, 0, TC_PHASE_CLOSING_ACK, TC_FIN_WAIT_2, TC_CLOSE_WAIT, 0},
        {B, FIN | ACK, 801, 102, 0, TC_PHASE_PASSIVE_FIN, TC_TIME_WAIT, TC_LAST_ACK, 0},
        {A, ACK, 102, 802, 0, TC_PHASE_FINAL_ACK, TC_TIME_WAIT, TC_CLOSED, TC_EV_CLOSED_GRACEFULLY},
    };
    RUN("half-close with data", steps, {TC_SIDE_CLIENT, TC_TYPE_GRACEFUL, {TC_FIN_OK, TC_FIN_OK}});
}

static void test_fin_retransmission(void)
{
    static const struct step steps[] = {
        HANDSHAKE,
        {A, FIN | ACK, 101, 501, 0, TC_PHASE_ACTIVE_FIN, TC_FIN_WAIT_1, TC_CLOSE_WAIT, 0},
        {A, FIN | ACK, 101, 501, 0, TC_PHASE_FIN_RETRANSMISSION, TC_FIN_WAIT_1, TC_CLOSE_WAIT,
         TC_EV_FIN_RETRANSMISSION},
        {B, ACK, 501, 102, 0, TC_PHASE_PASSIVE_ACK, TC_FIN_WAIT_2, TC_CLOSE_WAIT, 0},
        {B, FIN | ACK, 501, 102, 0, TC_PHASE_PASSIVE_FIN, TC_TIME_WAIT, TC_LAST_ACK, 0},
        {A, ACK, 102, 502, 0, TC_PHASE_FINAL_ACK, TC_TIME_WAIT, TC_CLOSED, TC_EV_CLOSED_GRACEFULLY},
    };
    RUN("FIN retransmission", steps, {TC_SIDE_CLIENT, TC_TYPE_GRACEFUL, {TC_FIN_OK, TC_FIN_OK}});
}

/* The final ACK was lost after the capture point: the server repeats its FIN from LAST-ACK. */
static void test_final_ack_lost(void)
{
    static const struct step steps[] = {
        HANDSHAKE,
        {A, FIN | ACK, 101, 501, 0, TC_PHASE_ACTIVE_FIN, TC_FIN_WAIT_1, TC_CLOSE_WAIT, 0},
        {B, FIN | ACK, 501, 102, 0, TC_PHASE_PASSIVE_FIN, TC_TIME_WAIT, TC_LAST_ACK, 0},
        {A, ACK, 102, 502, 0, TC_PHASE_FINAL_ACK, TC_TIME_WAIT, TC_CLOSED, TC_EV_CLOSED_GRACEFULLY},
        {B, FIN | ACK, 501, 102, 0, TC_PHASE_FIN_RETRANSMISSION, TC_TIME_WAIT, TC_LAST_ACK, TC_EV_FIN_RETRANSMISSION},
        {A, ACK, 102, 502, 0, TC_PHASE_FINAL_ACK, TC_TIME_WAIT, TC_CLOSED, TC_EV_CLOSED_GRACEFULLY},
    };
    RUN("final ACK lost", steps, {TC_SIDE_CLIENT, TC_TYPE_GRACEFUL, {TC_FIN_OK, TC_FIN_OK}});
}

static void test_fin_unacked(void)
{
    static const struct step steps[] = {
        HANDSHAKE,
        {A, FIN | ACK, 101, 501, 0, TC_PHASE_ACTIVE_FIN, TC_FIN_WAIT_1, TC_CLOSE_WAIT, 0},
        {A, FIN | ACK, 101, 501, 0, TC_PHASE_FIN_RETRANSMISSION, TC_FIN_WAIT_1, TC_CLOSE_WAIT,
         TC_EV_FIN_RETRANSMISSION},
    };
    RUN("FIN unacked", steps, {TC_SIDE_CLIENT, TC_TYPE_HALF_CLOSED, {TC_FIN_UNACKED, TC_FIN_OK}});
}

static void test_peer_stays_in_close_wait(void)
{
    static const struct step steps[] = {
        HANDSHAKE,
        {A, FIN | ACK, 101, 501, 0, TC_PHASE_ACTIVE_FIN, TC_FIN_WAIT_1, TC_CLOSE_WAIT, 0},
        {B, ACK, 501, 102, 0, TC_PHASE_PASSIVE_ACK, TC_FIN_WAIT_2, TC_CLOSE_WAIT, 0},
        {B, ACK | 0x08, 501, 102, 50, TC_PHASE_HALF_CLOSED_DATA, TC_FIN_WAIT_2, TC_CLOSE_WAIT, 0},
    };
    RUN("CLOSE_WAIT", steps, {TC_SIDE_CLIENT, TC_TYPE_HALF_CLOSED, {TC_FIN_UNANSWERED, TC_FIN_OK}});
}

static void test_rst_abort_and_replies(void)
{
    static const struct step steps[] = {
        HANDSHAKE,
        {A, RST | ACK, 101, 501, 0, TC_PHASE_RST, TC_CLOSED, TC_CLOSED, 0},
        {B, ACK, 501, 101, 100, TC_PHASE_AFTER_RST, TC_CLOSED, TC_CLOSED, TC_EV_IGNORED_AFTER_RST},
        /* the client answers with another RST: it has no connection */
        {A, RST, 101, 0, 0, TC_PHASE_AFTER_RST, TC_CLOSED, TC_CLOSED, TC_EV_RST_NO_CONNECTION},
    };
    RUN("RST abort", steps, {TC_SIDE_CLIENT, TC_TYPE_RESET, {TC_FIN_OK, TC_FIN_OK}});
}

static void test_refused(void)
{
    static const struct step steps[] = {
        {A, SYN, 100, 0, 0, TC_PHASE_NONE, TC_SYN_SENT, TC_SYN_RECEIVED, 0},
        {B, RST | ACK, 0, 101, 0, TC_PHASE_RST, TC_CLOSED, TC_CLOSED, TC_EV_RST_REFUSED},
    };
    RUN("refused", steps, {TC_SIDE_SERVER, TC_TYPE_REFUSED, {TC_FIN_OK, TC_FIN_OK}});
}

static void test_rst_after_fin(void)
{
    static const struct step steps[] = {
        HANDSHAKE,
        {A, FIN | ACK, 101, 501, 0, TC_PHASE_ACTIVE_FIN, TC_FIN_WAIT_1, TC_CLOSE_WAIT, 0},
        {B, ACK, 501, 102, 0, TC_PHASE_PASSIVE_ACK, TC_FIN_WAIT_2, TC_CLOSE_WAIT, 0},
        {B, ACK, 501, 102, 100, TC_PHASE_HALF_CLOSED_DATA, TC_FIN_WAIT_2, TC_CLOSE_WAIT, 0},
        {A, RST, 102, 0, 0, TC_PHASE_RST, TC_CLOSED, TC_CLOSED, TC_EV_RST_AFTER_FIN},
    };
    RUN("RST after FIN", steps, {TC_SIDE_CLIENT, TC_TYPE_ABORTED, {TC_FIN_OK, TC_FIN_OK}});
}

static void test_data_after_own_fin(void)
{
    static const struct step steps[] = {
        HANDSHAKE,
        {A, FIN | ACK, 101, 501, 0, TC_PHASE_ACTIVE_FIN, TC_FIN_WAIT_1, TC_CLOSE_WAIT, 0},
        {B, ACK, 501, 102, 0, TC_PHASE_PASSIVE_ACK, TC_FIN_WAIT_2, TC_CLOSE_WAIT, 0},
        {A, ACK, 102, 501, 50, TC_PHASE_CLOSING_ACK, TC_FIN_WAIT_2, TC_CLOSE_WAIT, TC_EV_DATA_AFTER_FIN},
        /* data and FIN together end exactly at the FIN: no violation */
    };
    RUN("data after own FIN", steps, {TC_SIDE_CLIENT, TC_TYPE_HALF_CLOSED, {TC_FIN_UNANSWERED, TC_FIN_OK}});

    static const struct step fin_with_data[] = {
        HANDSHAKE,
        {A, FIN | ACK, 101, 501, 20, TC_PHASE_ACTIVE_FIN, TC_FIN_WAIT_1, TC_CLOSE_WAIT, 0},
        {A, FIN | ACK, 101, 501, 20, TC_PHASE_FIN_RETRANSMISSION, TC_FIN_WAIT_1, TC_CLOSE_WAIT,
         TC_EV_FIN_RETRANSMISSION},
        {B, ACK, 501, 122, 0, TC_PHASE_PASSIVE_ACK, TC_FIN_WAIT_2, TC_CLOSE_WAIT, 0},
    };
    RUN("FIN carrying data", fin_with_data, {TC_SIDE_CLIENT, TC_TYPE_HALF_CLOSED, {TC_FIN_UNANSWERED, TC_FIN_OK}});
}

/* A close across the sequence wrap: FIN at 0xFFFFFFFF is acknowledged by ACK 0. */
static void test_sequence_wrap(void)
{
    static const struct step steps[] = {
        {A, SYN, 0xFFFFFFF0u, 0, 0, TC_PHASE_NONE, TC_SYN_SENT, TC_SYN_RECEIVED, 0},
        {B, SYN | ACK, 7, 0xFFFFFFF1u, 0, TC_PHASE_NONE, TC_ESTABLISHED, TC_SYN_RECEIVED, 0},
        {A, ACK, 0xFFFFFFF1u, 8, 14, TC_PHASE_NONE, TC_ESTABLISHED, TC_ESTABLISHED, 0},
        {A, FIN | ACK, 0xFFFFFFFFu, 8, 0, TC_PHASE_ACTIVE_FIN, TC_FIN_WAIT_1, TC_CLOSE_WAIT, 0},
        /* ACK 0xFFFFFFFF does not yet cover the FIN */
        {B, ACK, 8, 0xFFFFFFFFu, 0, TC_PHASE_CLOSING_ACK, TC_FIN_WAIT_1, TC_CLOSE_WAIT, 0},
        {B, ACK, 8, 0, 0, TC_PHASE_PASSIVE_ACK, TC_FIN_WAIT_2, TC_CLOSE_WAIT, 0},
        {B, FIN | ACK, 8, 0, 0, TC_PHASE_PASSIVE_FIN, TC_TIME_WAIT, TC_LAST_ACK, 0},
        {A, ACK, 0, 9, 0, TC_PHASE_FINAL_ACK, TC_TIME_WAIT, TC_CLOSED, TC_EV_CLOSED_GRACEFULLY},
    };
    RUN("sequence wrap", steps, {TC_SIDE_CLIENT, TC_TYPE_GRACEFUL, {TC_FIN_OK, TC_FIN_OK}});
}

/* No handshake captured: port 443 is the server even though it speaks second. */
static void test_roles_guessed(void)
{
    struct tc_connection conn = {0};
    struct tc_annotation out;
    static const struct step steps[] = {
        {A, FIN | ACK, 3000, 7000, 0, TC_PHASE_ACTIVE_FIN, TC_CLOSE_WAIT, TC_FIN_WAIT_1, 0},
        {B, ACK, 7000, 3001, 0, TC_PHASE_PASSIVE_ACK, TC_CLOSE_WAIT, TC_FIN_WAIT_2, 0},
    };
    run_steps("roles guessed", &conn, steps, 2, 443, 51000, &out);
    check_uint("roles guessed", 1, "roles_guessed", out.roles_guessed, 1);
    check_str("roles guessed", 1, "sender", tc_role_name(out.sender), "CLIENT");
    check_str("roles guessed", 1, "active side", tc_side_name(out.active_side), "SERVER");

    /* both ports high: the lower one is the server's */
    struct tc_connection high = {0};
    static const struct step high_steps[] = {
        {A, FIN | ACK, 1, 1, 0, TC_PHASE_ACTIVE_FIN, TC_FIN_WAIT_1, TC_CLOSE_WAIT, 0},
    };
    run_steps("roles guessed, high ports", &high, high_steps, 1, 50000, 8080, &out);
    check_str("roles guessed, high ports", 0, "sender", tc_role_name(out.sender), "CLIENT");

    /* a SYN-ACK as the first segment names its receiver the client */
    struct tc_connection synack = {0};
    static const struct step synack_steps[] = {
        {A, SYN | ACK, 500, 101, 0, TC_PHASE_NONE, TC_ESTABLISHED, TC_SYN_RECEIVED, 0},
    };
    run_steps("SYN-ACK first", &synack, synack_steps, 1, 80, 40000, &out);
    check_uint("SYN-ACK first", 0, "roles_guessed", out.roles_guessed, 0);
    check_str("SYN-ACK first", 0, "sender", tc_role_name(out.sender), "SERVER");
}

/* The client's FIN was not captured: the server's ACK of it is the first sign of the close. */
static void test_fin_not_captured(void)
{
    static const struct step steps[] = {
        HANDSHAKE,
        /* (client FIN at 101, not captured) */
        {B, ACK, 501, 102, 0, TC_PHASE_PASSIVE_ACK, TC_FIN_WAIT_2, TC_CLOSE_WAIT, TC_EV_FIN_NOT_CAPTURED},
        {B, FIN | ACK, 501, 102, 0, TC_PHASE_PASSIVE_FIN, TC_TIME_WAIT, TC_LAST_ACK, 0},
        {A, ACK, 102, 502, 0, TC_PHASE_FINAL_ACK, TC_TIME_WAIT, TC_CLOSED, TC_EV_CLOSED_GRACEFULLY},
    };
    RUN("FIN not captured", steps, {TC_SIDE_CLIENT, TC_TYPE_GRACEFUL, {TC_FIN_OK, TC_FIN_OK}});

    static const struct step three_segment[] = {
        HANDSHAKE,
        /* (client FIN at 101, not captured); the server's FIN+ACK is the first sign */
        {B, FIN | ACK, 501, 102, 0, TC_PHASE_PASSIVE_FIN, TC_TIME_WAIT, TC_LAST_ACK, TC_EV_FIN_NOT_CAPTURED},
        {A, ACK, 102, 502, 0, TC_PHASE_FINAL_ACK, TC_TIME_WAIT, TC_CLOSED, TC_EV_CLOSED_GRACEFULLY},
    };
    RUN("FIN not captured, three segments", three_segment, {TC_SIDE_CLIENT, TC_TYPE_GRACEFUL, {TC_FIN_OK, TC_FIN_OK}});

    static const struct step reordered[] = {
        HANDSHAKE,
        {B, ACK, 501, 102, 0, TC_PHASE_PASSIVE_ACK, TC_FIN_WAIT_2, TC_CLOSE_WAIT, TC_EV_FIN_NOT_CAPTURED},
        /* the FIN it acknowledged, captured after it: the FIN itself, not a retransmission */
        {A, FIN | ACK, 101, 501, 0, TC_PHASE_ACTIVE_FIN, TC_FIN_WAIT_2, TC_CLOSE_WAIT, 0},
        {B, FIN | ACK, 501, 102, 0, TC_PHASE_PASSIVE_FIN, TC_TIME_WAIT, TC_LAST_ACK, 0},
        {A, ACK, 102, 502, 0, TC_PHASE_FINAL_ACK, TC_TIME_WAIT, TC_CLOSED, TC_EV_CLOSED_GRACEFULLY},
    };
    RUN("ACK captured before its FIN", reordered, {TC_SIDE_CLIENT, TC_TYPE_GRACEFUL, {TC_FIN_OK, TC_FIN_OK}});

    static const struct step syn_fin_probe[] = {
        {A, SYN | FIN, 100, 0, 0, TC_PHASE_ACTIVE_FIN, TC_FIN_WAIT_1, TC_CLOSE_WAIT, 0},
        /* the RST acknowledges SYN and FIN: it answers a SYN, the connection is refused */
        {B, RST | ACK, 0, 102, 0, TC_PHASE_RST, TC_CLOSED, TC_CLOSED, TC_EV_RST_REFUSED},
    };
    RUN("SYN+FIN probe", syn_fin_probe, {TC_SIDE_CLIENT, TC_TYPE_REFUSED, {TC_FIN_OK, TC_FIN_OK}});
}

static void test_after_close_and_new_incarnation(void)
{
    struct tc_connection conn = {0};
    struct tc_annotation out;
    static const struct step steps[] = {
        HANDSHAKE,
        {A, FIN | ACK, 101, 501, 0, TC_PHASE_ACTIVE_FIN, TC_FIN_WAIT_1, TC_CLOSE_WAIT, 0},
        {B, FIN | ACK, 501, 102, 0, TC_PHASE_PASSIVE_FIN, TC_TIME_WAIT, TC_LAST_ACK, 0},
        {A, ACK, 102, 502, 0, TC_PHASE_FINAL_ACK, TC_TIME_WAIT, TC_CLOSED, TC_EV_CLOSED_GRACEFULLY},
        /* an RST into TIME-WAIT (RFC 1337) from a server that has no connection left */
        {B, RST, 502, 0, 0, TC_PHASE_RST, TC_CLOSED, TC_CLOSED,
         TC_EV_RST_NO_CONNECTION | TC_EV_TIME_WAIT_ASSASSINATION},
    };
    run_steps("after close", &conn, steps, sizeof steps / sizeof steps[0], 40000, 80, &out);
    check_str("after close", 6, "type", tc_type_name(out.type), "GRACEFUL");
    check_str("after close", 6, "cause", tc_cause_name(out.rst_cause), "NO_CONNECTION");

    struct tc_segment syn = {.frame = 8, .sender = A, .src_port = 40000, .dst_port = 80, .seq = 9000, .flags = SYN};
    check_uint("new incarnation", 0, "starts new incarnation", tc_starts_new_incarnation(&conn, &syn), 1);
    struct tc_segment dup_ack = {.frame = 8, .sender = A, .seq = 102, .ack = 502, .flags = ACK};
    check_uint("new incarnation", 0, "ACK starts new incarnation", tc_starts_new_incarnation(&conn, &dup_ack), 0);

    struct tc_connection open_conn = {0};
    static const struct step open_steps[] = {HANDSHAKE};
    run_steps("open", &open_conn, open_steps, 3, 40000, 80, &out);
    check_uint("open", 2, "SYN on open connection starts new incarnation", tc_starts_new_incarnation(&open_conn, &syn),
               0);
}

/* Feeds one segment with explicit window fields. */
static void feed(struct tc_connection *conn, const struct tc_config *config, struct tc_annotation *out, unsigned sender,
                 uint16_t flags, uint32_t seq, uint32_t ack, uint16_t window, int shift)
{
    struct tc_segment seg = {
        .frame = conn->last_frame + 1,
        .sender = sender,
        .src_port = sender == A ? 40000 : 80,
        .dst_port = sender == A ? 80 : 40000,
        .seq = seq,
        .ack = ack,
        .flags = flags,
        .window = window,
        .has_window_shift = shift >= 0,
        .window_shift = (uint8_t)(shift >= 0 ? shift : 0),
        .time_ns = (int64_t)(conn->last_frame + 1) * 10000000,
    };
    tc_process(conn, config, &seg, out);
}

/* A handshake with window scaling (client shift 2, server shift 3) whose server ISN makes the
 * client's receive window straddle the sequence wrap: RCV.NXT 0xFFFFFF01, RCV.WND 100 << 2. */
static void open_scaled(struct tc_connection *conn, int client_shift, int server_shift)
{
    struct tc_annotation out;
    feed(conn, NULL, &out, A, SYN, 100, 0, 1000, client_shift);
    feed(conn, NULL, &out, B, SYN | ACK, 0xFFFFFF00u, 101, 1000, server_shift);
    feed(conn, NULL, &out, A, ACK, 101, 0xFFFFFF01u, 100, -1);
}

static void test_rst_acceptance(void)
{
    static const struct {
        const char *name;
        uint32_t seq;
        enum tc_rst_check check;
        enum tc_phase phase;
    } cases[] = {
        {"exactly RCV.NXT", 0xFFFFFF01u, TC_RST_ACCEPTED, TC_PHASE_RST},
        {"RCV.NXT + 1", 0xFFFFFF02u, TC_RST_CHALLENGED, TC_PHASE_IGNORED_RST},
        {"last byte of the window, past the wrap", 0xFFFFFF01u + 399u, TC_RST_CHALLENGED, TC_PHASE_IGNORED_RST},
        {"first byte after the window", 0xFFFFFF01u + 400u, TC_RST_OUT_OF_WINDOW, TC_PHASE_IGNORED_RST},
        {"RCV.NXT - 1", 0xFFFFFF00u, TC_RST_OUT_OF_WINDOW, TC_PHASE_IGNORED_RST},
        {"half the sequence space away", 0x7FFFFF01u, TC_RST_OUT_OF_WINDOW, TC_PHASE_IGNORED_RST},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct tc_connection conn = {0};
        struct tc_annotation out;
        open_scaled(&conn, 2, 3);
        feed(&conn, NULL, &out, B, RST | ACK, cases[i].seq, 101, 0, -1);
        check_str(cases[i].name, 3, "RST check", tc_rst_check_name(out.rst_check), tc_rst_check_name(cases[i].check));
        check_str(cases[i].name, 3, "phase", tc_phase_name(out.phase), tc_phase_name(cases[i].phase));
        check_str(cases[i].name, 3, "client state", tc_state_name(out.client_state),
                  out.phase == TC_PHASE_RST ? "CLOSED" : "ESTABLISHED");
        /* A challenged RST was really sent (RFC 9293 3.10.5: its sender is CLOSED); one out of the
         * window is taken for stale or spoofed and changes nothing. */
        check_str(cases[i].name, 3, "server state", tc_state_name(out.server_state),
                  cases[i].check == TC_RST_OUT_OF_WINDOW ? "ESTABLISHED" : "CLOSED");
    }

    /* Scaling counts only when both SYNs carry the option: then the window is 100 bytes. */
    struct tc_connection one_sided = {0};
    struct tc_annotation out;
    open_scaled(&one_sided, 2, -1);
    feed(&one_sided, NULL, &out, B, RST | ACK, 0xFFFFFF01u + 150u, 101, 0, -1);
    check_str("window unscaled", 3, "RST check", tc_rst_check_name(out.rst_check), "OUT_OF_WINDOW");

    /* After a challenged RST, the receiver's pure ACK is its challenge ACK. */
    struct tc_connection challenged = {0};
    open_scaled(&challenged, 2, 3);
    feed(&challenged, NULL, &out, B, RST, 0xFFFFFF05u, 0, 0, -1);
    feed(&challenged, NULL, &out, A, ACK, 101, 0xFFFFFF01u, 100, -1);
    check_str("challenge ACK", 4, "phase", tc_phase_name(out.phase), "CHALLENGE_ACK");
    check_uint("challenge ACK", 4, "events", out.events, TC_EV_IGNORED_AFTER_RST);
    /* ... and should the RST's sender carry on after all, its RST was not its own */
    feed(&challenged, NULL, &out, B, ACK, 0xFFFFFF01u, 101, 100, -1);
    check_uint("sender carries on", 5, "events", out.events, TC_EV_SUSPECTED_RST_INJECTION);
    check_str("sender carries on", 5, "server state", tc_state_name(out.server_state), "ESTABLISHED");
    check_str("sender carries on", 5, "phase", tc_phase_name(out.phase), "NONE");

    /* No handshake captured: the window is unknown and the RST is taken as accepted. */
    struct tc_connection midstream = {0};
    feed(&midstream, NULL, &out, A, ACK, 5000, 9000, 100, -1);
    feed(&midstream, NULL, &out, B, RST, 123456, 0, 0, -1);
    check_str("midstream", 1, "RST check", tc_rst_check_name(out.rst_check), "ACCEPTED_UNCHECKED");
    check_str("midstream", 1, "phase", tc_phase_name(out.phase), "RST");

    /* SYN-SENT (RFC 9293 3.10.7.3): only an RST acknowledging the SYN counts. */
    static const struct {
        const char *name;
        uint16_t flags;
        uint32_t ack;
        enum tc_rst_check check;
    } syn_sent[] = {
        {"SYN-SENT, RST acking the SYN", RST | ACK, 101, TC_RST_ACCEPTED},
        {"SYN-SENT, RST acking something else", RST | ACK, 105, TC_RST_OUT_OF_WINDOW},
        {"SYN-SENT, RST without ACK", RST, 0, TC_RST_OUT_OF_WINDOW},
    };
    for (size_t i = 0; i < sizeof syn_sent / sizeof syn_sent[0]; i++) {
        struct tc_connection conn = {0};
        feed(&conn, NULL, &out, A, SYN, 100, 0, 1000, 2);
        feed(&conn, NULL, &out, B, syn_sent[i].flags, 0, syn_sent[i].ack, 0, -1);
        check_str(syn_sent[i].name, 1, "RST check", tc_rst_check_name(out.rst_check),
                  tc_rst_check_name(syn_sent[i].check));
    }
}

/* Linux's tcp_reset_check: after its peer's FIN, an endpoint in CLOSE-WAIT, LAST-ACK or CLOSING
 * also accepts an RST at RCV.NXT - 1 (the FIN's own sequence number: the seq of an RST answering
 * a segment sent before that FIN arrived).  Not in TIME-WAIT, nor before the peer's FIN. */
static void test_rst_below_rcv_nxt(void)
{
    static const struct {
        const char *name;
        struct {
            unsigned sender;
            uint16_t flags;
            uint32_t seq, ack;
        } close[3];
        size_t steps;
        uint32_t rst_seq;
        enum tc_rst_check check;
        const char *client_state_before;
    } cases[] = {
        {"CLOSE_WAIT, RST at RCV.NXT - 1",
         {{B, FIN | ACK, 0xFFFFFF01u, 101}},
         1,
         0xFFFFFF01u,
         TC_RST_ACCEPTED,
         "CLOSE_WAIT"},
        {"LAST_ACK, RST at RCV.NXT - 1",
         {{B, FIN | ACK, 0xFFFFFF01u, 101}, {A, ACK, 101, 0xFFFFFF02u}, {A, FIN | ACK, 101, 0xFFFFFF02u}},
         3,
         0xFFFFFF01u,
         TC_RST_ACCEPTED,
         "LAST_ACK"},
        {"CLOSING, RST at RCV.NXT - 1",
         {{B, FIN | ACK, 0xFFFFFF01u, 101}, {A, FIN | ACK, 101, 0xFFFFFF01u}},
         2,
         0xFFFFFF01u,
         TC_RST_ACCEPTED,
         "CLOSING"},
        {"CLOSE_WAIT, RST at RCV.NXT - 2",
         {{B, FIN | ACK, 0xFFFFFF01u, 101}},
         1,
         0xFFFFFF00u,
         TC_RST_OUT_OF_WINDOW,
         "CLOSE_WAIT"},
        {"TIME_WAIT, RST at RCV.NXT - 1",
         {{A, FIN | ACK, 101, 0xFFFFFF01u}, {B, FIN | ACK, 0xFFFFFF01u, 102}, {A, ACK, 102, 0xFFFFFF02u}},
         3,
         0xFFFFFF01u,
         TC_RST_OUT_OF_WINDOW,
         "TIME_WAIT"},
        {"FIN_WAIT_2, RST at RCV.NXT - 1",
         {{A, FIN | ACK, 101, 0xFFFFFF01u}, {B, ACK, 0xFFFFFF01u, 102}},
         2,
         0xFFFFFF00u,
         TC_RST_OUT_OF_WINDOW,
         "FIN_WAIT_2"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct tc_connection conn = {0};
        struct tc_annotation out;
        open_scaled(&conn, 2, 3);
        for (size_t k = 0; k < cases[i].steps; k++)
            feed(&conn, NULL, &out, cases[i].close[k].sender, cases[i].close[k].flags, cases[i].close[k].seq,
                 cases[i].close[k].ack, 100, -1);
        check_str(cases[i].name, 3 + cases[i].steps, "client state before the RST", tc_state_name(out.client_state),
                  cases[i].client_state_before);
        feed(&conn, NULL, &out, B, RST, cases[i].rst_seq, 0, 0, -1);
        size_t step = 4 + cases[i].steps;
        check_str(cases[i].name, step, "RST check", tc_rst_check_name(out.rst_check),
                  tc_rst_check_name(cases[i].check));
        check_str(cases[i].name, step, "client state", tc_state_name(out.client_state),
                  cases[i].check == TC_RST_ACCEPTED ? "CLOSED" : cases[i].client_state_before);
        check_uint(cases[i].name, step, "out-of-window event", (out.events & TC_EV_RST_OUT_OF_WINDOW) != 0,
                   cases[i].check == TC_RST_OUT_OF_WINDOW);
    }
}

/* Data that crossed the peer's FIN, answered by an RST from the closed peer: the keep-alive race,
 * seen from either end.  The RST's seq is the data's ACK, the FIN's own sequence number. */
static void check_crossed(const char *scenario, const struct step *steps, size_t count, uint32_t data_frame)
{
    struct tc_connection conn = {0};
    struct tc_annotation last;
    run_steps(scenario, &conn, steps, count, 40000, 80, &last);
    check_str(scenario, count - 1, "cause", tc_cause_name(last.rst_cause), "DATA_CROSSED_FIN");
    check_uint(scenario, count - 1, "answers", last.rst_answers_frame, data_frame);
    check_str(scenario, count - 1, "RST check", tc_rst_check_name(last.rst_check), "ACCEPTED");
}

static void test_data_crossed_fin(void)
{
    /* Captured at the client: its request leaves before the server's FIN arrives. */
    static const struct step at_client[] = {
        HANDSHAKE,
        {A, ACK, 101, 501, 10, TC_PHASE_NONE, TC_ESTABLISHED, TC_ESTABLISHED, 0},
        {B, FIN | ACK, 501, 101, 0, TC_PHASE_ACTIVE_FIN, TC_CLOSE_WAIT, TC_FIN_WAIT_1, 0},
        {A, ACK, 111, 502, 0, TC_PHASE_PASSIVE_ACK, TC_CLOSE_WAIT, TC_FIN_WAIT_2, 0},
        {B, RST, 501, 0, 0, TC_PHASE_RST, TC_CLOSED, TC_CLOSED, TC_EV_RST_AFTER_FIN | TC_EV_CROSSED_FIN},
    };
    check_crossed("request crossed FIN, at the client", at_client, sizeof at_client / sizeof at_client[0], 4);

    /* Captured at the server: the FIN first, then the request that does not acknowledge it. */
    static const struct step at_server[] = {
        HANDSHAKE,
        {B, FIN | ACK, 501, 101, 0, TC_PHASE_ACTIVE_FIN, TC_CLOSE_WAIT, TC_FIN_WAIT_1, 0},
        {A, ACK, 101, 501, 10, TC_PHASE_HALF_CLOSED_DATA, TC_CLOSE_WAIT, TC_FIN_WAIT_1, 0},
        {B, RST, 501, 0, 0, TC_PHASE_RST, TC_CLOSED, TC_CLOSED, TC_EV_RST_AFTER_FIN | TC_EV_CROSSED_FIN},
    };
    check_crossed("request crossed FIN, at the server", at_server, sizeof at_server / sizeof at_server[0], 5);

    /* The same data sent after its sender had acknowledged the FIN: the peer ignored the end of the
     * stream, a different fault. */
    static const struct step after_eof[] = {
        HANDSHAKE,
        {B, FIN | ACK, 501, 101, 0, TC_PHASE_ACTIVE_FIN, TC_CLOSE_WAIT, TC_FIN_WAIT_1, 0},
        {A, ACK, 101, 502, 10, TC_PHASE_PASSIVE_ACK, TC_CLOSE_WAIT, TC_FIN_WAIT_2, 0},
        {B, RST, 502, 0, 0, TC_PHASE_RST, TC_CLOSED, TC_CLOSED, TC_EV_RST_AFTER_FIN},
    };
    struct tc_connection conn = {0};
    struct tc_annotation last;
    run_steps("data after EOF", &conn, after_eof, sizeof after_eof / sizeof after_eof[0], 40000, 80, &last);
    check_str("data after EOF", 6, "cause", tc_cause_name(last.rst_cause), "DATA_AFTER_CLOSE");
    check_uint("data after EOF", 6, "answers", last.rst_answers_frame, 5);
}

/* idle_before_close: on the segment that begins the close, time since the last segment that
 * carried payload in either direction, else since the SYNs, else since the first segment seen. */
static void test_idle_before_close(void)
{
    static const struct {
        const char *name;
        struct {
            unsigned sender;
            uint16_t flags;
            uint32_t len;
            int64_t at_ms;
        } seg[6];
        size_t count;
        int64_t idle_ms; /* on the last segment, which begins the close */
    } cases[] = {
        {"FIN after data and pure ACKs",
         {{A, SYN, 0, 0},
          {B, SYN | ACK, 0, 10},
          {A, ACK, 0, 20},
          {A, ACK, 10, 30},
          {B, ACK, 0, 5030},
          {B, FIN | ACK, 0, 7030}},
         6,
         7000},
        {"FIN after the peer's data",
         {{A, SYN, 0, 0}, {B, SYN | ACK, 0, 10}, {A, ACK, 0, 20}, {B, ACK, 10, 40}, {B, FIN | ACK, 0, 45}},
         5,
         5},
        {"no data: since the SYN-ACK",
         {{A, SYN, 0, 0}, {B, SYN | ACK, 0, 10}, {A, ACK, 0, 20}, {A, RST | ACK, 0, 1010}},
         4,
         1000},
        {"no handshake, no data: since first seen",
         {{A, ACK, 0, 100}, {B, ACK, 0, 200}, {A, FIN | ACK, 0, 400}},
         3,
         300},
        {"FIN carrying data: its own data does not count",
         {{A, SYN, 0, 0}, {B, SYN | ACK, 0, 10}, {A, ACK, 0, 20}, {A, ACK, 5, 30}, {A, FIN | ACK, 5, 90}},
         5,
         60},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct tc_connection conn = {0};
        struct tc_annotation out;
        uint32_t snd_nxt[2] = {100, 500};
        for (size_t k = 0; k < cases[i].count; k++) {
            unsigned who = cases[i].seg[k].sender;
            struct tc_segment seg = {
                .frame = (uint32_t)(k + 1),
                .sender = who,
                .src_port = who == A ? 40000 : 80,
                .dst_port = who == A ? 80 : 40000,
                .seq = snd_nxt[who],
                .ack = snd_nxt[1u - who],
                .flags = cases[i].seg[k].flags,
                .payload_len = cases[i].seg[k].len,
                .window = 1000,
                .time_ns = cases[i].seg[k].at_ms * 1000000,
            };
            if (!(seg.flags & ACK))
                seg.ack = 0;
            if (!(seg.flags & RST))
                snd_nxt[who] += seg.payload_len + ((seg.flags & (SYN | FIN)) ? 1u : 0u);
            tc_process(&conn, NULL, &seg, &out);
            if (k + 1 < cases[i].count)
                check_uint(cases[i].name, k, "close frame before the last segment", out.close_frame, 0);
        }
        check_uint(cases[i].name, cases[i].count - 1, "close begins here", out.close_frame, (unsigned)cases[i].count);
        check_uint(cases[i].name, cases[i].count - 1, "idle before close (ms)",
                   (unsigned)(out.idle_before_close_ns / 1000000), (unsigned)cases[i].idle_ms);
    }
}

static void test_rst_causes(void)
{
    const struct tc_config config = {.time_wait_ns = 60 * INT64_C(1000000000), .idle_timeout_ns = INT64_C(1000000000)};
    struct tc_annotation out;

    /* Retransmitted without acknowledgement, then given up. */
    struct tc_connection unresponsive = {0};
    open_scaled(&unresponsive, 2, 3);
    feed(&unresponsive, &config, &out, B, ACK, 0xFFFFFF01u, 101, 100, -1);
    feed(&unresponsive, &config, &out, A, ACK | 0x08, 101, 0xFFFFFF01u, 100, -1);
    struct tc_segment data = {.frame = 6,
                              .sender = A,
                              .seq = 101,
                              .ack = 0xFFFFFF01u,
                              .flags = ACK,
                              .payload_len = 10,
                              .window = 100,
                              .time_ns = 60000000};
    tc_process(&unresponsive, &config, &data, &out);
    data.frame = 7;
    data.time_ns = 70000000;
    tc_process(&unresponsive, &config, &data, &out); /* the same 10 bytes again */
    feed(&unresponsive, &config, &out, A, RST | ACK, 111, 0xFFFFFF01u, 0, -1);
    check_str("peer unresponsive", 7, "cause", tc_cause_name(out.rst_cause), "PEER_UNRESPONSIVE");

    /* The client closed; data from the server is answered by RST: data after close. */
    struct tc_connection data_after_close = {0};
    open_scaled(&data_after_close, 2, 3);
    feed(&data_after_close, &config, &out, A, FIN | ACK, 101, 0xFFFFFF01u, 100, -1);
    feed(&data_after_close, &config, &out, B, ACK, 0xFFFFFF01u, 102, 100, -1);
    struct tc_segment late_data = {.frame = 6,
                                   .sender = B,
                                   .seq = 0xFFFFFF01u,
                                   .ack = 102,
                                   .flags = ACK,
                                   .payload_len = 20,
                                   .window = 100,
                                   .time_ns = 60000000};
    tc_process(&data_after_close, &config, &late_data, &out);
    feed(&data_after_close, &config, &out, A, RST, 102, 0, 0, -1);
    check_str("data after close", 6, "cause", tc_cause_name(out.rst_cause), "DATA_AFTER_CLOSE");
    check_uint("data after close", 6, "answers", out.rst_answers_frame, 6);

    /* The client sits in FIN-WAIT-2; the server's FIN, much later, finds no connection: the
     * orphaned FIN-WAIT-2 had timed out. */
    struct tc_connection fin_wait_2 = {0};
    open_scaled(&fin_wait_2, 2, 3);
    feed(&fin_wait_2, &config, &out, A, FIN | ACK, 101, 0xFFFFFF01u, 100, -1);
    feed(&fin_wait_2, &config, &out, B, ACK, 0xFFFFFF01u, 102, 100, -1);
    feed(&fin_wait_2, &config, &out, B, FIN | ACK, 0xFFFFFF01u, 102, 100, -1);
    feed(&fin_wait_2, &config, &out, A, RST, 102, 0, 0, -1);
    check_str("FIN-WAIT-2 timed out", 6, "cause", tc_cause_name(out.rst_cause), "NO_CONNECTION");
    check_uint("FIN-WAIT-2 timed out", 6, "answers", out.rst_answers_frame, 6);

    /* An RST after more than the idle timeout of silence. */
    struct tc_connection idle = {0};
    open_scaled(&idle, 2, 3);
    struct tc_segment late = {.frame = 4,
                              .sender = B,
                              .seq = 0xFFFFFF01u,
                              .ack = 101,
                              .flags = RST | ACK,
                              .time_ns = 30 + 2 * INT64_C(1000000000)};
    tc_process(&idle, &config, &late, &out);
    check_str("idle timeout", 3, "cause", tc_cause_name(out.rst_cause), "IDLE_TIMEOUT");
    check_uint("idle timeout", 3, "idle before RST > 1 s", out.idle_before_rst_ns > INT64_C(1000000000), 1);
}

static void test_names(void)
{
    for (int s = TC_SYN_SENT; s <= TC_CLOSED; s++)
        check_uint("names", 0, "state name known", strcmp(tc_state_name((enum tc_state)s), "UNKNOWN") != 0, 1);
    for (int p = TC_PHASE_NONE; p <= TC_PHASE_CHALLENGE_ACK; p++)
        check_uint("names", 0, "phase name known", strcmp(tc_phase_name((enum tc_phase)p), "UNKNOWN") != 0, 1);
    for (int t = TC_TYPE_NONE; t <= TC_TYPE_REFUSED; t++)
        check_uint("names", 0, "type name known", strcmp(tc_type_name((enum tc_close_type)t), "UNKNOWN") != 0, 1);
    for (int c = TC_CAUSE_NONE; c < TC_CAUSE_COUNT; c++)
        check_uint("names", 0, "cause name known", strcmp(tc_cause_name((enum tc_rst_cause)c), "UNKNOWN") != 0, 1);
    for (int c = TC_RST_CHECK_NONE; c <= TC_RST_OUT_OF_WINDOW; c++)
        check_uint("names", 0, "check name known", strcmp(tc_rst_check_name((enum tc_rst_check)c), "UNKNOWN") != 0, 1);
    check_str("names", 0, "state", tc_state_name(TC_FIN_WAIT_1), "FIN_WAIT_1");
    check_str("names", 0, "phase", tc_phase_name(TC_PHASE_HALF_CLOSED_DATA), "HALF_CLOSED_DATA");
    check_str("names", 0, "out of range", tc_state_name((enum tc_state)99), "UNKNOWN");
}

int main(void)
{
    test_client_close();
    test_server_close();
    test_three_segment_close();
    test_simultaneous_close();
    test_half_close_with_data();
    test_fin_retransmission();
    test_final_ack_lost();
    test_fin_unacked();
    test_peer_stays_in_close_wait();
    test_rst_abort_and_replies();
    test_refused();
    test_rst_after_fin();
    test_data_after_own_fin();
    test_sequence_wrap();
    test_roles_guessed();
    test_after_close_and_new_incarnation();
    test_fin_not_captured();
    test_rst_acceptance();
    test_rst_below_rcv_nxt();
    test_data_crossed_fin();
    test_idle_before_close();
    test_rst_causes();
    test_names();
    printf("%d checks, %d failed\n", checks, failures);
    return failures == 0 ? 0 : 1;
}
