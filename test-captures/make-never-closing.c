/*
 * make-never-closing.c -- writes one large capture of TCP connections that are opened and
 * then carry data and never close, for the bounded-memory test (cmake/check-bounded-memory.sh):
 * tcpclose's memory must grow with the connections, not with the packets.
 *
 * Build and run:
 *
 *     cc -std=c11 -O2 -Wall -Wextra -o make-never-closing make-never-closing.c -lpcap
 *     ./make-never-closing CONNECTIONS BYTES FILE      (FILE - is stdout)
 *
 * What it writes (Ethernet II + IPv4, DF, TTL 64; all checksums correct):
 *   - CONNECTIONS connections from 192.0.2.1, ports 40000, 40001, ... to 198.51.100.2 port 9
 *     (discard), first each one's 3-way handshake (SYN and SYN-ACK with MSS 1460 and window
 *     scale 7, window 64240; then window 502, i.e. 64256 bytes);
 *   - then data, round robin over the connections: in even rounds every client sends 1448 bytes,
 *     in odd rounds every server does; each segment's ACK covers all the peer sent (piggybacked),
 *     so every byte is acknowledged within a round and no window ever fills;
 *   - no FIN and no RST, ever: tcpclose has nothing to annotate and only follows the connections;
 *   - packets until the next one would take the file past BYTES (its pcap headers included).
 * Port 9 because no Wireshark dissector claims it: on port 80 the HTTP dissector asks TCP to
 * reassemble the never-ending "request", and tshark itself then holds every payload byte (1.9 GB
 * for a 1 GiB capture), a baseline so large that tcpclose's few MB would drown in its noise.
 * The client ports (40000 and up) are also almost all unclaimed (6 of them are, e.g. 44818).
 * Timestamps start at 1700000000.000000 and advance 10 us per packet.  ISNs are a fixed function
 * of the connection's number, so the same arguments always make the same bytes.
 *
 * It prints a one-line summary on stderr ("... N connections, P packets, B bytes"), which
 * check-bounded-memory.sh reads.  1 GiB takes a few seconds: the payload (the same 1448 bytes
 * in every segment) is checksummed once, and output goes through a 1 MiB stdio buffer.
 */
#define _DEFAULT_SOURCE /* pcap.h needs u_int/u_char and struct timeval */

#include <errno.h>
#include <inttypes.h>
#include <pcap/pcap.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "packet-bytes.h"

#define START_SEC 1700000000u
#define GAP_US 10u
#define MSS 1448u         /* payload of every data segment: what Linux sends on a 1500-byte MTU */
#define FIRST_PORT 40000u /* the clients' */
#define MAX_CONNS (65536u - FIRST_PORT)
#define SERVER_PORT 9u /* discard */

#define SYN 0x02
#define PSH 0x08
#define ACK 0x10

enum side { C = 0, S = 1 }; /* client, server */

static const uint8_t mac[2][6] = {
    {0x02, 0x00, 0x00, 0x00, 0x00, 0x01},
    {0x02, 0x00, 0x00, 0x00, 0x00, 0x02},
};
static const uint8_t ip4[2][4] = {{192, 0, 2, 1}, {198, 51, 100, 2}};

/* The writer's state: the file, the clock, the size so far and the limit. */
struct out {
    pcap_dumper_t *d;
    uint64_t t_us;
    uint64_t bytes, limit;
    uint64_t packets;
    uint16_t ip_id[2];    /* per host */
    uint32_t payload_sum; /* csum_add of the payload, the same in every data segment */
    uint8_t payload[MSS];
};

/* Writes one segment of connection conn (0-based) from side from; returns 0, or 1 when it
 * would take the file past the limit (nothing written). */
static int segment(struct out *o, uint32_t conn, enum side from, uint8_t flags, uint32_t seq, uint32_t ack,
                   uint16_t len)
{
    static uint8_t f[14 + 20 + 28 + MSS];
    enum side to = from == C ? S : C;
    size_t opt_len = (flags & SYN) ? 8 : 0; /* MSS (4) + NOP (1) + window scale (3) */
    size_t tcp_len = 20 + opt_len + len;
    size_t frame_len = 14 + 20 + tcp_len;
    uint16_t port[2] = {(uint16_t)(FIRST_PORT + conn), SERVER_PORT};
    uint8_t *ip = f + 14, *tcp = ip + 20;
    struct pcap_pkthdr hdr;

    if (o->bytes + 16 + frame_len > o->limit) /* 16: the pcap record header */
        return 1;

    memcpy(f, mac[to], 6);
    memcpy(f + 6, mac[from], 6);
    put16(f + 12, 0x0800);

    ip[0] = 0x45;
    ip[1] = 0;
    put16(ip + 2, (uint16_t)(20 + tcp_len));
    put16(ip + 4, o->ip_id[from]++);
    put16(ip + 6, 0x4000); /* DF */
    ip[8] = 64;
    ip[9] = 6;
    put16(ip + 10, 0);
    memcpy(ip + 12, ip4[from], 4);
    memcpy(ip + 16, ip4[to], 4);
    put16(ip + 10, csum_finish(csum_add(0, ip, 20)));

    memset(tcp, 0, 20 + opt_len);
    put16(tcp + 0, port[from]);
    put16(tcp + 2, port[to]);
    put32(tcp + 4, seq);
    put32(tcp + 8, ack);
    tcp[12] = (uint8_t)(((20 + opt_len) / 4) << 4);
    tcp[13] = flags;
    put16(tcp + 14, (flags & SYN) ? 64240 : 502);
    if (flags & SYN) {
        uint8_t *opt = tcp + 20;
        opt[0] = 2;
        opt[1] = 4;
        put16(opt + 2, 1460); /* MSS 1460 */
        opt[4] = 1;           /* NOP */
        opt[5] = 3;
        opt[6] = 3;
        opt[7] = 7; /* window scale 7 */
    }
    /* The header sum plus the payload's, computed once (the payload starts at an even offset). */
    uint32_t sum = csum_add(0, ip + 12, 8) + 6u + (uint32_t)tcp_len + csum_add(0, tcp, 20 + opt_len);
    if (len > 0) {
        memcpy(tcp + 20 + opt_len, o->payload, len);
        sum += o->payload_sum;
    }
    put16(tcp + 16, csum_finish(sum));

    hdr.ts.tv_sec = (time_t)(o->t_us / 1000000u);
    hdr.ts.tv_usec = (suseconds_t)(o->t_us % 1000000u);
    hdr.caplen = hdr.len = (bpf_u_int32)frame_len;
    pcap_dump((u_char *)o->d, &hdr, f);
    o->bytes += 16 + frame_len;
    o->packets++;
    o->t_us += GAP_US;
    return 0;
}

