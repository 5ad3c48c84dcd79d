/*
 * make-captures.c -- writes the small, crafted, byte-for-byte reproducible
 * pcap files (one per TCP-closure scenario) that tcpclose is tested against.
 *
 * Build and run:
 *
 *     cc -std=c11 -Wall -Wextra -o make-captures make-captures.c -lpcap && ./make-captures DIR
 *
 * DIR is created if it does not exist; every scenario below becomes DIR/<name>.pcap.
 *
 * How to read a scenario: it is a ladder diagram, one line per packet, so
 * line N is frame N in Wireshark.  Each step names the sender (C = client,
 * S = server), its TCP flags and its payload length.  The generator does the
 * sequence-number bookkeeping:
 *
 *   - each side has snd_nxt (starts at its ISN; SYN and FIN consume one
 *     number, payload consumes its length) and rcv_nxt (= the peer's snd_nxt);
 *   - by default seq = sender's snd_nxt, and ack = sender's rcv_nxt when the
 *     ACK flag is set (everything the peer sent so far is acknowledged), or 0
 *     when it is not;
 *   - tweaks: .ack_behind = N  ->  ack = rcv_nxt - N;
 *             SEQ(v) / ACKNO(v) ->  use this raw seq / ack value (snd_nxt then
 *                                   continues from v plus what the step consumes);
 *             .rexmit = N       ->  re-send frame N exactly (same seq, ack,
 *                                   flags, length; snd_nxt is not advanced);
 *             .gap_ms = N       ->  N ms after the previous packet (default 10);
 *             TEXT("...")       ->  this payload instead of the a-z pattern.
 *   - an RST consumes nothing and moves no counter: a spoofed or stray RST
 *     (SEQ far away) leaves the sender's real sequence numbers alone.
 *
 * Frames: Ethernet II + IPv4 (DF, TTL 64, per-sender incrementing IP ID) or
 * IPv6 (hop limit 64) + TCP (window 502; SYNs carry MSS 1460 and window scale 7
 * with window 64240).  All checksums are correct.  Payload is "abc...zab...".
 * Timestamps start at 1700000000.000000.
 */
#define _DEFAULT_SOURCE /* pcap.h needs u_int/u_char and struct timeval */

#include <errno.h>
#include <pcap/pcap.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* ---- Scenario description ---------------------------------------------- */

enum side { C = 0, S = 1 }; /* client, server */

#define FIN 0x01
#define SYN 0x02
#define RST 0x04
#define PSH 0x08
#define ACK 0x10

struct step {
    enum side from;
    uint8_t flags;
    uint16_t len;        /* payload bytes */
    uint32_t ack_behind; /* ack = rcv_nxt - ack_behind */
    int rexmit;          /* frame number (1-based) to re-send; 0 = none */
    bool set_seq, set_ack;
    uint32_t seq, ack;   /* raw values, used when set_seq / set_ack */
    unsigned gap_ms;     /* time since previous packet; 0 = default 10 ms */
    const char *text;    /* payload bytes, instead of the a-z pattern */
};

#define SEQ(v)   .set_seq = true, .seq = (v)
#define ACKNO(v) .set_ack = true, .ack = (v)
#define TEXT(t)  .text = (t), .len = sizeof(t) - 1

/* Shorthands for the common steps; tweaked steps are written out in full. */
#define HANDSHAKE    { .from = C, .flags = SYN },       \
                     { .from = S, .flags = SYN | ACK }, \
                     { .from = C, .flags = ACK }
#define DATA(who, n) { .from = who, .flags = ACK | PSH, .len = n }
#define PURE_ACK(who) { .from = who, .flags = ACK }
#define FIN_ACK(who) { .from = who, .flags = FIN | ACK }

/* Client ISN 1000, server ISN 5000 unless the scenario table says otherwise. */

static const struct step client_close[] = {
    HANDSHAKE,        /* 1-3 */
    DATA(C, 100),     /* 4 */
    DATA(S, 200),     /* 5 */
    PURE_ACK(C),      /* 6 */
    FIN_ACK(C),       /* 7  client closes first */
    PURE_ACK(S),      /* 8 */
    FIN_ACK(S),       /* 9 */
    PURE_ACK(C),      /* 10 */
};

