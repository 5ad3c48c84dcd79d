#!/usr/bin/env python3
"""Record real Linux TCP connection closes on loopback, as test captures for tcpclose.

Each scenario opens a TCP connection over loopback with ordinary sockets (client
and server in this process), closes it in one particular way, and records it
with tcpdump into its own file, linux-<scenario>.pcap.  All traffic stays on
127.0.0.1 / ::1.

Run as root (tcpdump needs it), from the repository root:

    sudo python3 test-captures/record-linux.py test-captures/

The argument is the output folder; it defaults to the folder of this script.
Each scenario uses its own port (47001..47010), so no other traffic ends up in
a capture.  Timestamps and initial sequence numbers differ from run to run;
the order of the segments does not, except that in simultaneous-close either
FIN may come first.
"""

import contextlib
import errno
import mmap
import os
import signal
import socket
import struct
import subprocess
import sys
import time

# Pause between the steps of a scenario.  Loopback delivers a segment within
# microseconds, so after this pause every segment of the previous step and the
# kernel's reply to it are on the wire, and the capture shows the steps one
# after another instead of interleaved.  It is longer than Linux's delayed-ACK
# timeout on loopback (40 ms), so a delayed ACK (e.g. of a FIN) goes out on its
# own before the next step instead of riding on the next step's segment.
STEP = 0.1

# Wait after the scenario before stopping tcpdump, so that late segments
# (delayed ACKs, the last ACK of a close) are in the capture.
SETTLE = 0.3

# The simultaneous close depends on timing between two processes; it is
# checked after recording and recorded again if the FINs did not cross.
ATTEMPTS = 5

LOOPBACK = {socket.AF_INET: "127.0.0.1", socket.AF_INET6: "::1"}


class Missed(Exception):
    """The scenario's timing did not work out; the capture must be recorded again."""


@contextlib.contextmanager
def capture(path, port):
    """Record the TCP traffic on loopback to or from `port` into `path`."""
    # --immediate-mode: without it, libpcap hands packets to tcpdump only when
    # a ring buffer block fills or its timeout (1 s) expires, and packets
    # still in the block when tcpdump is interrupted are lost.
    # -Z root: keep the capture files owned by root instead of user tcpdump.
    tcpdump = subprocess.Popen(
        ["tcpdump", "-i", "lo", "--immediate-mode", "-U", "-Z", "root",
         "-w", path, "-s", "0", f"tcp port {port}"],
        stderr=subprocess.PIPE, text=True)
    try:
        # tcpdump prints "listening on lo ..." once the capture is open.
        line = tcpdump.stderr.readline()
        if "listening on" not in line:
            raise RuntimeError(f"tcpdump did not start: {line.strip()}")
        time.sleep(0.1)  # margin for the capture filter to be in place
        yield
        time.sleep(SETTLE)
    finally:
        tcpdump.send_signal(signal.SIGINT)
        tcpdump.communicate()


def pause():
    time.sleep(STEP)


def connect(port, family=socket.AF_INET):
    """Open a connection on loopback; return (client, server) sockets."""
    listener = socket.socket(family, socket.SOCK_STREAM)
    # A previous run may have left this port in TIME_WAIT.
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind((LOOPBACK[family], port))
    listener.listen()
    # The kernel completes the handshake on its own, so connect() returns
    # before accept() is called and one thread is enough.
    client = socket.create_connection((LOOPBACK[family], port))
    server, _ = listener.accept()
    listener.close()
    pause()
    return client, server


def exchange(client, server):
    """Client sends "hello", server replies "world"."""
    client.sendall(b"hello")
    pause()
    assert server.recv(100) == b"hello"
    server.sendall(b"world")
    pause()
    assert client.recv(100) == b"world"
    pause()


def read_to_eof(sock):
    data = b""
    while chunk := sock.recv(4096):
        data += chunk
    return data


def client_close(port, family=socket.AF_INET):
    """The client closes first; the server reads EOF, then closes."""
    client, server = connect(port, family)
    exchange(client, server)
    client.close()
    pause()
    assert server.recv(100) == b""
    server.close()


def client_close_quick(port):
    """The client closes first; the server closes as soon as it reads EOF,
    before its delayed ACK of the client's FIN is due, so its FIN carries that
    ACK: a three-segment close."""
    client, server = connect(port)
    exchange(client, server)
    client.close()
    assert server.recv(100) == b""
    server.close()


def server_close(port):
    """The server closes first; the client reads EOF, then closes."""
    client, server = connect(port)
    exchange(client, server)
    server.close()
    pause()
    assert client.recv(100) == b""
    client.close()


def half_close(port):
    """The client sends a request and shuts down its sending side; the server
    keeps sending the response over the half-closed connection."""
    client, server = connect(port)
    client.sendall(b"GET /file\n")
    client.shutdown(socket.SHUT_WR)
    pause()
    assert read_to_eof(server) == b"GET /file\n"
    for chunk in (b"chunk 1\n", b"chunk 2\n", b"chunk 3\n"):
        server.sendall(chunk)
        pause()
    server.close()
    pause()
    assert read_to_eof(client) == b"chunk 1\nchunk 2\nchunk 3\n"
    client.close()