/* A positive decimal number, or 0 on anything else. */
static uint64_t number(const char *s)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    return (errno || end == s || *end || s[0] == '-') ? 0 : (uint64_t)v;
}

int main(int argc, char **argv)
{
    static struct out o;
    uint64_t conns, data = 0;
    uint32_t *snd_nxt[2];
    FILE *file;
    pcap_t *p;

    if (argc != 4) {
        fprintf(stderr, "usage: %s CONNECTIONS BYTES FILE|-\n", argc > 0 ? argv[0] : "make-never-closing");
        return 2;
    }
    conns = number(argv[1]);
    o.limit = number(argv[2]);
    /* every handshake must fit: a capture cut short of them would follow fewer connections */
    if (conns == 0 || conns > MAX_CONNS || o.limit < 24 + conns * (78 + 78 + 70)) {
        fprintf(stderr,
                "make-never-closing: CONNECTIONS must be 1..%u and BYTES at least 24 + 226 per "
                "connection (the handshakes)\n",
                MAX_CONNS);
        return 2;
    }
    snd_nxt[C] = calloc(conns, sizeof(uint32_t));
    snd_nxt[S] = calloc(conns, sizeof(uint32_t));
    if (snd_nxt[C] == NULL || snd_nxt[S] == NULL) {
        fprintf(stderr, "make-never-closing: out of memory\n");
        return 1;
    }
    for (size_t i = 0; i < MSS; i++)
        o.payload[i] = (uint8_t)('a' + i % 26);
    o.payload_sum = csum_add(0, o.payload, MSS);
    o.t_us = (uint64_t)START_SEC * 1000000u;
    o.ip_id[C] = o.ip_id[S] = 1;

    file = strcmp(argv[3], "-") == 0 ? stdout : fopen(argv[3], "wb");
    if (file == NULL) {
        fprintf(stderr, "make-never-closing: cannot create %s: %s\n", argv[3], strerror(errno));
        return 1;
    }
    setvbuf(file, NULL, _IOFBF, 1u << 20);
    p = pcap_open_dead(DLT_EN10MB, 65535);
    if (p == NULL || (o.d = pcap_dump_fopen(p, file)) == NULL) {
        fprintf(stderr, "make-never-closing: cannot write %s: %s\n", argv[3],
                p ? pcap_geterr(p) : "pcap_open_dead failed");
        return 1;
    }
    o.bytes = 24; /* the pcap file header */

    for (uint32_t i = 0; i < conns; i++) {
        /* ISNs spread over the whole sequence space (Knuth's multiplicative hash) */
        uint32_t isn_c = i * 2654435761u, isn_s = ~isn_c;
        segment(&o, i, C, SYN, isn_c, 0, 0);
        segment(&o, i, S, SYN | ACK, isn_s, isn_c + 1, 0);
        segment(&o, i, C, ACK, isn_c + 1, isn_s + 1, 0);
        snd_nxt[C][i] = isn_c + 1;
        snd_nxt[S][i] = isn_s + 1;
    }
    for (uint64_t round = 0;; round++) {
        enum side me = (round % 2 == 0) ? C : S, peer = me == C ? S : C;
        uint32_t i;
        for (i = 0; i < conns; i++) {
            if (segment(&o, i, me, ACK | PSH, snd_nxt[me][i], snd_nxt[peer][i], MSS) != 0)
                break;
            snd_nxt[me][i] += MSS; /* wraps modulo 2^32, as sequence numbers do */
            data++;
        }
        if (i < conns)
            break;
    }

    if (pcap_dump_flush(o.d) != 0) {
        fprintf(stderr, "make-never-closing: error writing %s: %s\n", argv[3], strerror(errno));
        return 1;
    }
    pcap_dump_close(o.d); /* closes file */
    pcap_close(p);
    fprintf(stderr,
            "make-never-closing: wrote %s: %" PRIu64 " connections, %" PRIu64 " packets (%" PRIu64
            " data segments of %u bytes), %" PRIu64 " bytes\n",
            argv[3], conns, o.packets, data, MSS, o.bytes);
    free(snd_nxt[C]);
    free(snd_nxt[S]);
    return 0;
}