static const struct step server_close[] = {
    HANDSHAKE,        /* 1-3 */
    DATA(C, 100),     /* 4 */
    DATA(S, 200),     /* 5 */
    PURE_ACK(C),      /* 6 */
    FIN_ACK(S),       /* 7  server closes first */
    PURE_ACK(C),      /* 8 */
    FIN_ACK(C),       /* 9 */
    PURE_ACK(S),      /* 10 */
};

static const struct step three_segment_close[] = {
    HANDSHAKE,        /* 1-3 */
    DATA(C, 100),     /* 4 */
    DATA(S, 200),     /* 5 */
    PURE_ACK(C),      /* 6 */
    FIN_ACK(C),       /* 7 */
    FIN_ACK(S),       /* 8  acks C's FIN and sends its own */
    PURE_ACK(C),      /* 9 */
};

static const struct step simultaneous_close[] = {
    HANDSHAKE,        /* 1-3 */
    DATA(C, 100),     /* 4 */
    DATA(S, 200),     /* 5 */
    PURE_ACK(C),      /* 6 */
    FIN_ACK(C),       /* 7 */
    { .from = S, .flags = FIN | ACK, .ack_behind = 1 }, /* 8  FINs crossed: does not ack C's FIN */
    PURE_ACK(C),      /* 9  acks S's FIN */
    PURE_ACK(S),      /* 10 acks C's FIN */
};

static const struct step half_close_data[] = {
    HANDSHAKE,        /* 1-3 */
    DATA(C, 100),     /* 4 */
    FIN_ACK(C),       /* 5  client is done sending */
    PURE_ACK(S),      /* 6 */
    DATA(S, 300),     /* 7  server keeps sending */
    PURE_ACK(C),      /* 8 */
    DATA(S, 300),     /* 9 */
    PURE_ACK(C),      /* 10 */
    FIN_ACK(S),       /* 11 */
    PURE_ACK(C),      /* 12 */
};

static const struct step fin_retransmission[] = {
    HANDSHAKE,        /* 1-3 */
    DATA(C, 100),     /* 4 */
    DATA(S, 200),     /* 5 */
    PURE_ACK(C),      /* 6 */
    FIN_ACK(C),       /* 7 */
    { .from = C, .flags = FIN | ACK, .rexmit = 7, .gap_ms = 200 }, /* 8 */
    PURE_ACK(S),      /* 9 */
    FIN_ACK(S),       /* 10 */
    PURE_ACK(C),      /* 11 */
};

static const struct step fin_unacked[] = {
    HANDSHAKE,        /* 1-3 */
    DATA(C, 100),     /* 4 */
    DATA(S, 200),     /* 5 */
    PURE_ACK(C),      /* 6 */
    FIN_ACK(C),       /* 7 */
    { .from = C, .flags = FIN | ACK, .rexmit = 7, .gap_ms = 200 }, /* 8 */
    { .from = C, .flags = FIN | ACK, .rexmit = 7, .gap_ms = 400 }, /* 9 */
};

static const struct step close_wait[] = {
    HANDSHAKE,        /* 1-3 */
    DATA(C, 100),     /* 4 */
    DATA(S, 200),     /* 5 */
    PURE_ACK(C),      /* 6 */
    FIN_ACK(C),       /* 7 */
    PURE_ACK(S),      /* 8 */
    DATA(S, 50),      /* 9  server never sends its FIN */
    PURE_ACK(C),      /* 10 */
};

static const struct step rst_abort_replies[] = {
    HANDSHAKE,        /* 1-3 */
    DATA(C, 100),     /* 4 */
    DATA(S, 200),     /* 5 */
    PURE_ACK(C),      /* 6 */
    { .from = C, .flags = RST | ACK }, /* 7  client aborts */
    DATA(S, 100),     /* 8  server had not seen the RST yet */
    { .from = C, .flags = RST, SEQ(1101) }, /* 9  seq = frame 8's ack */
};