def linger0_abort(port):
    """SO_LINGER {on, 0}: close() aborts the connection with a RST."""
    client, server = connect(port)
    exchange(client, server)
    client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    client.close()
    pause()
    try:
        server.recv(100)
        raise AssertionError("server saw no reset")
    except ConnectionResetError:
        pass
    server.close()


def unread_data_rst(port):
    """The server closes with received data it has not read: Linux sends a
    RST instead of a FIN (RFC 2525, section 2.17)."""
    client, server = connect(port)
    client.sendall(b"x" * 2000)
    pause()
    assert len(server.recv(10)) == 10
    server.close()
    pause()
    try:
        client.recv(100)
        raise AssertionError("client saw no reset")
    except ConnectionResetError:
        pass
    client.close()


def refused(port):
    """Connect to a port nobody listens on: SYN, answered by RST|ACK."""
    client = socket.socket()
    assert client.connect_ex((LOOPBACK[socket.AF_INET], port)) == errno.ECONNREFUSED
    client.close()


def data_after_close(port):
    """The client close()s; the server still sends data, which the client's
    kernel answers with a RST: the socket is gone, nobody can read it."""
    client, server = connect(port)
    exchange(client, server)
    client.close()
    pause()
    server.sendall(b"late data")
    pause()
    try:
        server.sendall(b"more")
        raise AssertionError("server saw no reset")
    except BrokenPipeError:  # the RST has closed the server's socket
        pass
    server.close()


def ipv6_client_close(port):
    client_close(port, socket.AF_INET6)


def time_wait_ends(port, client_port):
    """How many ends of the connection between `port` and `client_port` are in TIME_WAIT."""
    ports = {port, client_port}
    count = 0
    with open("/proc/net/tcp") as table:
        for line in table.readlines()[1:]:
            local, remote, state = line.split()[1:4]
            ends = {int(local.split(":")[1], 16), int(remote.split(":")[1], 16)}
            count += ends == ports and state == "06"  # 06 = TCP_TIME_WAIT
    return count


def simultaneous_close(port):
    """Both ends call shutdown(SHUT_WR) at the same instant, so the two FINs
    cross: neither FIN acknowledges the other, and both ends go through
    CLOSING into TIME_WAIT."""
    client, server = connect(port)
    exchange(client, server)
    # On loopback a FIN reaches the other end within microseconds, inside the
    # sender's shutdown() call; the FINs cross only if the other end has
    # started its own shutdown() by then.  So the two ends run in two
    # processes (threads would take turns on the GIL), each on its own CPU at
    # real-time priority (so that no other process on the machine delays
    # either one), and meet at a barrier in shared memory.
    cpus = sorted(os.sched_getaffinity(0))
    if len(cpus) < 2:
        raise RuntimeError("simultaneous-close needs two CPUs")
    barrier = mmap.mmap(-1, 1)  # anonymous and shared: the child sees the parent's write
    ready_r, ready_w = os.pipe()
    os.sched_setaffinity(0, {cpus[0]})
    pid = os.fork()
    if pid == 0:
        status = 1
        try:
            client.close()
            os.sched_setaffinity(0, {cpus[1]})
            os.sched_setscheduler(0, os.SCHED_FIFO, os.sched_param(1))
            os.write(ready_w, b"!")
            give_up = time.monotonic() + 1  # do not spin forever if the parent died
            while barrier[0] == 0 and time.monotonic() < give_up:
                pass
            server.shutdown(socket.SHUT_WR)
            pause()
            server.close()
            status = 0
        finally:
            os._exit(status)  # never return into the parent's code
    server.close()  # the child's copy keeps the server's end open
    os.read(ready_r, 1)
    os.sched_setscheduler(0, os.SCHED_FIFO, os.sched_param(1))
    barrier[0] = 1
    client.shutdown(socket.SHUT_WR)
    os.sched_setscheduler(0, os.SCHED_OTHER, os.sched_param(0))
    os.sched_setaffinity(0, cpus)
    os.close(ready_r)
    os.close(ready_w)
    pause()
    client_port = client.getsockname()[1]
    client.close()
    if os.waitpid(pid, 0)[1] != 0:
        raise RuntimeError("the server process failed")
    # In an ordinary close only the end that closed first reaches TIME_WAIT.
    if time_wait_ends(port, client_port) != 2:
        raise Missed("the FINs did not cross")


SCENARIOS = [
    ("client-close", 47001, client_close),
    ("server-close", 47002, server_close),
    ("half-close", 47003, half_close),
    ("linger0-abort", 47004, linger0_abort),
    ("unread-data-rst", 47005, unread_data_rst),
    ("refused", 47006, refused),
    ("data-after-close", 47007, data_after_close),
    ("ipv6-client-close", 47008, ipv6_client_close),
    ("simultaneous-close", 47009, simultaneous_close),
    ("client-close-quick", 47010, client_close_quick),
]


def main():
    outdir = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.abspath(__file__))
    for name, port, scenario in SCENARIOS:
        path = os.path.join(outdir, f"linux-{name}.pcap")
        for attempt in range(1, ATTEMPTS + 1):
            try:
                with capture(path, port):
                    scenario(port)
                break
            except Missed as missed:
                print(f"{name}: {missed}, attempt {attempt} of {ATTEMPTS}", file=sys.stderr)
        else:
            sys.exit(f"{name}: gave up after {ATTEMPTS} attempts")
        print(path)


if __name__ == "__main__":
    main()
