/* closure_fuzz.c - libFuzzer harness for the closure state machine (closure.h).
 *
 * The input is a connection header and a sequence of segments.  Sequence and acknowledgment
 * numbers are small deltas around what each endpoint has sent so far, so that FINs do get
 * acknowledged, RSTs do hit RCV.NXT, and retransmissions do repeat old numbers.  Every
 * annotation is checked against invariants that hold whatever the segments are; a violation
 * prints what broke and aborts, which libFuzzer reports as a crash with the input saved.
 *
 * Input layout (all little endian):
 *   header, 17 bytes:
 *     [0]     bits 0-1 ports (40000->80, 80->40000, 5000<->5000, 3000->2000),
 *             bit 2 own tc_config instead of NULL (the defaults), bits 3-5 its TIME-WAIT in s,
 *             bits 6-7 its idle timeout (1, 10, 100, 1000 s)
 *     [1..4]  initial sequence number of endpoint 0, [5..8] of endpoint 1
 *     [9..16] capture time of the first segment, ns (masked to 0 .. 2^62-1)
 *   then 6 bytes per segment:
 *     [0] bit 7 sender, bit 5 window scale option, the rest TCP flags as on the wire
 *         (0x01 FIN, 0x02 SYN, 0x04 RST, 0x08 PSH, 0x10 ACK)
 *     [1] seq = what the sender sent so far + (int8)[1] / 8   (-16 .. +15)
 *     [2] ack = what the peer sent so far   + (int8)[2] / 8
 *     [3] payload length: < 0x80: [3] % 4; else ([3] - 0x80) * 64
 *     [4] window = [4] * 257, window scale shift = [4] & 15
 *     [5] time step: < 0xf0: [5] ms; 0xf0 +61 s, 0xf1 +301 s, 0xf2 -1 s (capture time going
 *         backwards), 0xf3 +241 s, 0xf4 +1 ns, else +([5] - 0xf0) s
 *
 * Build: clang -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
 *            -Iplugin plugin/closure_fuzz.c plugin/closure.c plugin/rst.c
 * (cmake/FuzzTests.cmake does this as the closure_fuzz target; ctest -R fuzz.closure runs it.)
 */
#include "closure_internal.h" /* tc_process_general, to check tc_process's short path */

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HEADER_LEN 17
#define SEGMENT_LEN 6
#define MAX_SEGMENTS 1024
#define TIME_MAX_NS (INT64_C(1) << 62)

struct input {
    uint16_t port[2];
    bool own_config;
    struct tc_config config;
    uint32_t isn[2];
    int64_t start_ns;
    const uint8_t *segments;
    size_t count;
};

/* What one run produced, compared between the two runs. */
struct record {
    struct tc_annotation ann;
    uint8_t new_incarnation;
    uint8_t fin_outcome[2];
};

static const uint8_t *current_data;
static size_t current_size;
static int trace = -1; /* CLOSURE_FUZZ_TRACE=1: print every annotation of the first run */

static void hexdump_input(void)
{
    fprintf(stderr, "input (%zu bytes):", current_size);
    for (size_t i = 0; i < current_size; i++)
        fprintf(stderr, "%s%02x", i % 32 == 0 ? "\n  " : " ", current_data[i]);
    fprintf(stderr, "\n");
}

static void violation(size_t index, const struct tc_segment *seg, const struct tc_annotation *ann, const char *what)
{
    fprintf(stderr, "\nclosure_fuzz: INVARIANT VIOLATED at segment %zu (frame %u): %s\n", index, seg->frame, what);
    fprintf(stderr, "  segment: sender %u flags 0x%02x seq %u ack %u len %u window %u shift %s%u time %lld ns\n",
            seg->sender, seg->flags, seg->seq, seg->ack, seg->payload_len, seg->window,
            seg->has_window_shift ? "" : "(none) ", seg->window_shift, (long long)seg->time_ns);
    if (ann != NULL)
        fprintf(stderr,
                "  annotation: phase %s sender %s active %s client %s server %s type %s close_frame %u "
                "acks_fin %u rst_frame %u events 0x%x rst_check %s rst_cause %s\n",
                tc_phase_name(ann->phase), tc_role_name(ann->sender), tc_side_name(ann->active_side),
                tc_state_name(ann->client_state), tc_state_name(ann->server_state), tc_type_name(ann->type),
                ann->close_frame, ann->acks_fin_frame, ann->rst_frame, ann->events, tc_rst_check_name(ann->rst_check),
                tc_cause_name(ann->rst_cause));
    hexdump_input();
    abort();
}