static const struct step refused[] = {
    { .from = C, .flags = SYN },                 /* 1 */
    { .from = S, .flags = RST | ACK, SEQ(0) },   /* 2  ack = client ISN + 1 */
};

static const struct step rst_after_fin[] = {
    HANDSHAKE,        /* 1-3 */
    DATA(C, 100),     /* 4 */
    DATA(S, 200),     /* 5 */
    PURE_ACK(C),      /* 6 */
    FIN_ACK(C),       /* 7 */
    PURE_ACK(S),      /* 8 */
    DATA(S, 100),     /* 9  data to a client that has closed */
    { .from = C, .flags = RST }, /* 10 seq = after the client's FIN */
};

static const struct step data_after_fin[] = {
    HANDSHAKE,        /* 1-3 */
    DATA(C, 100),     /* 4 */
    DATA(S, 200),     /* 5 */
    PURE_ACK(C),      /* 6 */
    FIN_ACK(C),       /* 7  FIN at seq 1101 */
    PURE_ACK(S),      /* 8 */
    { .from = C, .flags = ACK | PSH, .len = 50, SEQ(1102) }, /* 9  violation: data beyond own FIN */
    { .from = S, .flags = FIN | ACK, ACKNO(1102) },          /* 10 acks the FIN, not the 50 bytes */
    PURE_ACK(C),      /* 11 */
};

static const struct step midclose_start[] = {
    FIN_ACK(C),       /* 1  capture starts mid-connection */
    PURE_ACK(S),      /* 2 */
    FIN_ACK(S),       /* 3 */
    PURE_ACK(C),      /* 4 */
};

static const struct step seq_wrap[] = {
    HANDSHAKE,        /* 1-3 */
    DATA(C, 200),     /* 4  C: 0xFFFFFF01 -> 0xFFFFFFC9 */
    DATA(S, 200),     /* 5  S: 0xFFFFFFA1 -> 0x00000069 (wraps) */
    PURE_ACK(C),      /* 6 */
    DATA(C, 54),      /* 7  C: 0xFFFFFFC9 -> 0xFFFFFFFF */
    FIN_ACK(C),       /* 8  FIN at 0xFFFFFFFF, so it is acked with 0 */
    PURE_ACK(S),      /* 9 */
    FIN_ACK(S),       /* 10 */
    PURE_ACK(C),      /* 11 */
};

/* RST forensics: what a receiver does with an RST, and why it was sent. */

static const struct step rst_out_of_window[] = {
    HANDSHAKE,        /* 1-3 */
    DATA(C, 100),     /* 4 */
    DATA(S, 200),     /* 5 */
    PURE_ACK(C),      /* 6 */
    { .from = S, .flags = RST | ACK, SEQ(5201u + 10000000u) }, /* 7  far outside C's window: dropped */
    DATA(C, 50),      /* 8  the connection carries on */
    PURE_ACK(S),      /* 9 */
    FIN_ACK(C),       /* 10 and closes gracefully */
    PURE_ACK(S),      /* 11 */
    FIN_ACK(S),       /* 12 */
    PURE_ACK(C),      /* 13 */
};

static const struct step rst_challenged[] = {
    HANDSHAKE,        /* 1-3 */
    DATA(C, 100),     /* 4 */
    DATA(S, 200),     /* 5 */
    PURE_ACK(C),      /* 6 */
    { .from = S, .flags = RST | ACK, SEQ(5201u + 1000u) }, /* 7  in C's window (502 << 7), not RCV.NXT */
    PURE_ACK(C),      /* 8  challenge ACK (RFC 5961) */
    { .from = S, .flags = RST | ACK },                     /* 9  exactly RCV.NXT: accepted */
};

static const struct step rst_after_time_wait[] = {
    HANDSHAKE,        /* 1-3 */
    DATA(C, 100),     /* 4 */
    DATA(S, 200),     /* 5 */
    PURE_ACK(C),      /* 6 */
    FIN_ACK(C),       /* 7 */
    PURE_ACK(S),      /* 8 */
    FIN_ACK(S),       /* 9 */
    PURE_ACK(C),      /* 10 final ACK, lost after the capture point */
    { .from = S, .flags = FIN | ACK, .rexmit = 9, .gap_ms = 70000 }, /* 11 70 s later: C's TIME-WAIT is over */
    { .from = C, .flags = RST, SEQ(1102) },                          /* 12 <SEQ=SEG.ACK><CTL=RST> */
};

