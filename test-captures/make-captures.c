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
 *             .rexmit = N       ->  re-send step N exactly (same seq, ack,
 *                                   flags, length; snd_nxt is not advanced);
 *             .gap_ms = N       ->  N ms after the previous packet (default 10);
 *             TEXT("...")       ->  this payload instead of the a-z pattern.
 *   - an RST consumes nothing and moves no counter: a spoofed or stray RST
 *     (SEQ far away) leaves the sender's real sequence numbers alone.
 *
 * What the capture makes of a step (the odd-* captures; step N is frame N
 * unless an earlier step is doubled or missing, and the ladders' comments give
 * the frame numbers):
 *             .not_captured     ->  sent (it counts for the sequence numbers and
 *                                   the clock) but missing from the file;
 *             .captured_after_next -> written after the next step's frame: the
 *                                   two swap places, timestamps stay in file order;
 *             .twice            ->  written twice in a row, the copy 1 us later
 *                                   (a mirror port's duplicate, identical bytes);
 *             .caplen = N       ->  only the first N bytes are recorded (snaplen).
 *
 * Other packets than TCP segments (.kind): UDP_DGRAM (between the scenario's
 * ports), ECHO_REQUEST / ECHO_REPLY (ICMP or ICMPv6, id 1 seq 1, .len bytes of
 * data), and ICMP_QUOTE(who, N, bytes): an ICMP port unreachable (type 3 code 3;
 * ICMPv6 type 1 code 4) from who's host quoting step N's IP header and the first
 * `bytes` bytes after it (RFC 792: 8), or 0 for all of it (as much as fits: RFC
 * 1812, RFC 4443).
 *
 * Frames: Ethernet II + IPv4 (DF, TTL 64, per-sender incrementing IP ID) or
 * IPv6 (hop limit 64) + TCP (window 502; SYNs carry MSS 1460 and window scale 7
 * with window 64240).  All checksums are correct.  Payload is "abc...zab...".
 * Timestamps start at 1700000000.000000.  ICMP errors leave DF clear.
 *
 * Encapsulations (.encap in the table): an 802.1Q tag (VLAN 100), IPv4-in-IPv4
 * (protocol 4) or GRE (protocol 47) between the tunnel endpoints 203.0.113.1
 * (client side) and 203.0.113.2 (server side); the outer IPv4 header takes the
 * sender's IP ID and DF.  .carried_by = &X: the captured frames travel as rpcap
 * Packet messages (libpcap's remote capture, Wireshark's rpcap:// interfaces)
 * over the TCP connection X, one per step of X marked CARRY; X's .prologue (the
 * control connection's Open Reply, which tells Wireshark the link type) comes
 * first in the file.
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

#include "packet-bytes.h"

/* ---- Scenario description ---------------------------------------------- */

enum side { C = 0, S = 1 }; /* client, server */

#define FIN 0x01
#define SYN 0x02
#define RST 0x04
#define PSH 0x08
#define ACK 0x10

enum kind {
    TCP_SEG = 0,  /* the default */
    UDP_DGRAM,    /* a UDP datagram between the scenario's ports */
    ECHO_REQUEST, /* ICMP(v6) echo request, id 1 seq 1 */
    ECHO_REPLY,   /* ICMP(v6) echo reply, id 1 seq 1 */
    ICMP_UNREACH, /* ICMP(v6) port unreachable quoting an earlier step */
};

struct step {
    enum side from;
    uint8_t flags;
    uint16_t len;        /* payload bytes */
    uint32_t ack_behind; /* ack = rcv_nxt - ack_behind */
    int rexmit;          /* step number (1-based) to re-send; 0 = none */
    bool set_seq, set_ack;
    uint32_t seq, ack; /* raw values, used when set_seq / set_ack */
    unsigned gap_ms;   /* time since previous packet; 0 = default 10 ms */
    const char *text;  /* payload bytes, instead of the a-z pattern */
    /* odd captures */
    enum kind kind;
    int quote;                /* ICMP_UNREACH: the step (1-based) whose packet is quoted */
    uint16_t quote_len;       /* ICMP_UNREACH: bytes quoted after its IP header; 0 = all */
    bool not_captured;        /* sent, but not in the file */
    bool captured_after_next; /* in the file after the next step's frame */
    bool twice;               /* in the file twice, 1 us apart */
    uint16_t caplen;          /* bytes recorded; 0 = the whole frame */
    bool carry;               /* rpcap carrier: payload = a Packet message holding the next captured frame */
};

/* The scenarios are tables, aligned by hand to be read as ladders. */
/* clang-format off */
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
#define ICMP_QUOTE(who, n, bytes) { .from = who, .kind = ICMP_UNREACH, .quote = n, .quote_len = bytes }
#define CARRY(fl)    { .from = S, .flags = (fl), .carry = true }

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

/* server-close without its handshake: no SYN tells who the client is. */
static const struct step odd_mid_connection[] = {
    DATA(C, 100),     /* 1  capture starts mid-connection */
    DATA(S, 200),     /* 2 */
    PURE_ACK(C),      /* 3 */
    FIN_ACK(S),       /* 4  server closes first */
    PURE_ACK(C),      /* 5 */
    FIN_ACK(C),       /* 6 */
    PURE_ACK(S),      /* 7 */
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

/* The keep-alive race, captured at the client: the server closes its idle keep-alive connection
 * as the client's next request is on its way.  The request crosses the FIN, reaches a closed
 * socket and is answered by <SEQ=SEG.ACK><CTL=RST>: the request's ACK stopped short of the FIN,
 * so the RST's seq is the FIN's own, RCV.NXT - 1 for the client, which Linux accepts in
 * CLOSE-WAIT (tcp_reset_check).  As the kernel lab recorded it (50 ms one way). */
static const struct step rst_keepalive_race[] = {
    HANDSHAKE,        /* 1-3 */
    DATA(C, 100),     /* 4  request 1 */
    DATA(S, 200),     /* 5  response 1: S at 5201 */
    PURE_ACK(C),      /* 6 */
    { .from = C, .flags = ACK | PSH, .len = 100, .gap_ms = 5000 }, /* 7  request 2, after 5 s idle */
    { .from = S, .flags = FIN | ACK, .ack_behind = 100, .gap_ms = 49 }, /* 8  sent before request 2 arrived */
    { .from = C, .flags = ACK, .gap_ms = 40 },                    /* 9  C acknowledges the FIN: CLOSE-WAIT */
    { .from = S, .flags = RST, SEQ(5201), .gap_ms = 11 },         /* 10 answers request 2: seq = its ACK */
};

/* The mirror race, on loopback: the client close()s while the server's reply is on its way.  The
 * client's FIN does not acknowledge the reply; the reply reaches a closed socket and the client
 * answers it with an RST at its own FIN's seq, RCV.NXT - 1 for the server in CLOSE-WAIT. */
static const struct step rst_reply_crossed_fin[] = {
    HANDSHAKE,        /* 1-3 */
    DATA(C, 100),     /* 4  request: C at 1101 */
    DATA(S, 1400),    /* 5  reply, ack 1101 */
    { .from = C, .flags = FIN | ACK, .ack_behind = 1400 }, /* 6  the client gave up: its FIN does not ack the reply */
    PURE_ACK(S),      /* 7  S acknowledges the FIN: CLOSE-WAIT */
    { .from = C, .flags = RST, SEQ(1101) },                /* 8  answers the reply: seq = its ACK = the FIN's seq */
};

/* A different fault from the race: the client reads the server's FIN (its ACK covers it) and
 * writes all the same; the server, closed, answers at the data's ACK, RCV.NXT for the client.
 * The kernel lab's write-after-eof. */
static const struct step rst_write_after_eof[] = {
    HANDSHAKE,        /* 1-3 */
    DATA(C, 100),     /* 4 */
    DATA(S, 200),     /* 5 */
    PURE_ACK(C),      /* 6 */
    FIN_ACK(S),       /* 7  the server closes: FIN at 5201 */
    PURE_ACK(C),      /* 8  the client reads the end of the stream */
    DATA(C, 100),     /* 9  and writes all the same: ack 5202 covers the FIN */
    { .from = S, .flags = RST, SEQ(5202) }, /* 10 <SEQ=SEG.ACK><CTL=RST> */
};

/* A keep-alive server (198.51.100.2:80) that closes connections idle for 5 s, met by one client
 * (192.0.2.1) on five connections, one after the other in one file (each the prologue of the
 * next): three with 1, 2 and 3 requests that the server's idle timer closes (after 5.010, 4.990
 * and 5.040 s without data), one that the server closes at once ("Connection: close", 20 ms), and
 * one the client closes after 1 s (not a timer: one close, under 3).  The server's timer: about
 * 5.010 s, 3 of its 4 closes. */
#define REQUEST_REPLY DATA(C, 100), DATA(S, 200), PURE_ACK(C)
#define SERVER_CLOSE_AFTER(ms) { .from = S, .flags = FIN | ACK, .gap_ms = (ms) }, PURE_ACK(C), FIN_ACK(C), PURE_ACK(S)
static const struct step keepalive_one_request[] = {
    HANDSHAKE, REQUEST_REPLY,   /* 1-6 */
    SERVER_CLOSE_AFTER(5000),   /* 7-10 FIN 5.010 s after the reply (frame 5) */
};
static const struct step keepalive_two_requests[] = {
    HANDSHAKE, REQUEST_REPLY, REQUEST_REPLY, /* 1-9 */
    SERVER_CLOSE_AFTER(4980),                /* 10-13 4.990 s */
};
static const struct step keepalive_three_requests[] = {
    HANDSHAKE, REQUEST_REPLY, REQUEST_REPLY, REQUEST_REPLY, /* 1-12 */
    SERVER_CLOSE_AFTER(5030),                               /* 13-16 5.040 s */
};
static const struct step keepalive_connection_close[] = {
    HANDSHAKE, REQUEST_REPLY, /* 1-6 */
    SERVER_CLOSE_AFTER(10),   /* 7-10 0.020 s: not the timer */
};
static const struct step keepalive_client_gives_up[] = {
    HANDSHAKE, REQUEST_REPLY,                          /* 1-6 */
    { .from = C, .flags = FIN | ACK, .gap_ms = 1000 }, /* 7  the client closes after 1.010 s */
    PURE_ACK(S), FIN_ACK(S), PURE_ACK(C),              /* 8-10 */
};

/* A firewall between one client (192.0.2.1) and a server (198.51.100.2:443) that drops flows idle
 * for 30 s, resetting them: captured at the client, its RST+ACK comes as if from the server (its
 * twin to the server is beyond the capture point).  Five connections one after the other: three
 * the firewall resets after 30.010, 29.990 and 30.040 s without data (1, 2 and 3 requests), one
 * the server's application aborts 2.000 s after its reply (not the timer), one the client closes
 * after 1 s.  The server's timer: about 30.010 s, 3 of its 4 closes, all by RST. */
#define FIREWALL_RST_AFTER(ms) { .from = S, .flags = RST | ACK, .gap_ms = (ms) }
static const struct step firewall_one_request[] = {
    HANDSHAKE, REQUEST_REPLY,    /* 1-6 */
    FIREWALL_RST_AFTER(30000),   /* 7  30.010 s after the reply (frame 5) */
};
static const struct step firewall_two_requests[] = {
    HANDSHAKE, REQUEST_REPLY, REQUEST_REPLY, /* 1-9 */
    FIREWALL_RST_AFTER(29980),               /* 10 29.990 s */
};
static const struct step firewall_server_aborts[] = {
    HANDSHAKE, REQUEST_REPLY,    /* 1-6 */
    { .from = S, .flags = RST | ACK, .gap_ms = 1990 }, /* 7  the server's own abort, 2.000 s */
};
static const struct step firewall_three_requests[] = {
    HANDSHAKE, REQUEST_REPLY, REQUEST_REPLY, REQUEST_REPLY, /* 1-12 */
    FIREWALL_RST_AFTER(30030),                              /* 13 30.040 s */
};

/* ---- Odd captures: what real captures do to a close ---------------------- */

static const struct step odd_missing_fin[] = {
    HANDSHAKE,        /* 1-3 */
    DATA(C, 100),     /* 4 */
    DATA(S, 200),     /* 5 */
    PURE_ACK(C),      /* 6 */
    { .from = C, .flags = FIN | ACK, .not_captured = true }, /* -  the client's FIN: the capture missed it */
    PURE_ACK(S),      /* 7  acks the FIN nobody saw */
    FIN_ACK(S),       /* 8 */
    PURE_ACK(C),      /* 9 */
};

static const struct step odd_reordered[] = {
    HANDSHAKE,        /* 1-3 */
    DATA(C, 100),     /* 4 */
    DATA(S, 200),     /* 5 */
    PURE_ACK(C),      /* 6 */
    { .from = C, .flags = FIN | ACK, .captured_after_next = true }, /* 8  sent first ... */
    PURE_ACK(S),      /* 7  ... but its ACK is captured first */
    FIN_ACK(S),       /* 9 */
    PURE_ACK(C),      /* 10 */
};

static const struct step odd_duplicated[] = {
    HANDSHAKE,        /* 1-3 */
    DATA(C, 100),     /* 4 */
    DATA(S, 200),     /* 5 */
    PURE_ACK(C),      /* 6 */
    { .from = C, .flags = FIN | ACK, .twice = true }, /* 7, 8   a mirror port copies each frame twice */
    { .from = S, .flags = ACK, .twice = true },       /* 9, 10 */
    { .from = S, .flags = FIN | ACK, .twice = true }, /* 11, 12 */
    { .from = C, .flags = ACK, .twice = true },       /* 13, 14 */
};

static const struct step odd_syn_fin[] = {
    { .from = C, .flags = SYN | FIN },         /* 1  nmap-style probe: SYN and FIN together */
    { .from = S, .flags = RST | ACK, SEQ(0) }, /* 2  closed port: ack = ISN + 2 (SYN and FIN count one each) */
};

static const struct step odd_fin_rst[] = {
    HANDSHAKE,        /* 1-3 */
    DATA(C, 100),     /* 4 */
    DATA(S, 200),     /* 5 */
    PURE_ACK(C),      /* 6 */
    { .from = C, .flags = FIN | RST | ACK }, /* 7  FIN and RST in one segment */
};

static const struct step odd_icmp_quote[] = {
    HANDSHAKE,        /* 1-3 */
    DATA(C, 100),     /* 4 */
    DATA(S, 200),     /* 5 */
    PURE_ACK(C),      /* 6 */
    FIN_ACK(C),       /* 7 */
    ICMP_QUOTE(S, 7, 8), /* 8  server host: port unreachable, quoting frame 7's IP header + 8 bytes (RFC 792) */
    PURE_ACK(S),      /* 9 */
    FIN_ACK(S),       /* 10 */
    ICMP_QUOTE(C, 10, 0), /* 11 client host: quoting all of frame 10, FIN flag included (RFC 1812) */
    PURE_ACK(C),      /* 12 */
};

static const struct step odd_icmpv6_quote[] = {
    HANDSHAKE,        /* 1-3 */
    DATA(C, 100),     /* 4 */
    DATA(S, 200),     /* 5 */
    PURE_ACK(C),      /* 6 */
    FIN_ACK(C),       /* 7 */
    ICMP_QUOTE(S, 7, 0), /* 8  server host: port unreachable, quoting all of frame 7 (RFC 4443) */
    PURE_ACK(S),      /* 9 */
    FIN_ACK(S),       /* 10 */
    PURE_ACK(C),      /* 11 */
};

static const struct step odd_port_reuse[] = {
    HANDSHAKE,        /* 1-3 */
    DATA(C, 100),     /* 4 */
    DATA(S, 200),     /* 5 */
    PURE_ACK(C),      /* 6 */
    FIN_ACK(C),       /* 7 */
    PURE_ACK(S),      /* 8 */
    FIN_ACK(S),       /* 9 */
    PURE_ACK(C),      /* 10 client in TIME_WAIT */
    { .from = C, .flags = SYN, SEQ(200000), .gap_ms = 1000 }, /* 11 1 s later: same ports, new ISN */
    { .from = S, .flags = SYN | ACK, SEQ(80000) },            /* 12 */
    PURE_ACK(C),      /* 13 */
    DATA(C, 100),     /* 14 */
    DATA(S, 200),     /* 15 */
    PURE_ACK(C),      /* 16 */
    FIN_ACK(C),       /* 17 */
    PURE_ACK(S),      /* 18 */
    FIN_ACK(S),       /* 19 */
    PURE_ACK(C),      /* 20 */
};

static const struct step odd_truncated[] = {
    HANDSHAKE,        /* 1-3 */
    DATA(C, 100),     /* 4 */
    DATA(S, 200),     /* 5 */
    PURE_ACK(C),      /* 6 */
    { .from = C, .flags = FIN | PSH | ACK, .len = 100, .caplen = 54 }, /* 7  TCP header whole, payload cut */
    { .from = S, .flags = ACK, .caplen = 40 },                         /* 8  TCP header cut after 6 bytes */
    { .from = S, .flags = FIN | PSH | ACK, .len = 50, .caplen = 54 },  /* 9  TCP header whole, payload cut */
    { .from = C, .flags = ACK, .caplen = 40 },                         /* 10 TCP header cut after 6 bytes */
};

#define DNS_QUERY_EXAMPLE_COM "\x12\x34" "\x01\x00" "\x00\x01" "\x00\x00" "\x00\x00" "\x00\x00" \
                              "\x07" "example" "\x03" "com" "\x00" "\x00\x01" "\x00\x01"

static const struct step odd_no_tcp[] = {
    { .from = C, .kind = UDP_DGRAM, TEXT(DNS_QUERY_EXAMPLE_COM) }, /* 1  DNS query, A example.com */
    ICMP_QUOTE(S, 1, 8),                                           /* 2  no DNS server: port unreachable */
    { .from = C, .kind = ECHO_REQUEST, .len = 32 },                /* 3  ping */
    { .from = S, .kind = ECHO_REPLY, .len = 32 },                  /* 4 */
};

/* odd-two-layers: rpcapd sends each frame it captures to its client over a TCP data
 * connection, and Wireshark dissects the frame inside at the top level of the tree: both
 * TCP headers are top-level layers.  Frame 1 is the control connection's Open Reply
 * (version 0, type 0x83, payload 8: link type 1 = Ethernet, time zone 0); without it
 * Wireshark does not know what the Packet messages hold. */
#define RPCAP_OPEN_REPLY_ETHERNET "\x00\x83\x00\x00" "\x00\x00\x00\x08" "\x00\x00\x00\x01" "\x00\x00\x00\x00"

static const struct step rpcap_control[] = {
    { .from = S, .flags = ACK | PSH, TEXT(RPCAP_OPEN_REPLY_ETHERNET) }, /* 1  rpcapd port 2002 -> client */
};

static const struct step rpcap_data[] = {
    HANDSHAKE,              /* 2-4  the client connects to rpcapd's data port */
    CARRY(ACK | PSH),       /* 5  inner frame 1 (SYN) */
    CARRY(ACK | PSH),       /* 6  inner 2 */
    PURE_ACK(C),            /* 7 */
    CARRY(ACK | PSH),       /* 8  inner 3 */
    CARRY(ACK | PSH),       /* 9  inner 4 */
    PURE_ACK(C),            /* 10 */
    CARRY(ACK | PSH),       /* 11 inner 5 */
    CARRY(ACK | PSH),       /* 12 inner 6 */
    PURE_ACK(C),            /* 13 */
    CARRY(ACK | PSH),       /* 14 inner 7: the inner client's FIN */
    CARRY(ACK | PSH),       /* 15 inner 8 */
    PURE_ACK(C),            /* 16 */
    CARRY(ACK | PSH),       /* 17 inner 9: the inner server's FIN */
    CARRY(FIN | ACK | PSH), /* 18 inner 10, the final ACK; rpcapd closes the data connection */
    FIN_ACK(C),             /* 19 */
    PURE_ACK(S),            /* 20 */
};

enum encap {
    ENCAP_NONE = 0, /* Ethernet II + IP */
    ENCAP_VLAN,     /* Ethernet II + 802.1Q (VLAN 100) + IP */
    ENCAP_IPIP,     /* Ethernet II + IPv4 (protocol 4, or 41 with IPv6 inside) + IP */
    ENCAP_GRE,      /* Ethernet II + IPv4 (protocol 47) + GRE + IP */
};

struct scenario {
    const char *file;
    int ip_version;      /* 4 or 6 */
    uint16_t port[2];    /* [C], [S] */
    uint32_t isn[2];     /* [C], [S] */
    const struct step *steps;
    size_t nsteps;
    /* odd captures */
    enum encap encap;
    bool far_hosts;      /* IPv4 203.0.113.1 (C), 203.0.113.2 (S) */
    const struct scenario *carried_by; /* the frames are rpcap Packet messages on this connection */
    const struct scenario *prologue;   /* a connection whose frames come first in the file */
};

#define STEPS(a) .steps = (a), .nsteps = sizeof(a) / sizeof((a)[0])

static const struct scenario keepalive_conn1 = {
    "(keep-alive 1)", 4, { 40101, 80 }, { 1000, 5000 }, STEPS(keepalive_one_request),
};
static const struct scenario keepalive_conn2 = {
    "(keep-alive 2)", 4, { 40102, 80 }, { 2000, 6000 }, STEPS(keepalive_two_requests), .prologue = &keepalive_conn1,
};
static const struct scenario keepalive_conn3 = {
    "(keep-alive 3)", 4, { 40103, 80 }, { 3000, 7000 }, STEPS(keepalive_connection_close),
    .prologue = &keepalive_conn2,
};
static const struct scenario keepalive_conn4 = {
    "(keep-alive 4)", 4, { 40104, 80 }, { 4000, 8000 }, STEPS(keepalive_three_requests),
    .prologue = &keepalive_conn3,
};

static const struct scenario firewall_conn1 = {
    "(firewall 1)", 4, { 40201, 443 }, { 1000, 5000 }, STEPS(firewall_one_request),
};
static const struct scenario firewall_conn2 = {
    "(firewall 2)", 4, { 40202, 443 }, { 2000, 6000 }, STEPS(firewall_two_requests), .prologue = &firewall_conn1,
};
static const struct scenario firewall_conn3 = {
    "(firewall 3)", 4, { 40203, 443 }, { 3000, 7000 }, STEPS(firewall_server_aborts), .prologue = &firewall_conn2,
};
static const struct scenario firewall_conn4 = {
    "(firewall 4)", 4, { 40204, 443 }, { 4000, 8000 }, STEPS(firewall_three_requests), .prologue = &firewall_conn3,
};

static const struct scenario rpcap_control_conn = {
    "(rpcap control)", 4, { 49999, 2002 }, { 3000, 7000 }, STEPS(rpcap_control), .far_hosts = true,
};
static const struct scenario rpcap_data_conn = {
    "(rpcap data)", 4, { 50000, 43210 }, { 4000, 8000 }, STEPS(rpcap_data), .far_hosts = true,
    .prologue = &rpcap_control_conn,
};

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
    { "rst-keepalive-race.pcap",   4, { 40000, 80 },  { 1000, 5000 },              STEPS(rst_keepalive_race) },
    { "rst-reply-crossed-fin.pcap", 4, { 40000, 80 }, { 1000, 5000 },              STEPS(rst_reply_crossed_fin) },
    { "rst-write-after-eof.pcap",  4, { 40000, 80 },  { 1000, 5000 },              STEPS(rst_write_after_eof) },
    { "idle-timer-keepalive.pcap", 4, { 40105, 80 },  { 9000, 9500 },              STEPS(keepalive_client_gives_up),
      .prologue = &keepalive_conn4 },
    { "idle-timer-firewall-rst.pcap", 4, { 40205, 443 }, { 9000, 9500 },           STEPS(keepalive_client_gives_up),
      .prologue = &firewall_conn4 },
    /* odd captures */
    { "odd-missing-fin.pcap",      4, { 40000, 80 },  { 1000, 5000 },              STEPS(odd_missing_fin) },
    { "odd-mid-connection.pcap",   4, { 51000, 443 }, { 3000000000u, 7000 },       STEPS(odd_mid_connection) },
    { "odd-reordered.pcap",        4, { 40000, 80 },  { 1000, 5000 },              STEPS(odd_reordered) },
    { "odd-duplicated.pcap",       4, { 40000, 80 },  { 1000, 5000 },              STEPS(odd_duplicated) },
    { "odd-syn-fin.pcap",          4, { 54321, 80 },  { 1000, 5000 },              STEPS(odd_syn_fin) },
    { "odd-fin-rst.pcap",          4, { 40000, 80 },  { 1000, 5000 },              STEPS(odd_fin_rst) },
    { "odd-icmp-quote.pcap",       4, { 40000, 80 },  { 1000, 5000 },              STEPS(odd_icmp_quote) },
    { "odd-icmpv6-quote.pcap",     6, { 40000, 80 },  { 1000, 5000 },              STEPS(odd_icmpv6_quote) },
    { "odd-ipip.pcap",             4, { 40000, 80 },  { 1000, 5000 },              STEPS(client_close), .encap = ENCAP_IPIP },
    { "odd-gre.pcap",              4, { 40000, 80 },  { 1000, 5000 },              STEPS(client_close), .encap = ENCAP_GRE },
    { "odd-vlan.pcap",             4, { 40000, 80 },  { 1000, 5000 },              STEPS(client_close), .encap = ENCAP_VLAN },
    { "odd-two-layers.pcap",       4, { 40000, 80 },  { 1000, 5000 },              STEPS(client_close), .carried_by = &rpcap_data_conn },
    { "odd-port-reuse.pcap",       4, { 40000, 80 },  { 1000, 5000 },              STEPS(odd_port_reuse) },
    { "odd-truncated.pcap",        4, { 40000, 80 },  { 1000, 5000 },              STEPS(odd_truncated) },
    { "odd-no-tcp.pcap",           4, { 40000, 53 },  { 1000, 5000 },              STEPS(odd_no_tcp) },
    { "odd-empty.pcap",            4, { 40000, 80 },  { 1000, 5000 },              .nsteps = 0 },
};
/* clang-format on */

/* ---- Addresses ----------------------------------------------------------- */

static const uint8_t mac[2][6] = {
    {0x02, 0x00, 0x00, 0x00, 0x00, 0x01},
    {0x02, 0x00, 0x00, 0x00, 0x00, 0x02},
};
static const uint8_t ip4[2][4] = {{192, 0, 2, 1}, {198, 51, 100, 2}};
static const uint8_t ip6[2][16] = {
    {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1},
    {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2},
};
/* tunnel endpoints, and the far_hosts pair */
static const uint8_t far4[2][4] = {{203, 0, 113, 1}, {203, 0, 113, 2}};

#define START_SEC 1700000000u
#define DEFAULT_GAP 10u /* ms */
#define MAX_STEPS 64
#define MAX_FRAMES 128 /* per file */
#define MAX_FRAME 2048
#define MAX_PAYLOAD 1800 /* leaves room for every header below */
#define VLAN_ID 100
#define ICMP6_QUOTE_MAX (1280 - 40 - 8) /* an ICMPv6 error fits the minimum MTU */

/* ---- Frame building ------------------------------------------------------ */

static enum side peer_of(enum side s)
{
    return (s == C) ? S : C;
}

static void fill_payload(uint8_t *p, uint16_t len, const char *text)
{
    for (size_t i = 0; i < len; i++)
        p[i] = text ? (uint8_t)text[i] : (uint8_t)('a' + i % 26);
}

static void put_ipv4(uint8_t *ip, const uint8_t *src, const uint8_t *dst, uint8_t proto, size_t payload_len,
                     uint16_t ip_id, bool df)
{
    ip[0] = 0x45; /* version 4, 20-byte header */
    ip[1] = 0;
    put16(ip + 2, (uint16_t)(20 + payload_len));
    put16(ip + 4, ip_id);
    put16(ip + 6, df ? 0x4000 : 0);
    ip[8] = 64; /* TTL */
    ip[9] = proto;
    put16(ip + 10, 0);
    memcpy(ip + 12, src, 4);
    memcpy(ip + 16, dst, 4);
    put16(ip + 10, csum_finish(csum_add(0, ip, 20)));
}

/* Writes the scenario's IP header from `from` to its peer; returns its length. */
static size_t put_ip(uint8_t *ip, const struct scenario *sc, enum side from, uint8_t proto, size_t payload_len,
                     uint16_t ip_id, bool df)
{
    enum side to = peer_of(from);

    if (sc->ip_version == 6) {
        put32(ip, 0x60000000); /* version 6, no class/flow label */
        put16(ip + 4, (uint16_t)payload_len);
        ip[6] = proto; /* next header */
        ip[7] = 64;    /* hop limit */
        memcpy(ip + 8, ip6[from], 16);
        memcpy(ip + 24, ip6[to], 16);
        return 40;
    }
    put_ipv4(ip, sc->far_hosts ? far4[from] : ip4[from], sc->far_hosts ? far4[to] : ip4[to], proto, payload_len, ip_id,
             df);
    return 20;
}

/* The pseudo-header's sum for an upper-layer protocol over the IP header at ip. */
static uint32_t pseudo_sum(const uint8_t *ip, uint8_t proto, size_t len)
{
    if ((ip[0] >> 4) == 6)
        return csum_add(0, ip + 8, 32) + (uint32_t)len + proto; /* addresses, length, next header */
    return csum_add(0, ip + 12, 8) + proto + (uint32_t)len;     /* addresses, protocol, length */
}

/* Writes an IP packet carrying one TCP segment and returns its length. */
static size_t build_tcp(uint8_t *ip, const struct scenario *sc, enum side from, uint8_t flags, uint32_t seq,
                        uint32_t ack, uint16_t len, const char *text, uint16_t ip_id)
{
    enum side to = peer_of(from);
    size_t opt_len = (flags & SYN) ? 8 : 0; /* MSS (4) + NOP (1) + WS (3) */
    size_t tcp_len = 20 + opt_len + len;
    size_t ip_hdr = put_ip(ip, sc, from, 6, tcp_len, ip_id, true);
    uint8_t *tcp = ip + ip_hdr;

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
        o[0] = 2;
        o[1] = 4;
        put16(o + 2, 1460); /* MSS 1460 */
        o[4] = 1;           /* NOP */
        o[5] = 3;
        o[6] = 3;
        o[7] = 7; /* window scale 7 */
    }
    fill_payload(tcp + 20 + opt_len, len, text);
    put16(tcp + 16, csum_finish(pseudo_sum(ip, 6, tcp_len) + csum_add(0, tcp, tcp_len)));
    return ip_hdr + tcp_len;
}

static size_t build_udp(uint8_t *ip, const struct scenario *sc, enum side from, uint16_t len, const char *text,
                        uint16_t ip_id)
{
    size_t udp_len = 8 + (size_t)len;
    size_t ip_hdr = put_ip(ip, sc, from, 17, udp_len, ip_id, true);
    uint8_t *udp = ip + ip_hdr;

    put16(udp + 0, sc->port[from]);
    put16(udp + 2, sc->port[peer_of(from)]);
    put16(udp + 4, (uint16_t)udp_len);
    put16(udp + 6, 0);
    fill_payload(udp + 8, len, text);
    put16(udp + 6, csum_finish(pseudo_sum(ip, 17, udp_len) + csum_add(0, udp, udp_len)));
    return ip_hdr + udp_len;
}

/* An ICMP or ICMPv6 message: 4-byte header and 4 bytes (echo id and seq, or unused), then body. */
static size_t build_icmp(uint8_t *ip, const struct scenario *sc, enum side from, uint8_t type, uint8_t code,
                         uint32_t word, const uint8_t *body, size_t body_len, uint16_t ip_id, bool df)
{
    bool v6 = sc->ip_version == 6;
    size_t icmp_len = 8 + body_len;
    size_t ip_hdr = put_ip(ip, sc, from, v6 ? 58 : 1, icmp_len, ip_id, df);
    uint8_t *icmp = ip + ip_hdr;

    icmp[0] = type;
    icmp[1] = code;
    put16(icmp + 2, 0);
    put32(icmp + 4, word);
    memcpy(icmp + 8, body, body_len);
    put16(icmp + 2, csum_finish((v6 ? pseudo_sum(ip, 58, icmp_len) : 0) + csum_add(0, icmp, icmp_len)));
    return ip_hdr + icmp_len;
}

static size_t build_echo(uint8_t *ip, const struct scenario *sc, enum side from, bool request, uint16_t len,
                         const char *text, uint16_t ip_id)
{
    uint8_t data[MAX_PAYLOAD];
    uint8_t type = (sc->ip_version == 6) ? (request ? 128 : 129) : (request ? 8 : 0);

    fill_payload(data, len, text);
    return build_icmp(ip, sc, from, type, 0, 0x00010001u /* id 1, seq 1 */, data, len, ip_id, true);
}

/* Port unreachable quoting the IP packet quoted (quoted_len bytes): its IP header and
 * quote_len bytes after it, or all of it (as much as fits) when quote_len is 0. */
static size_t build_unreach(uint8_t *ip, const struct scenario *sc, enum side from, const uint8_t *quoted,
                            size_t quoted_len, uint16_t quote_len, uint16_t ip_id)
{
    bool v6 = sc->ip_version == 6;
    size_t hdr = v6 ? 40 : (size_t)(quoted[0] & 0x0F) * 4;
    size_t n = quoted_len;

    if (quote_len != 0 && hdr + quote_len < n)
        n = hdr + quote_len;
    if (v6 && n > ICMP6_QUOTE_MAX)
        n = ICMP6_QUOTE_MAX;
    return build_icmp(ip, sc, from, v6 ? 1 : 3, v6 ? 4 : 3, 0, quoted, n, ip_id, false);
}

/* Puts the IP packet ip in an Ethernet frame (and the scenario's encapsulation) at f;
 * returns the frame's length. */
static size_t build_frame(uint8_t *f, const struct scenario *sc, enum side from, const uint8_t *ip, size_t ip_len,
                          uint16_t ip_id)
{
    enum side to = peer_of(from);
    uint16_t ip_type = (sc->ip_version == 6) ? 0x86DD : 0x0800;
    size_t at = 12;

    memcpy(f, mac[to], 6);
    memcpy(f + 6, mac[from], 6);
    if (sc->encap == ENCAP_VLAN) {
        put16(f + at, 0x8100);
        put16(f + at + 2, VLAN_ID); /* priority 0, DEI 0 */
        at += 4;
    }
    if (sc->encap == ENCAP_IPIP || sc->encap == ENCAP_GRE) {
        bool gre = sc->encap == ENCAP_GRE;
        uint8_t proto = gre ? 47 : (sc->ip_version == 6 ? 41 : 4);
        put16(f + at, 0x0800);
        at += 2;
        put_ipv4(f + at, far4[from], far4[to], proto, (gre ? 4 : 0) + ip_len, ip_id,
                 (ip[0] >> 4) == 4 && (ip[6] & 0x40)); /* DF as the inner packet's */
        at += 20;
        if (gre) {
            put16(f + at, 0); /* no checksum, key or sequence number; version 0 */
            put16(f + at + 2, ip_type);
            at += 4;
        }
    } else {
        put16(f + at, ip_type);
        at += 2;
    }
    memcpy(f + at, ip, ip_len);
    return at + ip_len;
}

/* A frame as it goes into the file: its timestamp, length on the wire, bytes recorded. */
struct frame {
    uint64_t t_us;
    uint32_t len, caplen;
    uint8_t bytes[MAX_FRAME];
};

/* An rpcap Packet message holding the captured frame fr, the number-th of the capture. */
static size_t rpcap_packet(uint8_t *p, const struct frame *fr, uint32_t number)
{
    p[0] = 0;                      /* version */
    p[1] = 7;                      /* Packet */
    put16(p + 2, 0);               /* value */
    put32(p + 4, 20 + fr->caplen); /* payload length */
    put32(p + 8, (uint32_t)(fr->t_us / 1000000u));
    put32(p + 12, (uint32_t)(fr->t_us % 1000000u));
    put32(p + 16, fr->caplen);
    put32(p + 20, fr->len);
    put32(p + 24, number);
    memcpy(p + 28, fr->bytes, fr->caplen);
    return 28 + fr->caplen;
}

/* ---- Scenario playback --------------------------------------------------- */

/* Plays sc's ladder from time t_us and appends the frames it captures to out[*nout...],
 * in file order.  carried: the frames its CARRY steps carry, in order. */
static int play(const struct scenario *sc, uint64_t t_us, struct frame *out, size_t *nout, const struct frame *carried,
                size_t ncarried)
{
    static uint8_t ip_pkt[MAX_STEPS][MAX_FRAME]; /* every step's IP packet, for ICMP quotes */
    size_t ip_len[MAX_STEPS], file_pos[MAX_STEPS];
    uint32_t snd_nxt[2] = {sc->isn[C], sc->isn[S]};
    uint32_t rcv_nxt[2] = {sc->isn[S], sc->isn[C]};
    uint16_t ip_id[2] = {1, 1};
    uint32_t sent_seq[MAX_STEPS], sent_ack[MAX_STEPS];
    uint8_t msg[MAX_FRAME];
    size_t ncarry = 0;

    if (sc->nsteps > MAX_STEPS) {
        fprintf(stderr, "make-captures: %s: too many steps\n", sc->file);
        return -1;
    }
    for (size_t i = 0; i < sc->nsteps; i++) {
        const struct step *st = &sc->steps[i];
        enum side me = st->from, peer = peer_of(me);
        uint16_t len = st->len;
        const char *text = st->text;
        uint32_t seq, ack;

        if (i > 0)
            t_us += 1000u * (st->gap_ms ? st->gap_ms : DEFAULT_GAP);

        if (st->carry) {
            if (ncarry >= ncarried || carried[ncarry].caplen + 28 > MAX_PAYLOAD) {
                fprintf(stderr, "make-captures: %s: step %zu: no frame left to carry, or too big\n", sc->file, i + 1);
                return -1;
            }
            len = (uint16_t)rpcap_packet(msg, &carried[ncarry], (uint32_t)ncarry + 1);
            text = (const char *)msg;
            ncarry++;
        }
        if (len > MAX_PAYLOAD) {
            fprintf(stderr, "make-captures: %s: step %zu: payload too long\n", sc->file, i + 1);
            return -1;
        }

        switch (st->kind) {
        case TCP_SEG:
            if (st->rexmit) {
                size_t orig = (size_t)st->rexmit - 1;
                if (st->rexmit < 1 || orig >= i || sc->steps[orig].from != st->from ||
                    sc->steps[orig].flags != st->flags || sc->steps[orig].len != st->len) {
                    fprintf(stderr, "make-captures: %s: frame %zu: bad rexmit of frame %d\n", sc->file, i + 1,
                            st->rexmit);
                    return -1;
                }
                seq = sent_seq[orig];
                ack = sent_ack[orig];
            } else {
                seq = st->set_seq ? st->seq : snd_nxt[me];
                if (st->set_ack)
                    ack = st->ack;
                else if (st->flags & ACK)
                    ack = rcv_nxt[me] - st->ack_behind;
                else
                    ack = 0;
                /* uint32_t arithmetic wraps modulo 2^32, as TCP sequence numbers do */
                if (!(st->flags & RST)) {
                    snd_nxt[me] = seq + len + ((st->flags & SYN) ? 1u : 0u) + ((st->flags & FIN) ? 1u : 0u);
                    rcv_nxt[peer] = snd_nxt[me];
                }
            }
            sent_seq[i] = seq;
            sent_ack[i] = ack;
            ip_len[i] = build_tcp(ip_pkt[i], sc, me, st->flags, seq, ack, len, text, ip_id[me]);
            break;
        case UDP_DGRAM:
            ip_len[i] = build_udp(ip_pkt[i], sc, me, len, text, ip_id[me]);
            break;
        case ECHO_REQUEST:
        case ECHO_REPLY:
            ip_len[i] = build_echo(ip_pkt[i], sc, me, st->kind == ECHO_REQUEST, len, text, ip_id[me]);
            break;
        case ICMP_UNREACH:
            if (st->quote < 1 || (size_t)st->quote > i) {
                fprintf(stderr, "make-captures: %s: step %zu: bad quote of step %d\n", sc->file, i + 1, st->quote);
                return -1;
            }
            ip_len[i] = build_unreach(ip_pkt[i], sc, me, ip_pkt[st->quote - 1], ip_len[st->quote - 1], st->quote_len,
                                      ip_id[me]);
            break;
        }

        file_pos[i] = *nout;
        if (!st->not_captured) {
            for (int copy = 0; copy < (st->twice ? 2 : 1); copy++) {
                struct frame *fr;
                if (*nout >= MAX_FRAMES) {
                    fprintf(stderr, "make-captures: %s: too many frames\n", sc->file);
                    return -1;
                }
                fr = &out[*nout];
                fr->t_us = t_us + (uint64_t)copy;
                fr->len = (uint32_t)build_frame(fr->bytes, sc, me, ip_pkt[i], ip_len[i], ip_id[me]);
                fr->caplen = (st->caplen && st->caplen < fr->len) ? st->caplen : fr->len;
                (*nout)++;
            }
        }
        ip_id[me]++;
    }

    /* Reordering: swap the frames, not their timestamps. */
    for (size_t i = 0; i < sc->nsteps; i++) {
        const struct step *st = &sc->steps[i];
        if (!st->captured_after_next)
            continue;
        if (i + 1 >= sc->nsteps || st->not_captured || st->twice || sc->steps[i + 1].not_captured ||
            sc->steps[i + 1].twice) {
            fprintf(stderr, "make-captures: %s: step %zu: cannot swap with the next\n", sc->file, i + 1);
            return -1;
        }
        struct frame *a = &out[file_pos[i]], *b = &out[file_pos[i] + 1], tmp = *a;
        uint64_t ta = a->t_us, tb = b->t_us;
        *a = *b;
        *b = tmp;
        a->t_us = ta;
        b->t_us = tb;
    }
    if (ncarry != ncarried) {
        fprintf(stderr, "make-captures: %s: %zu frames left to carry\n", sc->file, ncarried - ncarry);
        return -1;
    }
    return 0;
}

/* Plays a prologue connection, after its own prologue if it has one, and moves the clock past it. */
static int play_prologue(const struct scenario *pro, uint64_t *t_us, struct frame *frames, size_t *n)
{
    if (pro->prologue && play_prologue(pro->prologue, t_us, frames, n) != 0)
        return -1;
    if (play(pro, *t_us, frames, n, NULL, 0) != 0)
        return -1;
    *t_us = frames[*n - 1].t_us + 1000u * DEFAULT_GAP;
    return 0;
}

/* Plays the scenario, and its prologues and carrier if any, into frames[] in file order. */
static int capture(const struct scenario *sc, struct frame *frames, size_t *n)
{
    static struct frame inner[MAX_FRAMES];
    const struct scenario *top = sc->carried_by ? sc->carried_by : sc;
    uint64_t t_us = (uint64_t)START_SEC * 1000000u;
    size_t ninner = 0;

    *n = 0;
    if (sc->carried_by && play(sc, t_us, inner, &ninner, NULL, 0) != 0)
        return -1;
    if (top->prologue && play_prologue(top->prologue, &t_us, frames, n) != 0)
        return -1;
    return play(top, t_us, frames, n, sc->carried_by ? inner : NULL, ninner);
}

static int write_scenario(const char *dir, const struct scenario *sc)
{
    static struct frame frames[MAX_FRAMES];
    char path[4096];
    size_t nframes;
    pcap_t *p;
    pcap_dumper_t *d;
    int n = snprintf(path, sizeof path, "%s/%s", dir, sc->file);

    if (n < 0 || (size_t)n >= sizeof path) {
        fprintf(stderr, "make-captures: output path too long: %s/%s\n", dir, sc->file);
        return -1;
    }
    if (capture(sc, frames, &nframes) != 0)
        return -1;
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

    for (size_t i = 0; i < nframes; i++) {
        struct pcap_pkthdr hdr;
        hdr.ts.tv_sec = (time_t)(frames[i].t_us / 1000000u);
        hdr.ts.tv_usec = (suseconds_t)(frames[i].t_us % 1000000u);
        hdr.len = frames[i].len;
        hdr.caplen = frames[i].caplen;
        pcap_dump((u_char *)d, &hdr, frames[i].bytes);
    }

    if (pcap_dump_flush(d) != 0) {
        fprintf(stderr, "make-captures: error writing %s: %s\n", path, strerror(errno));
        pcap_dump_close(d);
        pcap_close(p);
        return -1;
    }
    pcap_dump_close(d);
    pcap_close(p);
    printf("wrote %s (%zu packets)\n", path, nframes);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s OUTDIR\n", argc > 0 ? argv[0] : "make-captures");
        return 2;
    }
    if (mkdir(argv[1], 0777) != 0 && errno != EEXIST) {
        fprintf(stderr, "make-captures: cannot create directory %s: %s\n", argv[1], strerror(errno));
        return 1;
    }
    for (size_t i = 0; i < sizeof scenarios / sizeof scenarios[0]; i++)
        if (write_scenario(argv[1], &scenarios[i]) != 0)
            return 1;
    return 0;
}
