/* loadgen.c - real loopback TCP traffic whose connections close in mixed ways, for tcpclose's
 * benchmark.  Every connection talks to a server in this same process; the server port says how
 * the connection will end, so a capture can be checked against what was meant:
 *
 *   base+0  CLIENT_CLOSE  request/response rounds, the client close()s first (FIN), then the server
 *   base+1  SERVER_CLOSE  the server close()s after its last response, then the client
 *   base+2  HALF_CLOSE    the client shutdown(SHUT_WR)s after its last request; the server then
 *                         still sends data (half-closed data) before it closes
 *   base+3  CLIENT_ABORT  the client closes with SO_LINGER {1, 0}: RST
 *   base+4  SERVER_ABORT  the server closes with SO_LINGER {1, 0}: RST
 *   base+5  UNREAD        the server closes with unread data in its receive queue: RST
 *   base+6  REFUSED       nobody listens there: SYN, RST/ACK
 *
 * Clients bind to 127.0.0.2 .. 127.0.0.254 in turn (IP_BIND_ADDRESS_NO_PORT: the port is chosen at
 * connect time per 4-tuple), so 100,000s of connections neither exhaust ephemeral ports nor
 * collide with TIME_WAIT.  The servers listen on 127.0.0.1 (and ::1 with -6).  All traffic stays
 * on loopback.  The run is bounded by count (-n) and time (-t) and stops by itself.
 *
 * Each connection makes 1 .. MAX_ROUNDS request/response rounds (-r, default 2); with the default
 * mix and -r 2 a connection averages about 10.5 packets, so 100,000 connections make about
 * 1 million packets.  Exit status: 0, or 1 when more than 1% of the connections did not end as
 * meant, 2 on a usage or set-up error.
 *
 * Build: cc -O2 -pthread -o loadgen bench/loadgen.c
 * Usage: loadgen [-n CONNS] [-r MAX_ROUNDS] [-c CLIENT_THREADS] [-s SERVER_THREADS] [-p BASE_PORT]
 *                [-R MAX_CONNS_PER_S] [-t MAX_SECONDS] [-6 PERCENT_IPV6] [-a CLIENT_ADDRS]
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#ifndef IP_BIND_ADDRESS_NO_PORT
#define IP_BIND_ADDRESS_NO_PORT 24
#endif

enum mode { CLIENT_CLOSE, SERVER_CLOSE, HALF_CLOSE, CLIENT_ABORT, SERVER_ABORT, UNREAD, REFUSED, MODES };
static const char *const mode_names[MODES] = {"CLIENT_CLOSE", "SERVER_CLOSE", "HALF_CLOSE", "CLIENT_ABORT",
                                              "SERVER_ABORT", "UNREAD",       "REFUSED"};
/* The mix, in 20ths, interleaved so any prefix of the run has about the same mix. */
static const enum mode mix[20] = {
    CLIENT_CLOSE, SERVER_CLOSE, HALF_CLOSE,   CLIENT_CLOSE, UNREAD,       SERVER_CLOSE, CLIENT_CLOSE,
    REFUSED,      SERVER_CLOSE, CLIENT_ABORT, CLIENT_CLOSE, HALF_CLOSE,   SERVER_CLOSE, CLIENT_CLOSE,
    SERVER_ABORT, UNREAD,       CLIENT_CLOSE, HALF_CLOSE,   SERVER_CLOSE, REFUSED,
};

enum { REQ_LEN = 120, RESP_LEN = 600, JUNK_LEN = 40, HALF_EXTRA = 3, IO_TIMEOUT_S = 5 };

static struct {
    long conns;
    int rounds; /* most request/response rounds of one connection: 1 .. rounds, uniformly */
    int client_threads, server_threads;
    int base_port;
    double rate; /* connections per second, 0: as fast as possible */
    double max_seconds;
    int ipv6_percent;
    int client_addrs; /* 127.0.0.2 .. 127.0.0.(1 + client_addrs) */
} opt = {100000, 2, 4, 8, 20000, 0, 300, 0, 253};

static atomic_long next_conn;
static atomic_int stopping;
static atomic_long done[MODES], unexpected[MODES];
static struct timespec start;
static int listeners[2 * MODES];
static int listener_mode[2 * MODES];
static int listener_count;