static const struct step rst_into_time_wait[] = {
    HANDSHAKE,        /* 1-3 */
    DATA(C, 100),     /* 4 */
    DATA(S, 200),     /* 5 */
    PURE_ACK(C),      /* 6 */
    FIN_ACK(C),       /* 7 */
    PURE_ACK(S),      /* 8 */
    FIN_ACK(S),       /* 9 */
    PURE_ACK(C),      /* 10 C in TIME-WAIT */
    { .from = S, .flags = RST, .gap_ms = 1000 }, /* 11 RFC 1337 TIME-WAIT assassination */
};

static const struct step rst_peer_unresponsive[] = {
    HANDSHAKE,        /* 1-3 */
    DATA(C, 100),     /* 4 */
    PURE_ACK(S),      /* 5 */
    DATA(S, 200),     /* 6  never acknowledged */
    { .from = S, .flags = ACK | PSH, .len = 200, .rexmit = 6, .gap_ms = 300 }, /* 7 */
    { .from = S, .flags = ACK | PSH, .len = 200, .rexmit = 6, .gap_ms = 600 }, /* 8 */
    { .from = S, .flags = RST | ACK, .gap_ms = 1200 },                         /* 9  gives up */
};

static const struct step rst_with_text[] = {
    HANDSHAKE,        /* 1-3 */
    DATA(C, 100),     /* 4 */
    { .from = S, .flags = RST | ACK, TEXT("connection closed by policy 42") }, /* 5 */
};

static const struct step rst_injection[] = {
    HANDSHAKE,        /* 1-3 */
    DATA(C, 100),     /* 4 */
    PURE_ACK(S),      /* 5 */
    { .from = S, .flags = RST | ACK }, /* 6  exact, so accepted: but the server did not send it ... */
    DATA(S, 200),     /* 7  ... as it carries on */
    { .from = C, .flags = RST, SEQ(1101) }, /* 8  the client has no connection any more: seq = SEG.ACK */
};

static const struct step rst_idle_timeout[] = {
    HANDSHAKE,        /* 1-3 */
    DATA(C, 100),     /* 4 */
    DATA(S, 200),     /* 5 */
    PURE_ACK(C),      /* 6 */
    { .from = S, .flags = RST | ACK, .gap_ms = 400000 }, /* 7  after 400 s of silence */
};

static const struct step rst_invalid_segment[] = {
    { .from = C, .flags = SYN },       /* 1 */
    { .from = S, .flags = SYN | ACK }, /* 2 */
    { .from = C, .flags = ACK, ACKNO(6001) }, /* 3  acknowledges data the server never sent */
    { .from = S, .flags = RST, SEQ(6001) },   /* 4  <SEQ=SEG.ACK><CTL=RST>; in C's window: challenged */
};

static const struct step rst_no_connection[] = {
    DATA(C, 100),     /* 1  the capture starts mid-connection ... */
    { .from = S, .flags = RST, SEQ(7000) }, /* 2  ... which the server does not know: no ACK, seq = SEG.ACK */
};

struct scenario {
    const char *file;
    int ip_version;      /* 4 or 6 */
    uint16_t port[2];    /* [C], [S] */
    uint32_t isn[2];     /* [C], [S] */
    const struct step *steps;
    size_t nsteps;
};

#define STEPS(a) a, sizeof(a) / sizeof((a)[0])