#define CHECK(cond, what)                                                                                              \
    do {                                                                                                               \
        if (!(cond))                                                                                                   \
            violation(index, seg, ann, what ": " #cond);                                                               \
    } while (0)

static bool is_unknown(const char *name)
{
    return name == NULL || strcmp(name, "UNKNOWN") == 0;
}

static bool pre_close(enum tc_state s)
{
    return s == TC_SYN_SENT || s == TC_SYN_RECEIVED || s == TC_ESTABLISHED;
}
static bool fin_wait(enum tc_state s)
{
    return s == TC_FIN_WAIT_1 || s == TC_FIN_WAIT_2;
}
/* Both FINs sent: CLOSING, TIME-WAIT, LAST-ACK, CLOSED. */
static bool both_closing(enum tc_state s)
{
    return s == TC_CLOSING || s == TC_TIME_WAIT || s == TC_LAST_ACK || s == TC_CLOSED;
}

/* May an endpoint go from state a to state b on one segment, within one incarnation, when
 * no RST was accepted?  time_back: this segment's capture time is before the previous one's. */
static bool transition_ok(enum tc_state a, enum tc_state b, bool time_back)
{
    if (a == b)
        return true;
    switch (a) {
    case TC_SYN_SENT:
    case TC_SYN_RECEIVED:
    case TC_ESTABLISHED:
        return pre_close(b) || b == TC_FIN_WAIT_1 || b == TC_CLOSE_WAIT;
    case TC_FIN_WAIT_1: /* acked; the peer's FIN crossing ours; the peer's FIN acking ours */
        return b == TC_FIN_WAIT_2 || b == TC_CLOSING || b == TC_TIME_WAIT;
    case TC_FIN_WAIT_2: /* our FIN again (its ACK was lost); the peer's FIN */
        return b == TC_FIN_WAIT_1 || b == TC_TIME_WAIT;
    case TC_CLOSING:
        return b == TC_TIME_WAIT;
    case TC_TIME_WAIT: /* our FIN again: its ACK was lost beyond the capture point; or it ran out */
        return b == TC_CLOSING || b == TC_CLOSED;
    case TC_CLOSE_WAIT: /* our FIN, after acknowledging the peer's or crossing it */
        return b == TC_LAST_ACK || b == TC_CLOSING;
    case TC_LAST_ACK:
        return b == TC_CLOSED;
    case TC_CLOSED:
        /* A passive closer that repeats its FIN goes back to LAST-ACK; an active closer whose
         * TIME-WAIT had run out, to CLOSING; with capture time going backwards a TIME-WAIT that
         * had run out is running again. */
        return b == TC_LAST_ACK || b == TC_CLOSING || (time_back && b == TC_TIME_WAIT);
    }
    return false;
}

/* The same, allowing for an RST the receiver accepted and for a TIME-WAIT that ran out at once
 * (a TIME-WAIT of 0 s, or a long capture-time step). */
static bool step_ok(enum tc_state a, enum tc_state b, bool time_back, bool rst_now)
{
    if (b == TC_CLOSED && (rst_now || transition_ok(a, TC_TIME_WAIT, time_back)))
        return true;
    return transition_ok(a, b, time_back);
}

/* Two steps in one segment: a segment that reveals the peer's unseen FIN (fin_not_captured)
 * makes the peer send its FIN and get it acknowledged at once, or moves its sender to CLOSE-WAIT
 * before its own FIN. */
static bool two_steps_ok(enum tc_state a, enum tc_state b, bool time_back, bool rst_now)
{
    for (int x = TC_SYN_SENT; x <= TC_CLOSED; x++)
        if (step_ok(a, (enum tc_state)x, time_back, rst_now) && step_ok((enum tc_state)x, b, time_back, rst_now))
            return true;
    return false;
}

/* The same state, but for what the passing of capture time does to TIME-WAIT. */
static bool same_but_time(enum tc_state a, enum tc_state b, bool time_back)
{
    return a == b || (a == TC_TIME_WAIT && b == TC_CLOSED) || (time_back && a == TC_CLOSED && b == TC_TIME_WAIT);
}

static void decode_header(const uint8_t *data, size_t size, struct input *in)
{
    static const uint16_t ports[4][2] = {{40000, 80}, {80, 40000}, {5000, 5000}, {3000, 2000}};
    static const int64_t idle_s[4] = {1, 10, 100, 1000};
    uint8_t mode = data[0];

    in->port[0] = ports[mode & 3][0];
    in->port[1] = ports[mode & 3][1];
    in->own_config = (mode & 4) != 0;
    in->config.time_wait_ns = (int64_t)((mode >> 3) & 7) * 1000000000;
    in->config.idle_timeout_ns = idle_s[mode >> 6] * 1000000000;
    memcpy(&in->isn[0], data + 1, 4);
    memcpy(&in->isn[1], data + 5, 4);
    uint64_t t;
    memcpy(&t, data + 9, 8);
    in->start_ns = (int64_t)(t & (uint64_t)(TIME_MAX_NS - 1));
    in->segments = data + HEADER_LEN;
    in->count = (size - HEADER_LEN) / SEGMENT_LEN;
    if (in->count > MAX_SEGMENTS)
        in->count = MAX_SEGMENTS;
}

static int64_t time_step(int64_t now, uint8_t b)
{
    int64_t step;
    if (b < 0xf0)
        step = (int64_t)b * 1000000;
    else if (b == 0xf0)
        step = INT64_C(61) * 1000000000;
    else if (b == 0xf1)
        step = INT64_C(301) * 1000000000;
    else if (b == 0xf2)
        step = -INT64_C(1000000000);
    else if (b == 0xf3)
        step = INT64_C(241) * 1000000000;
    else if (b == 0xf4)
        step = 1;
    else
        step = (int64_t)(b - 0xf0) * 1000000000;
    now += step; /* |now| < 2^62 and |step| < 2^40: no overflow */
    if (now < 0)
        now = 0;
    if (now >= TIME_MAX_NS)
        now = TIME_MAX_NS - 1;
    return now;
}

static bool seq_after(uint32_t a, uint32_t b)
{
    return (int32_t)(a - b) > 0;
}

typedef void process_fn(struct tc_connection *, const struct tc_config *, const struct tc_segment *,
                        struct tc_annotation *);

/* Runs the whole input through fresh connections with process, checking every annotation;
 * fills rec[]. */
static void run(const struct input *in, process_fn *process, struct record *rec)
{
    struct tc_connection conn;
    memset(&conn, 0, sizeof conn);
    const struct tc_config *config = in->own_config ? &in->config : NULL;
    uint32_t nxt[2] = {in->isn[0], in->isn[1]};
    int64_t now = in->start_ns;

    /* What the harness remembers of the current incarnation. */
    struct tc_annotation prev;
    memset(&prev, 0, sizeof prev);
    bool have_prev = false, reset_seen = false;
    bool aborted[2] = {false, false}; /* sent a challenged RST (RFC 9293 3.10.5: its side is gone) */
    uint8_t client = 0;
    bool roles_guessed = false;
    enum tc_close_type type_at_reset = TC_TYPE_NONE;
    uint32_t rst_frame = 0;

    for (size_t index = 0; index < in->count; index++) {
        const uint8_t *b = in->segments + index * SEGMENT_LEN;
        unsigned sender = b[0] >> 7, receiver = 1u - sender;
        uint16_t flags = b[0] & (TC_FLAG_FIN | TC_FLAG_SYN | TC_FLAG_RST | 0x08 | TC_FLAG_ACK);
        uint32_t len = b[3] < 0x80 ? b[3] % 4u : (uint32_t)(b[3] - 0x80) * 64u;
        int64_t before = now;
        now = time_step(now, b[5]);
        bool time_back = now < before;

        struct tc_segment segment = {
            .frame = (uint32_t)index + 1,
            .sender = sender,
            .src_port = in->port[sender],
            .dst_port = in->port[receiver],
            .seq = nxt[sender] + (uint32_t)(int32_t)((int8_t)b[1] / 8),
            .ack = nxt[receiver] + (uint32_t)(int32_t)((int8_t)b[2] / 8),
            .flags = flags,
            .payload_len = len,
            .window = (uint16_t)(b[4] * 257u),
            .has_window_shift = (flags & TC_FLAG_SYN) && (b[0] & 0x20),
            .window_shift = b[4] & 15,
            .time_ns = now,
        };
        const struct tc_segment *seg = &segment;
        const struct tc_annotation *ann = NULL;
        bool rst = (flags & TC_FLAG_RST) != 0;

        bool fresh = tc_starts_new_incarnation(&conn, seg);
        if (fresh) {
            CHECK(have_prev && (reset_seen || prev.type == TC_TYPE_GRACEFUL),
                  "a new incarnation only after the old one closed or was reset");
            CHECK((flags & (TC_FLAG_SYN | TC_FLAG_ACK | TC_FLAG_RST)) == TC_FLAG_SYN,
                  "only a SYN without ACK opens a new incarnation");
            memset(&conn, 0, sizeof conn);
            have_prev = reset_seen = aborted[0] = aborted[1] = false;
        }

        struct record *r = &rec[index];
        r->new_incarnation = fresh;
        process(&conn, config, seg, &r->ann);
        ann = &r->ann;
        if (trace == 1)
            fprintf(stderr,
                    "%4u %c %c %s%s%s%s seq %u ack %u len %u t %lld: %s %s/%s %s %s close %u acks_fin %u "
                    "rst %u events 0x%x check %s cause %s answers %u\n",
                    seg->frame, fresh ? '*' : ' ', ann->sender == TC_CLIENT ? 'C' : 'S',
                    (flags & TC_FLAG_SYN) ? "S" : ".", (flags & TC_FLAG_FIN) ? "F" : ".", rst ? "R" : ".",
                    (flags & TC_FLAG_ACK) ? "A" : ".", seg->seq, seg->ack, len, (long long)seg->time_ns,
                    tc_phase_name(ann->phase), tc_state_name(ann->client_state), tc_state_name(ann->server_state),
                    tc_type_name(ann->type), tc_side_name(ann->active_side), ann->close_frame, ann->acks_fin_frame,
                    ann->rst_frame, ann->events, tc_rst_check_name(ann->rst_check), tc_cause_name(ann->rst_cause),
                    ann->rst_answers_frame);
        r->fin_outcome[0] = (uint8_t)tc_fin_outcome(&conn, 0);
        r->fin_outcome[1] = (uint8_t)tc_fin_outcome(&conn, 1);

        /* Everything tc_process says is in range and has a name. */
        CHECK(ann->client_state <= TC_CLOSED && ann->server_state <= TC_CLOSED, "state out of range");
        CHECK(!is_unknown(tc_state_name(ann->client_state)), "client state has no name");
        CHECK(!is_unknown(tc_state_name(ann->server_state)), "server state has no name");
        CHECK(!is_unknown(tc_phase_name(ann->phase)), "phase has no name");
        CHECK(ann->sender == TC_CLIENT || ann->sender == TC_SERVER, "sender role out of range");
        CHECK(!is_unknown(tc_role_name(ann->sender)), "sender role has no name");
        CHECK(!is_unknown(tc_side_name(ann->active_side)), "active side has no name");
        CHECK(!is_unknown(tc_type_name(ann->type)), "close type has no name");
        CHECK(!is_unknown(tc_rst_check_name(ann->rst_check)), "RST check has no name");
        CHECK(!is_unknown(tc_cause_name(ann->rst_cause)), "RST cause has no name");
        CHECK(r->fin_outcome[0] <= TC_FIN_UNANSWERED && r->fin_outcome[1] <= TC_FIN_UNANSWERED,
              "FIN outcome out of range");

        /* Roles are chosen on an incarnation's first segment and kept. */
        if (!have_prev) {
            client = conn.client;
            roles_guessed = ann->roles_guessed;
            CHECK(client <= 1, "client endpoint out of range");
            CHECK((flags & (TC_FLAG_SYN | TC_FLAG_ACK)) != TC_FLAG_SYN || client == sender,
                  "the sender of a SYN without ACK is the client");
        }
        CHECK(conn.client == client && ann->roles_guessed == roles_guessed, "roles change within an incarnation");
        CHECK(ann->sender == (sender == client ? TC_CLIENT : TC_SERVER), "sender role disagrees with conn.client");

        enum tc_state cs = ann->client_state, ss = ann->server_state;
        enum tc_state st[2], prev_st[2]; /* by endpoint */
        st[client] = cs;
        st[1 - client] = ss;
        prev_st[client] = prev.client_state;
        prev_st[1 - client] = prev.server_state;
        uint32_t ev = ann->events;

        /* One-sided RSTs: a challenged RST closes its sender only; the sender carrying on with
         * anything but an RST retracts it (suspected injection). */
        bool was_aborted[2] = {aborted[0], aborted[1]};
        bool retraction = !reset_seen && !rst && was_aborted[sender];
        bool challenged = ann->phase == TC_PHASE_IGNORED_RST && (ev & TC_EV_RST_CHALLENGED);
        if (retraction)
            aborted[sender] = false;
        if (challenged)
            aborted[sender] = true;
        bool any_aborted = aborted[0] || aborted[1];
        if (retraction)
            CHECK(ev & TC_EV_SUSPECTED_RST_INJECTION, "the sender of a challenged RST carries on, unremarked");
        for (unsigned e = 0; e < 2; e++)
            if (aborted[e] && !reset_seen)
                CHECK(st[e] == TC_CLOSED, "the sender of a challenged RST is not CLOSED");

        /* The close: its first frame stays its first frame. */
        CHECK(ann->close_frame <= seg->frame, "close frame in the future");
        if (have_prev && prev.close_frame != 0 && ann->close_frame != prev.close_frame)
            /* a retracted abort hands the start of the close to the first active FIN, or to the
             * peer's own one-sided RST, if there is one */
            CHECK(retraction, "close_frame moved: the connection's first FIN or RST changed");
        if (have_prev && prev.active_side != ann->active_side)
            CHECK(prev.active_side == TC_SIDE_NONE || ann->active_side == TC_SIDE_BOTH || retraction,
                  "active side changed other than to BOTH");
        if (ann->close_frame == 0) {
            CHECK(pre_close(cs) && pre_close(ss), "no FIN or RST yet, but a closing state");
            CHECK(ann->type == TC_TYPE_NONE, "no FIN or RST yet, but a close type");
            CHECK(ann->active_side == TC_SIDE_NONE, "no FIN or RST yet, but an active side");
        } else {
            CHECK(ann->phase != TC_PHASE_NONE, "phase NONE after the close began");
            CHECK(ann->type != TC_TYPE_NONE, "close began but type NONE");
            CHECK(ann->active_side != TC_SIDE_NONE, "close began but no active side");
            if (!any_aborted && !reset_seen && ann->phase != TC_PHASE_RST) {
                CHECK(!pre_close(cs) && !pre_close(ss), "SYN-SENT, SYN-RECEIVED or ESTABLISHED after the close began");
                /* Whose FIN is where: one FIN (FIN-WAIT / CLOSE-WAIT) or both. */
                bool pair_ok = (fin_wait(cs) && ss == TC_CLOSE_WAIT) || (cs == TC_CLOSE_WAIT && fin_wait(ss)) ||
                               (both_closing(cs) && both_closing(ss) && !(cs == TC_LAST_ACK && ss == TC_LAST_ACK));
                CHECK(pair_ok, "the two endpoints' states do not fit together");
            }
        }

        /* State by state, within the incarnation. */
        if (have_prev && !reset_seen) {
            bool rst_now = ann->phase == TC_PHASE_RST;
            for (unsigned e = 0; e < 2; e++) {
                if ((retraction && e == sender) || aborted[e])
                    continue; /* checked above */
                bool ok = step_ok(prev_st[e], st[e], time_back, rst_now) ||
                          ((ev & TC_EV_FIN_NOT_CAPTURED) && two_steps_ok(prev_st[e], st[e], time_back, rst_now));
                if (!ok)
                    violation(index, seg, ann,
                              e == client ? "client state transition not allowed"
                                          : "server state transition not allowed");
            }
        }

        /* Once reset, both endpoints stay CLOSED until a new incarnation. */
        if (reset_seen) {
            CHECK(cs == TC_CLOSED && ss == TC_CLOSED, "a state other than CLOSED after the RST");
            CHECK(ann->phase == TC_PHASE_AFTER_RST, "phase other than AFTER_RST after the RST");
            CHECK(ann->type == type_at_reset, "close type changed after the RST");
            CHECK(ann->rst_frame == rst_frame, "rst_frame is not the RST's frame");
        }
        if (ann->phase == TC_PHASE_RST) {
            CHECK(rst, "phase RST on a segment without RST");
            CHECK(!reset_seen, "phase RST after the connection was reset");
            CHECK(cs == TC_CLOSED && ss == TC_CLOSED, "an accepted RST leaves an endpoint open");
            CHECK(ann->type == TC_TYPE_RESET || ann->type == TC_TYPE_ABORTED || ann->type == TC_TYPE_REFUSED ||
                      (ann->type == TC_TYPE_GRACEFUL && have_prev && prev.type == TC_TYPE_GRACEFUL),
                  "close type after an RST is not RESET, ABORTED or REFUSED (nor GRACEFUL kept)");
            reset_seen = true;
            type_at_reset = ann->type;
            rst_frame = seg->frame;
        }
        if (ann->phase == TC_PHASE_AFTER_RST) {
            CHECK(reset_seen || was_aborted[receiver], "AFTER_RST with no RST before");
            CHECK(ann->rst_frame != 0 && ann->rst_frame < seg->frame, "AFTER_RST without the RST's frame");
        }
        if (ann->rst_frame != 0)
            CHECK(ann->phase == TC_PHASE_AFTER_RST || (was_aborted[receiver] && (ev & TC_EV_IGNORED_AFTER_RST)),
                  "rst_frame set other than on AFTER_RST or a segment to an endpoint that reset");

        /* An RST the receiver does not act on leaves the receiver as it was (but for the passing
         * of time); a challenged one closes its sender. */
        if (ann->phase == TC_PHASE_IGNORED_RST) {
            CHECK(rst, "IGNORED_RST on a segment without RST");
            CHECK(ev & (TC_EV_RST_OUT_OF_WINDOW | TC_EV_RST_CHALLENGED), "IGNORED_RST without its reason");
            if (have_prev) {
                CHECK(same_but_time(prev_st[receiver], st[receiver], time_back),
                      "an ignored RST changed its receiver's state");
                CHECK(same_but_time(prev_st[sender], st[sender], time_back) || (challenged && st[sender] == TC_CLOSED),
                      "an ignored RST changed its sender's state");
                if (!challenged)
                    CHECK(ann->type == prev.type && ann->close_frame == prev.close_frame &&
                              ann->active_side == prev.active_side,
                          "an out-of-window RST changed the close");
            } else if (!challenged) {
                CHECK(ann->close_frame == 0 && ann->type == TC_TYPE_NONE, "an out-of-window first RST began a close");
            }
        }

        /* The graceful close: both FINs sent and acknowledged. */
        bool done = (cs == TC_TIME_WAIT || cs == TC_CLOSED) && (ss == TC_TIME_WAIT || ss == TC_CLOSED);
        if (ann->type == TC_TYPE_GRACEFUL)
            CHECK(done, "GRACEFUL with an endpoint not in TIME-WAIT or CLOSED");
        if (ann->close_frame != 0 && done && !any_aborted && !reset_seen)
            CHECK(ann->type != TC_TYPE_HALF_CLOSED, "both endpoints done but type HALF_CLOSED");

        /* Phases and the segments they can be on. */
        switch (ann->phase) {
        case TC_PHASE_ACTIVE_FIN:
        case TC_PHASE_PASSIVE_FIN:
        case TC_PHASE_SIMULTANEOUS_FIN:
        case TC_PHASE_FIN_RETRANSMISSION:
            CHECK(flags & TC_FLAG_FIN, "a FIN phase on a segment without FIN");
            CHECK(!rst, "a FIN phase on an RST");
            break;
        case TC_PHASE_PASSIVE_ACK:
        case TC_PHASE_FINAL_ACK:
            CHECK(flags & TC_FLAG_ACK, "an ACK phase on a segment without ACK");
            CHECK(!rst, "an ACK phase on an RST");
            break;
        case TC_PHASE_CHALLENGE_ACK:
            CHECK(flags == TC_FLAG_ACK && len == 0, "CHALLENGE_ACK on other than a pure ACK");
            break;
        case TC_PHASE_HALF_CLOSED_DATA:
            CHECK(len > 0 && !rst, "HALF_CLOSED_DATA without data");
            break;
        case TC_PHASE_AFTER_CLOSE:
            CHECK(have_prev && prev.type == TC_TYPE_GRACEFUL, "AFTER_CLOSE before the close completed");
            break;
        case TC_PHASE_RST:
        case TC_PHASE_IGNORED_RST:
            CHECK(rst, "an RST phase on a segment without RST");
            break;
        default:
            break;
        }
        if (ann->acks_fin_frame != 0)
            CHECK((flags & TC_FLAG_ACK) && ann->acks_fin_frame < seg->frame, "acks_fin_frame");

        /* Events and phases agree. */
        CHECK(!(ev & TC_EV_CLOSED_GRACEFULLY) == (ann->phase != TC_PHASE_FINAL_ACK), "closed_gracefully iff FINAL_ACK");
        CHECK(!(ev & TC_EV_FIN_RETRANSMISSION) == (ann->phase != TC_PHASE_FIN_RETRANSMISSION),
              "fin_retransmission iff FIN_RETRANSMISSION");
        CHECK(!(ev & TC_EV_SIMULTANEOUS_CLOSE) == (ann->phase != TC_PHASE_SIMULTANEOUS_FIN),
              "simultaneous_close iff SIMULTANEOUS_FIN");
        if (ev & (TC_EV_RST_REFUSED | TC_EV_RST_AFTER_FIN))
            CHECK(ann->phase == TC_PHASE_RST || challenged, "rst_refused/rst_after_fin on an RST that closed nothing");
        if (ev & TC_EV_TIME_WAIT_ASSASSINATION)
            CHECK(ann->phase == TC_PHASE_RST, "time_wait_assassination on other than phase RST");
        if (ev & (TC_EV_RST_OUT_OF_WINDOW | TC_EV_RST_CHALLENGED))
            CHECK(ann->phase == TC_PHASE_IGNORED_RST, "an ignored-RST event on other than IGNORED_RST");
        if (ev & TC_EV_RST_NO_CONNECTION)
            CHECK(rst, "rst_no_connection on a segment without RST");
        CHECK(!(ev & TC_EV_RST_WITH_DATA) == !(rst && len > 0), "rst_with_data iff an RST with data");
        if (ev & TC_EV_IGNORED_AFTER_RST)
            CHECK(ann->phase == TC_PHASE_AFTER_RST || was_aborted[receiver],
                  "ignored_after_rst on a segment to an endpoint that did not reset");
        if (ev & TC_EV_SUSPECTED_RST_INJECTION)
            CHECK((reset_seen && ann->phase == TC_PHASE_AFTER_RST) || retraction,
                  "suspected_rst_injection from an endpoint that sent no RST");
        if (ev & TC_EV_DATA_AFTER_FIN)
            CHECK(len > 0, "data_after_fin without data");
        if (ann->idle_before_close_ns != 0)
            CHECK(ann->close_frame == seg->frame, "idle_before_close on a segment that does not begin the close");
        CHECK(!(ev & TC_EV_CROSSED_FIN) == (ann->rst_cause != TC_CAUSE_DATA_CROSSED_FIN),
              "crossed_fin iff the cause DATA_CROSSED_FIN");
        if (ev & TC_EV_CROSSED_FIN)
            CHECK(rst && ann->rst_answers_frame != 0, "crossed_fin on other than an RST answering data");
        if (ev & TC_EV_FIN_NOT_CAPTURED)
            CHECK((flags & TC_FLAG_ACK) && !rst, "fin_not_captured on other than an ACK");
        if (!rst)
            CHECK(ann->rst_check == TC_RST_CHECK_NONE && ann->rst_cause == TC_CAUSE_NONE && ann->rst_answers_frame == 0,
                  "RST findings on a segment without RST");
        if (ann->rst_answers_frame != 0)
            CHECK(ann->rst_answers_frame < seg->frame, "an RST answers a later segment");

        /* FIN outcomes and states agree, endpoint by endpoint. */
        for (unsigned e = 0; e < 2 && !reset_seen; e++) {
            enum tc_fin_outcome o = (enum tc_fin_outcome)r->fin_outcome[e];
            if (aborted[e])
                continue;
            if (pre_close(st[e]) || st[e] == TC_CLOSE_WAIT)
                CHECK(o == TC_FIN_OK, "FIN outcome of an endpoint that sent no FIN");
            if (st[e] == TC_FIN_WAIT_1)
                CHECK(o != TC_FIN_OK, "FIN-WAIT-1 but FIN outcome OK");
            if (st[e] == TC_FIN_WAIT_2)
                CHECK(o == TC_FIN_UNANSWERED, "FIN-WAIT-2 but FIN outcome not UNANSWERED");
            if (st[e] == TC_TIME_WAIT)
                CHECK(o == TC_FIN_OK, "TIME-WAIT but FIN outcome not OK");
            if (st[e] == TC_CLOSING || st[e] == TC_LAST_ACK)
                CHECK(o != TC_FIN_UNANSWERED, "the peer sent its FIN but FIN outcome UNANSWERED");
        }

        /* The harness's idea of what each endpoint sent (an RST consumes nothing). */
        if (!rst) {
            uint32_t end = seg->seq + ((flags & TC_FLAG_SYN) ? 1u : 0u) + len + ((flags & TC_FLAG_FIN) ? 1u : 0u);
            if (seq_after(end, nxt[sender]))
                nxt[sender] = end;
        }
        prev = *ann;
        have_prev = true;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < HEADER_LEN)
        return 0;
    struct input in;
    decode_header(data, size, &in);
    if (in.count == 0)
        return 0;
    current_data = data;
    current_size = size;

    /* Twice, into fresh connections, with and without tc_process's short path for quiet segments:
     * the annotations must be the same, byte for byte. */
    struct record *first = calloc(in.count, sizeof *first);
    struct record *second = calloc(in.count, sizeof *second);
    if (first == NULL || second == NULL)
        abort();
    if (trace < 0) {
        const char *env = getenv("CLOSURE_FUZZ_TRACE");
        trace = env != NULL && strcmp(env, "1") == 0;
    }
    run(&in, tc_process, first);
    if (trace == 1) {
        trace = 2; /* not the second run */
        run(&in, tc_process_general, second);
        trace = 1;
    } else {
        run(&in, tc_process_general, second);
    }
    for (size_t i = 0; i < in.count; i++) {
        if (memcmp(&first[i], &second[i], sizeof first[i]) != 0) {
            fprintf(stderr,
                    "\nclosure_fuzz: INVARIANT VIOLATED at segment %zu: the same input annotated twice "
                    "gives different annotations with and without the short path\n",
                    i);
            hexdump_input();
            abort();
        }
    }
    free(first);
    free(second);
    return 0;
}