static double elapsed(void)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)(now.tv_sec - start.tv_sec) + (double)(now.tv_nsec - start.tv_nsec) / 1e9;
}

static void die(const char *what)
{
    perror(what);
    exit(2);
}

static void tune(int fd)
{
    int one = 1;
    struct timeval tv = {IO_TIMEOUT_S, 0};
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
}

static void abort_close(int fd)
{
    struct linger lg = {1, 0};
    setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
    close(fd);
}

/* Reads exactly len bytes: len, 0 at end of stream, -1 on error. */
static ssize_t recv_all(int fd, char *buf, size_t len)
{
    size_t got = 0;
    while (got < len) {
        ssize_t n = recv(fd, buf + got, len - got, 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return got == 0 ? n : -1;
        got += (size_t)n;
    }
    return (ssize_t)got;
}

static int send_all(int fd, const char *buf, size_t len)
{
    while (len > 0) {
        ssize_t n = send(fd, buf, len, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        buf += n;
        len -= (size_t)n;
    }
    return 0;
}

/* Reads until end of stream or error; true on a clean end of stream. */
static int drain(int fd)
{
    char buf[4096];
    for (;;) {
        ssize_t n = recv(fd, buf, sizeof buf, 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return n == 0;
    }
}

/* ---- server side: the listening port tells the mode ---- */

static int serve(int fd, enum mode mode)
{
    char req[REQ_LEN], resp[RESP_LEN];
    memset(resp, 's', sizeof resp);
    for (;;) {
        ssize_t n = recv_all(fd, req, REQ_LEN);
        if (n == 0) { /* the client's FIN */
            if (mode == HALF_CLOSE) {
                for (int k = 0; k < HALF_EXTRA; k++) /* data after the peer's FIN */
                    if (send_all(fd, resp, RESP_LEN) < 0)
                        break;
            }
            close(fd);
            return mode == CLIENT_CLOSE || mode == HALF_CLOSE;
        }
        if (n < 0) { /* ECONNRESET from the client's abort */
            close(fd);
            return mode == CLIENT_ABORT;
        }
        int last = req[0] == 'L';
        if (last && mode == UNREAD) {
            /* Wait until the client's extra bytes are queued, answer, close: RST. */
            struct pollfd p = {fd, POLLIN, 0};
            int queued = 0;
            if (poll(&p, 1, IO_TIMEOUT_S * 1000) > 0)
                ioctl(fd, FIONREAD, &queued);
            send_all(fd, resp, RESP_LEN);
            close(fd);
            return queued > 0;
        }
        if (send_all(fd, resp, RESP_LEN) < 0) {
            close(fd);
            return 0;
        }
        if (last && mode == SERVER_CLOSE) {
            close(fd);
            return 1;
        }
        if (last && mode == SERVER_ABORT) {
            abort_close(fd);
            return 1;
        }
    }
}

static void *server_thread(void *arg)
{
    (void)arg;
    struct pollfd p[2 * MODES];
    for (int i = 0; i < listener_count; i++)
        p[i] = (struct pollfd){listeners[i], POLLIN, 0};
    while (!atomic_load(&stopping)) {
        if (poll(p, (nfds_t)listener_count, 100) <= 0)
            continue;
        for (int i = 0; i < listener_count; i++) {
            if (!(p[i].revents & POLLIN))
                continue;
            int fd = accept4(listeners[i], NULL, NULL, SOCK_CLOEXEC); /* blocking, unlike the listener */
            if (fd < 0)
                continue; /* another thread took it */
            tune(fd);
            enum mode mode = (enum mode)listener_mode[i];
            if (!serve(fd, mode))
                atomic_fetch_add(&unexpected[mode], 1);
        }
    }
    return NULL;
}

static void listen_on(int family, enum mode mode)
{
    int fd = socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    int one = 1;
    if (fd < 0)
        die("socket");
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_storage ss = {0};
    socklen_t len;
    if (family == AF_INET) {
        struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
        sin->sin_family = AF_INET;
        sin->sin_port = htons((uint16_t)(opt.base_port + mode));
        sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        len = sizeof *sin;
    } else {
        struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
        setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
        sin6->sin6_family = AF_INET6;
        sin6->sin6_port = htons((uint16_t)(opt.base_port + mode));
        sin6->sin6_addr = in6addr_loopback;
        len = sizeof *sin6;
    }
    if (bind(fd, (struct sockaddr *)&ss, len) < 0)
        die("bind (is a port of the range in use?)");
    if (listen(fd, 4096) < 0)
        die("listen");
    listeners[listener_count] = fd;
    listener_mode[listener_count++] = mode;
}

/* ---- client side ---- */

static int client_conn(long i)
{
    enum mode mode = mix[i % 20];
    int rounds = 1 + (int)((i / 20) % opt.rounds); /* 1 .. opt.rounds, for every mode of the mix */
    int v6 = opt.ipv6_percent > 0 && (i * 37) % 100 < opt.ipv6_percent;
    int family = v6 ? AF_INET6 : AF_INET;
    struct sockaddr_storage local = {0}, remote = {0};
    socklen_t len;
    if (!v6) {
        struct sockaddr_in *l = (struct sockaddr_in *)&local, *r = (struct sockaddr_in *)&remote;
        l->sin_family = r->sin_family = AF_INET;
        l->sin_addr.s_addr = htonl(0x7f000002u + (uint32_t)(i % opt.client_addrs));
        r->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        r->sin_port = htons((uint16_t)(opt.base_port + mode));
        len = sizeof *l;
    } else {
        struct sockaddr_in6 *l = (struct sockaddr_in6 *)&local, *r = (struct sockaddr_in6 *)&remote;
        l->sin6_family = r->sin6_family = AF_INET6;
        l->sin6_addr = r->sin6_addr = in6addr_loopback;
        r->sin6_port = htons((uint16_t)(opt.base_port + mode));
        len = sizeof *l;
    }

    int fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return 0;
    int one = 1;
    tune(fd);
    setsockopt(fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof one);
    if (bind(fd, (struct sockaddr *)&local, len) < 0) {
        close(fd);
        return 0;
    }
    if (connect(fd, (struct sockaddr *)&remote, len) < 0) {
        int refused = errno == ECONNREFUSED;
        close(fd);
        return mode == REFUSED && refused;
    }
    if (mode == REFUSED) { /* someone listens on the refused port */
        close(fd);
        return 0;
    }

    char req[REQ_LEN], resp[RESP_LEN], junk[JUNK_LEN];
    memset(req, 'q', sizeof req);
    memset(junk, 'j', sizeof junk);
    for (int r = 0; r < rounds; r++) {
        int last = r == rounds - 1;
        req[0] = last ? 'L' : 'q';
        if (send_all(fd, req, REQ_LEN) < 0)
            goto fail;
        if (last && mode == HALF_CLOSE) {
            shutdown(fd, SHUT_WR);
            int ok = recv_all(fd, resp, RESP_LEN) == RESP_LEN && drain(fd);
            close(fd);
            return ok;
        }
        if (last && mode == UNREAD) {
            send_all(fd, junk, JUNK_LEN); /* the server never reads this */
            recv_all(fd, resp, RESP_LEN); /* may meet the RST instead */
            drain(fd);
            close(fd);
            return 1;
        }
        ssize_t n = recv_all(fd, resp, RESP_LEN);
        if (n != RESP_LEN)
            goto fail;
    }
    switch (mode) {
    case CLIENT_CLOSE:
        close(fd);
        return 1;
    case CLIENT_ABORT:
        abort_close(fd);
        return 1;
    case SERVER_CLOSE: {
        int ok = drain(fd); /* the server's FIN */
        close(fd);
        return ok;
    }
    case SERVER_ABORT:
        drain(fd); /* the server's RST */
        close(fd);
        return 1;
    default:
        break;
    }
fail:
    close(fd);
    return 0;
}

static void *client_thread(void *arg)
{
    (void)arg;
    for (;;) {
        long i = atomic_fetch_add(&next_conn, 1);
        if (i >= opt.conns || elapsed() > opt.max_seconds)
            break;
        if (opt.rate > 0) {
            double due = (double)i / opt.rate, now = elapsed();
            if (due > now) {
                double wait = due - now;
                struct timespec ts = {(time_t)wait, (long)((wait - (double)(time_t)wait) * 1e9)};
                nanosleep(&ts, NULL);
            }
        }
        enum mode mode = mix[i % 20];
        if (client_conn(i))
            atomic_fetch_add(&done[mode], 1);
        else
            atomic_fetch_add(&unexpected[mode], 1);
    }
    return NULL;
}

static void usage(const char *prog)
{
    fprintf(stderr,
            "usage: %s [-n CONNS] [-r MAX_ROUNDS] [-c CLIENT_THREADS] [-s SERVER_THREADS] [-p BASE_PORT]\n"
            "          [-R MAX_CONNS_PER_S] [-t MAX_SECONDS] [-6 PERCENT_IPV6] [-a CLIENT_ADDRS]\n",
            prog);
    exit(2);
}

int main(int argc, char **argv)
{
    int c;
    while ((c = getopt(argc, argv, "n:r:c:s:p:R:t:6:a:h")) != -1) {
        switch (c) {
        case 'n':
            opt.conns = atol(optarg);
            break;
        case 'r':
            opt.rounds = atoi(optarg);
            break;
        case 'c':
            opt.client_threads = atoi(optarg);
            break;
        case 's':
            opt.server_threads = atoi(optarg);
            break;
        case 'p':
            opt.base_port = atoi(optarg);
            break;
        case 'R':
            opt.rate = atof(optarg);
            break;
        case 't':
            opt.max_seconds = atof(optarg);
            break;
        case '6':
            opt.ipv6_percent = atoi(optarg);
            break;
        case 'a':
            opt.client_addrs = atoi(optarg);
            break;
        default:
            usage(argv[0]);
        }
    }
    if (opt.conns < 0 || opt.rounds < 1 || opt.client_threads < 1 || opt.client_threads > 256 ||
        opt.server_threads < 1 || opt.server_threads > 256 || opt.base_port < 1 || opt.base_port + MODES > 65535 ||
        opt.max_seconds <= 0 || opt.ipv6_percent < 0 || opt.ipv6_percent > 100 || opt.client_addrs < 1 ||
        opt.client_addrs > 253)
        usage(argv[0]);
    signal(SIGPIPE, SIG_IGN);

    for (int m = 0; m < MODES; m++) {
        if (m == REFUSED)
            continue;
        listen_on(AF_INET, (enum mode)m);
        if (opt.ipv6_percent > 0)
            listen_on(AF_INET6, (enum mode)m);
    }
    clock_gettime(CLOCK_MONOTONIC, &start);

    pthread_t servers[256], clients[256];
    for (int i = 0; i < opt.server_threads; i++)
        pthread_create(&servers[i], NULL, server_thread, NULL);
    for (int i = 0; i < opt.client_threads; i++)
        pthread_create(&clients[i], NULL, client_thread, NULL);
    for (int i = 0; i < opt.client_threads; i++)
        pthread_join(clients[i], NULL);
    /* Let the servers finish the closes in flight, then stop them. */
    struct timespec settle = {0, 300 * 1000 * 1000};
    nanosleep(&settle, NULL);
    atomic_store(&stopping, 1);
    for (int i = 0; i < opt.server_threads; i++)
        pthread_join(servers[i], NULL);

    double secs = elapsed();
    long total = 0, bad = 0;
    fprintf(stderr, "loadgen: ports %d-%d, %.1f s\n", opt.base_port, opt.base_port + MODES - 1, secs);
    for (int m = 0; m < MODES; m++) {
        long ok = atomic_load(&done[m]), ko = atomic_load(&unexpected[m]);
        fprintf(stderr, "  %-13s port %d  %8ld ok  %6ld unexpected\n", mode_names[m], opt.base_port + m, ok, ko);
        total += ok;
        bad += ko;
    }
    fprintf(stderr, "loadgen: %ld connections as meant, %ld unexpected, %.0f conn/s\n", total, bad,
            (double)total / secs);
    /* A few unexpected ends (a timeout under load) still make a usable capture. */
    return bad * 100 > total + bad ? 1 : 0;
}