static const struct scenario scenarios[] = {
    /* file                        IP  ports           ISNs                          steps */
    { "client-close.pcap",         4, { 40000, 80 },  { 1000, 5000 },              STEPS(client_close) },
    { "server-close.pcap",         4, { 40000, 80 },  { 1000, 5000 },              STEPS(server_close) },
    { "three-segment-close.pcap",  4, { 40000, 80 },  { 1000, 5000 },              STEPS(three_segment_close) },
    { "simultaneous-close.pcap",   4, { 40000, 80 },  { 1000, 5000 },              STEPS(simultaneous_close) },
    { "half-close-data.pcap",      4, { 40000, 80 },  { 1000, 5000 },              STEPS(half_close_data) },
    { "fin-retransmission.pcap",   4, { 40000, 80 },  { 1000, 5000 },              STEPS(fin_retransmission) },
    { "fin-unacked.pcap",          4, { 40000, 80 },  { 1000, 5000 },              STEPS(fin_unacked) },
    { "close-wait.pcap",           4, { 40000, 80 },  { 1000, 5000 },              STEPS(close_wait) },
    { "rst-abort-replies.pcap",    4, { 40000, 80 },  { 1000, 5000 },              STEPS(rst_abort_replies) },
    { "refused.pcap",              4, { 40001, 81 },  { 1000, 5000 },              STEPS(refused) },
    { "rst-after-fin.pcap",        4, { 40000, 80 },  { 1000, 5000 },              STEPS(rst_after_fin) },
    { "data-after-fin.pcap",       4, { 40000, 80 },  { 1000, 5000 },              STEPS(data_after_fin) },
    { "midclose-start.pcap",       4, { 51000, 443 }, { 3000000000u, 7000 },       STEPS(midclose_start) },
    { "ipv6-client-close.pcap",    6, { 40000, 80 },  { 1000, 5000 },              STEPS(client_close) },
    { "seq-wrap.pcap",             4, { 40000, 80 },  { 0xFFFFFF00u, 4294967200u }, STEPS(seq_wrap) },
    { "rst-out-of-window.pcap",    4, { 40000, 80 },  { 1000, 5000 },              STEPS(rst_out_of_window) },
    { "rst-challenged.pcap",       4, { 40000, 80 },  { 1000, 5000 },              STEPS(rst_challenged) },
    { "rst-after-time-wait.pcap",  4, { 40000, 80 },  { 1000, 5000 },              STEPS(rst_after_time_wait) },
    { "rst-into-time-wait.pcap",   4, { 40000, 80 },  { 1000, 5000 },              STEPS(rst_into_time_wait) },
    { "rst-peer-unresponsive.pcap", 4, { 40000, 80 }, { 1000, 5000 },              STEPS(rst_peer_unresponsive) },
    { "rst-with-text.pcap",        4, { 40000, 80 },  { 1000, 5000 },              STEPS(rst_with_text) },
    { "rst-injection.pcap",        4, { 40000, 80 },  { 1000, 5000 },              STEPS(rst_injection) },
    { "rst-idle-timeout.pcap",     4, { 40000, 80 },  { 1000, 5000 },              STEPS(rst_idle_timeout) },
    { "rst-invalid-segment.pcap",  4, { 40000, 80 },  { 1000, 5000 },              STEPS(rst_invalid_segment) },
    { "rst-no-connection.pcap",    4, { 51000, 443 }, { 3000000000u, 7000 },       STEPS(rst_no_connection) },
};

/* ---- Addresses ----------------------------------------------------------- */

static const uint8_t mac[2][6] = {
    { 0x02, 0x00, 0x00, 0x00, 0x00, 0x01 },
    { 0x02, 0x00, 0x00, 0x00, 0x00, 0x02 },
};
static const uint8_t ip4[2][4] = { { 192, 0, 2, 1 }, { 198, 51, 100, 2 } };
static const uint8_t ip6[2][16] = {
    { 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 },
    { 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2 },
};

#define START_SEC   1700000000u
#define DEFAULT_GAP 10u     /* ms */
#define MAX_STEPS   64
#define MAX_FRAME   2048

/* ---- Frame building ------------------------------------------------------ */

static void put16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)(v >> 8); p[1] = (uint8_t)v; }

static void put32(uint8_t *p, uint32_t v)
{
    put16(p, (uint16_t)(v >> 16));
    put16(p + 2, (uint16_t)v);
}

/* Adds bytes to a ones'-complement sum as big-endian 16-bit words. */
static uint32_t csum_add(uint32_t sum, const uint8_t *p, size_t n)
{
    for (size_t i = 0; i + 1 < n; i += 2)
        sum += (uint32_t)p[i] << 8 | p[i + 1];
    if (n & 1)
        sum += (uint32_t)p[n - 1] << 8;
    return sum;
}

static uint16_t csum_finish(uint32_t sum)
{
    while (sum >> 16)
        sum = (sum & 0xFFFF) + (sum >> 16);
    return (uint16_t)~sum;
}

/* Writes one Ethernet frame into f and returns its length. */
static size_t build_frame(uint8_t *f, const struct scenario *sc, enum side from,
                          uint8_t flags, uint32_t seq, uint32_t ack,
                          uint16_t len, const char *text, uint16_t ip_id)
{
    enum side to = (from == C) ? S : C;
    size_t opt_len = (flags & SYN) ? 8 : 0; /* MSS (4) + NOP (1) + WS (3) */
    size_t tcp_len = 20 + opt_len + len;
    size_t ip_hdr = (sc->ip_version == 6) ? 40 : 20;
    uint8_t *ip = f + 14, *tcp = ip + ip_hdr;
    uint32_t sum;

    /* Ethernet II */
    memcpy(f, mac[to], 6);
    memcpy(f + 6, mac[from], 6);
    put16(f + 12, sc->ip_version == 6 ? 0x86DD : 0x0800);

    /* TCP header, options and payload */
    memset(tcp, 0, 20 + opt_len);
    put16(tcp + 0, sc->port[from]);
    put16(tcp + 2, sc->port[to]);
    put32(tcp + 4, seq);
    put32(tcp + 8, ack);
    tcp[12] = (uint8_t)(((20 + opt_len) / 4) << 4);
    tcp[13] = flags;
    put16(tcp + 14, (flags & SYN) ? 64240 : 502);
    if (flags & SYN) {
        uint8_t *o = tcp + 20;
        o[0] = 2; o[1] = 4; put16(o + 2, 1460); /* MSS 1460 */
        o[4] = 1;                               /* NOP */
        o[5] = 3; o[6] = 3; o[7] = 7;           /* window scale 7 */
    }
    for (size_t i = 0; i < len; i++)
        tcp[20 + opt_len + i] = text ? (uint8_t)text[i] : (uint8_t)('a' + i % 26);

    /* IP header and the TCP pseudo-header sum */
    if (sc->ip_version == 6) {
        put32(ip, 0x60000000);           /* version 6, no class/flow label */
        put16(ip + 4, (uint16_t)tcp_len);
        ip[6] = 6;                       /* next header: TCP */
        ip[7] = 64;                      /* hop limit */
        memcpy(ip + 8, ip6[from], 16);
        memcpy(ip + 24, ip6[to], 16);
        sum = csum_add(0, ip + 8, 32);   /* source + destination */
        sum += (uint32_t)tcp_len + 6;    /* upper-layer length + next header */
    } else {
        ip[0] = 0x45;                    /* version 4, 20-byte header */
        ip[1] = 0;
        put16(ip + 2, (uint16_t)(20 + tcp_len));
        put16(ip + 4, ip_id);
        put16(ip + 6, 0x4000);           /* DF */
        ip[8] = 64;                      /* TTL */
        ip[9] = 6;                       /* protocol: TCP */
        put16(ip + 10, 0);
        memcpy(ip + 12, ip4[from], 4);
        memcpy(ip + 16, ip4[to], 4);
        put16(ip + 10, csum_finish(csum_add(0, ip, 20)));
        sum = csum_add(0, ip + 12, 8);   /* source + destination */
        sum += 6 + (uint32_t)tcp_len;    /* protocol + TCP length */
    }
    put16(tcp + 16, csum_finish(csum_add(sum, tcp, tcp_len)));

    return 14 + ip_hdr + tcp_len;
}

/* ---- Scenario playback --------------------------------------------------- */

static int write_scenario(const char *dir, const struct scenario *sc)
{
    char path[4096];
    uint8_t frame[MAX_FRAME];
    uint32_t snd_nxt[2] = { sc->isn[C], sc->isn[S] };
    uint32_t rcv_nxt[2] = { sc->isn[S], sc->isn[C] };
    uint16_t ip_id[2] = { 1, 1 };
    uint32_t sent_seq[MAX_STEPS], sent_ack[MAX_STEPS];
    uint64_t t_us = (uint64_t)START_SEC * 1000000u;
    pcap_t *p;
    pcap_dumper_t *d;
    int n = snprintf(path, sizeof path, "%s/%s", dir, sc->file);

    if (n < 0 || (size_t)n >= sizeof path) {
        fprintf(stderr, "make-captures: output path too long: %s/%s\n", dir, sc->file);
        return -1;
    }
    if (sc->nsteps > MAX_STEPS) {
        fprintf(stderr, "make-captures: %s: too many steps\n", sc->file);
        return -1;
    }
    p = pcap_open_dead(DLT_EN10MB, 65535);
    if (p == NULL) {
        fprintf(stderr, "make-captures: pcap_open_dead failed\n");
        return -1;
    }
    d = pcap_dump_open(p, path);
    if (d == NULL) {
        fprintf(stderr, "make-captures: cannot create %s: %s\n", path, pcap_geterr(p));
        pcap_close(p);
        return -1;
    }

    for (size_t i = 0; i < sc->nsteps; i++) {
        const struct step *st = &sc->steps[i];
        uint32_t seq, ack;
        struct pcap_pkthdr hdr;

        if (i > 0)
            t_us += 1000u * (st->gap_ms ? st->gap_ms : DEFAULT_GAP);

        if (st->rexmit) {
            size_t orig = (size_t)st->rexmit - 1;
            if (st->rexmit < 1 || orig >= i || sc->steps[orig].from != st->from ||
                sc->steps[orig].flags != st->flags || sc->steps[orig].len != st->len) {
                fprintf(stderr, "make-captures: %s: frame %zu: bad rexmit of frame %d\n",
                        sc->file, i + 1, st->rexmit);
                pcap_dump_close(d);
                pcap_close(p);
                return -1;
            }
            seq = sent_seq[orig];
            ack = sent_ack[orig];
        } else {
            enum side me = st->from, peer = (me == C) ? S : C;

            seq = st->set_seq ? st->seq : snd_nxt[me];
            if (st->set_ack)
                ack = st->ack;
            else if (st->flags & ACK)
                ack = rcv_nxt[me] - st->ack_behind;
            else
                ack = 0;
            /* uint32_t arithmetic wraps modulo 2^32, as TCP sequence numbers do */
            if (!(st->flags & RST)) {
                snd_nxt[me] = seq + st->len + ((st->flags & SYN) ? 1u : 0u) +
                              ((st->flags & FIN) ? 1u : 0u);
                rcv_nxt[peer] = snd_nxt[me];
            }
        }
        sent_seq[i] = seq;
        sent_ack[i] = ack;

        hdr.ts.tv_sec = (time_t)(t_us / 1000000u);
        hdr.ts.tv_usec = (suseconds_t)(t_us % 1000000u);
        hdr.len = hdr.caplen = (bpf_u_int32)build_frame(frame, sc, st->from, st->flags,
                                                        seq, ack, st->len, st->text,
                                                        ip_id[st->from]++);
        pcap_dump((u_char *)d, &hdr, frame);
    }

    if (pcap_dump_flush(d) != 0) {
        fprintf(stderr, "make-captures: error writing %s: %s\n", path, strerror(errno));
        pcap_dump_close(d);
        pcap_close(p);
        return -1;
    }
    pcap_dump_close(d);
    pcap_close(p);
    printf("wrote %s (%zu packets)\n", path, sc->nsteps);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s OUTDIR\n", argc > 0 ? argv[0] : "make-captures");
        return 2;
    }
    if (mkdir(argv[1], 0777) != 0 && errno != EEXIST) {
        fprintf(stderr, "make-captures: cannot create directory %s: %s\n",
                argv[1], strerror(errno));
        return 1;
    }
    for (size_t i = 0; i < sizeof scenarios / sizeof scenarios[0]; i++)
        if (write_scenario(argv[1], &scenarios[i]) != 0)
            return 1;
    return 0;
}
