#!/usr/bin/env python3
"""Kernel-conformance lab for tcpclose: real Linux TCP closes, with the kernels' own states.

What it is for
--------------
tcpclose infers both endpoints' RFC 9293 states from a capture alone.  This lab
makes real Linux TCP connections close in many different ways between two
network namespaces on this machine, captures each connection, and at
checkpoints -- moments when no segment is in flight -- asks both kernels for
their socket's state with ss.  Per scenario it writes

    SCENARIO.pcap    the capture (one connection, fewer than 50 packets)
    SCENARIO.truth   the kernels' states at every checkpoint, and the active
                     side and tcpclose expert infos the connection must show

and cmake/check-kernel-truth.sh compares tcpclose's annotations with them.

Regenerate (as root, from the repository root; python3 >= 3.7, iproute2,
tcpdump; ethtool if present):

    sudo python3 test-captures/kernel/lab.py test-captures/kernel
    sudo python3 test-captures/kernel/lab.py test-captures/kernel lost-fin refused   # some only
    python3 test-captures/kernel/lab.py --list

Timestamps and initial sequence numbers differ from run to run; the segments,
their order and the truth do not (a scenario whose timing did not work out is
detected from its capture and recorded again).

Topology
--------
Namespaces tclk-client (veth c0: 10.77.0.1/24, fd77::1/64) and tclk-server
(veth s0: 10.77.0.2/24, fd77::2/64), created and deleted by the lab.  Most
scenarios join c0 and s0 directly as one veth pair.  Scenarios that need loss or
delay put a third namespace, tclk-mid, between them (c0 <-> mc | ms <-> s0), in
which this script runs a small AF_PACKET forwarder that bridges Ethernet frames
and can delay both directions or drop chosen TCP segments (netem, the usual
tool, is not available on the project's machines).  Nothing leaves the machine.
Scenario number N (its place in --list) uses server port 5000+N, client port
40000+N.

Capture point: tcpdump on c0 inside tclk-client, i.e. the client host's own
capture.  It records exactly what the client's kernel sent and received, in the
client's order.  A segment the forwarder drops from the client to the server is
therefore in the capture (sent) but never reached the server; one it drops from
the server is in neither the capture nor the client.  That is the realistic case
of a capture taken at one end with loss in the network, and it is the only
place where "a segment counts as received when it is captured" can be wrong.

Checkpoints
-----------
After a settle pause (longer than the forwarder's delay, so nothing is queued),
the lab counts the packets in the capture (tcpdump -U --immediate-mode writes
each one at once), checks that the forwarder holds nothing, runs
`ss -tanH state all '( sport = :P or dport = :P )'` in both namespaces, then
counts again.  Only if nothing was captured and nothing was queued meanwhile is
the sample taken; the kernels' states then are their states after the last
captured frame.  LISTEN sockets are ignored; no socket at all is CLOSED.  ss
names map to RFC 9293 names (ESTAB -> ESTABLISHED, FIN-WAIT-1 -> FIN_WAIT_1,
SYN-RECV -> SYN_RECEIVED, ...).  No checkpoint is taken inside a handshake.

A checkpoint is `undecidable: REASON` when no capture at this point can know the
kernels' states: a segment was lost beyond the capture point (the capture shows
it sent, the peer never got it), or a state changed with nothing on the wire (a
close() whose FIN is stuck behind a zero window; Linux's FIN_WAIT_2 timeout,
orphan-retry and TCP_USER_TIMEOUT give-ups, which send nothing).  Such
checkpoints are listed by the checker, not compared.

Truth file format (tab separated; '#' lines are comments)
-----------------------------------------------------------
    checkpoint<TAB>last_frame<TAB>client<TAB>server<TAB>status      (header line)
    NAME<TAB>N<TAB>CLIENT_STATE<TAB>SERVER_STATE<TAB>settled
    NAME<TAB>N<TAB>CLIENT_STATE<TAB>SERVER_STATE<TAB>undecidable: REASON
    @active_side<TAB>CLIENT|SERVER|BOTH[<TAB>undecidable: REASON]
    @experts<TAB>NAME,NAME,...   (or -)
    @idle_timer<TAB>CLIENT|SERVER<TAB>SECONDS   (none, one or more)

N is the number of the last frame captured before the sample (frames count from
1).  States are the kernels' RFC 9293 states.  @active_side is who began the
close: the side whose application closed or aborted first, BOTH when each side
closed before anything of the other side's close had reached it; it is
undecidable when nothing on the wire shows that the connection closed.  @experts is
the exact set of these tcpclose expert infos that must appear somewhere in the
connection (on its second pass): fin_unacked fin_unanswered ignored_after_rst
rst_refused rst_after_fin data_after_fin fin_retransmission simultaneous_close
closed_gracefully crossed_fin (others tcpclose may have are not checked).  @idle_timer
is an idle timer a scenario's endpoint ran (tcpclose must infer it within 2 %, and
no timer where there is none).  A scenario may hold several connections one after
the other (connections=N): its checkpoints then sample the one on the current
client port.  Comments below
the table record what Linux did, the raw ss lines, and the capture, decoded.
"""

import errno
import heapq
import itertools
import json
import os
import select
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time

SCRIPT = os.path.abspath(__file__)

NS_CLIENT, NS_SERVER, NS_MID = "tclk-client", "tclk-server", "tclk-mid"
ADDR = {4: ("10.77.0.1", "10.77.0.2"), 6: ("fd77::1", "fd77::2")}
PREFIX = {4: ("10.77.0.0/24", 24), 6: ("fd77::/64", 64)}

SETTLE = 0.3           # pause before a checkpoint: > Linux's 40 ms delayed ACK, > forwarder delay
FORWARD_DELAY = 0.05   # one-way delay of the forwarder where a scenario asks for one
ATTEMPTS = 3           # a scenario whose timing did not work out is recorded again
MAX_PACKETS = 50

CHECKED_EXPERTS = ("fin_unacked fin_unanswered ignored_after_rst rst_refused rst_after_fin "
                   "data_after_fin fin_retransmission simultaneous_close closed_gracefully crossed_fin").split()

SS_STATES = {
    "ESTAB": "ESTABLISHED", "SYN-SENT": "SYN_SENT", "SYN-RECV": "SYN_RECEIVED",
    "FIN-WAIT-1": "FIN_WAIT_1", "FIN-WAIT-2": "FIN_WAIT_2", "CLOSING": "CLOSING",
    "TIME-WAIT": "TIME_WAIT", "CLOSE-WAIT": "CLOSE_WAIT", "LAST-ACK": "LAST_ACK",
    "UNCONN": "CLOSED", "CLOSE": "CLOSED",
}

FIN, SYN, RST, PSH, ACK = 0x01, 0x02, 0x04, 0x08, 0x10


class LabError(Exception):
    """Something is wrong with the lab itself: stop."""


class Missed(Exception):
    """The scenario's timing did not work out; record it again."""


# --------------------------------------------------------------------------- packets

def checksum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def locate_tcp(frame):
    """(src, dst, tcp_offset, end, pseudo_header) of a TCP-in-IP Ethernet frame, else None."""
    if len(frame) < 14:
        return None
    ethertype = struct.unpack_from("!H", frame, 12)[0]
    if ethertype == 0x0800 and len(frame) >= 34:
        ihl = (frame[14] & 0x0F) * 4
        if frame[23] != 6:
            return None
        total = struct.unpack_from("!H", frame, 16)[0]
        src, dst = frame[26:30], frame[30:34]
        off, end = 14 + ihl, min(14 + total, len(frame))
        return src, dst, off, end, src + dst + struct.pack("!BBH", 0, 6, end - off)
    if ethertype == 0x86DD and len(frame) >= 54:
        if frame[20] != 6:  # no extension headers here
            return None
        plen = struct.unpack_from("!H", frame, 18)[0]
        src, dst = frame[22:38], frame[38:54]
        off, end = 54, min(54 + plen, len(frame))
        return src, dst, off, end, src + dst + struct.pack("!I3xB", end - off, 6)
    return None


def tcp_fields(frame, where):
    src, dst, off, end, _ = where
    sport, dport, seq, ack = struct.unpack_from("!HHII", frame, off)
    doff = (frame[off + 12] >> 4) * 4
    return {"src": src, "dst": dst, "sport": sport, "dport": dport, "seq": seq, "ack": ack,
            "flags": frame[off + 13], "len": end - off - doff, "win": struct.unpack_from("!H", frame, off + 14)[0]}


def flag_names(flags):
    names = [n for bit, n in ((SYN, "SYN"), (FIN, "FIN"), (RST, "RST"), (PSH, "PSH"), (ACK, "ACK")) if flags & bit]
    return "+".join(names) or "none"


def read_pcap(path):
    """[(time, frame)] of the complete records in a pcap file (it may be being written)."""
    try:
        with open(path, "rb") as f:
            data = f.read()
    except FileNotFoundError:
        return []
    if len(data) < 24:
        return []
    magic = data[:4]
    endian = "<" if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1") else ">"
    scale = 1e-9 if magic in (b"\x4d\x3c\xb2\xa1", b"\xa1\xb2\x3c\x4d") else 1e-6
    records, off = [], 24
    while off + 16 <= len(data):
        secs, frac, incl, _ = struct.unpack_from(endian + "IIII", data, off)
        if off + 16 + incl > len(data):
            break
        records.append((secs + frac * scale, data[off + 16:off + 16 + incl]))
        off += 16 + incl
    return records


def decode_capture(path, client_addr):
    """The capture's TCP segments, numbered from 1, with the sender's role."""
    client = socket.inet_pton(socket.AF_INET6 if ":" in client_addr else socket.AF_INET, client_addr)
    segs = []
    for number, (ts, frame) in enumerate(read_pcap(path), 1):
        where = locate_tcp(frame)
        if where is None:
            raise LabError("frame %d of %s is not TCP" % (number, path))
        s = tcp_fields(frame, where)
        s.update(frame=number, time=ts, sender="client" if s["src"] == client else "server")
        segs.append(s)
    return segs


def fin_end(seg):
    """The sequence number just after a FIN segment's FIN."""
    return (seg["seq"] + (1 if seg["flags"] & SYN else 0) + seg["len"] + 1) & 0xFFFFFFFF


def acks(seg, value):
    """True when seg carries an ACK at or beyond value (mod 2^32)."""
    return bool(seg["flags"] & ACK) and ((seg["ack"] - value) & 0xFFFFFFFF) < 0x80000000


def other(role):
    return "server" if role == "client" else "client"


# --------------------------------------------------------------------------- agents (inside a namespace)

def agent_main():
    """Socket agent: runs inside a namespace, executes one JSON command per line."""
    socks = {}

    def fam(c):
        return socket.AF_INET6 if c.get("family") == 6 else socket.AF_INET

    def op_listen(c):
        s = socket.socket(fam(c), socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if c.get("rcvbuf"):
            s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, c["rcvbuf"])
        s.bind((c["addr"], c["port"]))
        s.listen(8)
        socks[c["name"]] = s

    def op_connect(c):
        s = socket.socket(fam(c), socket.SOCK_STREAM)
        socks[c["name"]] = s
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if c.get("sndbuf"):
            s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, c["sndbuf"])
        s.bind((c["bind_addr"], c["bind_port"]))
        s.settimeout(5)
        s.connect((c["addr"], c["port"]))
        s.settimeout(None)

    def op_accept(c):
        listener = socks[c["listener"]]
        listener.settimeout(5)
        s, _ = listener.accept()
        s.settimeout(None)
        socks[c["name"]] = s

    def op_send(c):
        socks[c["name"]].sendall(b"x" * c["n"])
        return c["n"]

    def op_fill(c):
        s, total = socks[c["name"]], 0
        s.setblocking(False)
        try:
            while True:
                total += s.send(b"y" * 1000)
        except BlockingIOError:
            pass
        s.setblocking(True)
        return total

    def op_recv(c):
        """Reads what is there (until_eof: until EOF or timeout); returns bytes and EOF."""
        s, total, eof = socks[c["name"]], 0, False
        deadline = time.monotonic() + c.get("timeout", 0.05)
        while True:
            wait = max(0.0, deadline - time.monotonic())
            if not select.select([s], [], [], wait)[0]:
                break
            data = s.recv(65536)
            if not data:
                eof = True
                break
            total += len(data)
        return {"bytes": total, "eof": eof}

    def op_eof_then_close(c):
        """Blocks until the peer's FIN, then closes at once (before a delayed ACK can go out)."""
        s = socks.pop(c["name"])
        s.settimeout(5)
        total = 0
        while True:
            data = s.recv(65536)
            if not data:
                break
            total += len(data)
        s.close()
        return total

    def op_idle_close(c):
        """A server's idle timer: close()s once nothing has arrived for c["idle"] seconds."""
        s = socks[c["name"]]
        while select.select([s], [], [], c["idle"])[0]:
            if not s.recv(65536):
                break
        socks.pop(c["name"]).close()

    def op_shutdown(c):
        how = {"wr": socket.SHUT_WR, "rd": socket.SHUT_RD, "rdwr": socket.SHUT_RDWR}[c["how"]]
        socks[c["name"]].shutdown(how)

    def op_close(c):
        socks.pop(c["name"]).close()

    def op_abort(c):
        s = socks.pop(c["name"])
        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        s.close()

    def op_cork(c):
        socks[c["name"]].setsockopt(socket.IPPROTO_TCP, socket.TCP_CORK, 1)

    def op_keepalive(c):
        s = socks[c["name"]]
        s.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPIDLE, c["idle"])
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPINTVL, c["interval"])
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPCNT, c["count"])

    def op_user_timeout(c):
        socks[c["name"]].setsockopt(socket.IPPROTO_TCP, socket.TCP_USER_TIMEOUT, c["ms"])

    def op_quit(c):
        return None

    ops = {name[3:]: fn for name, fn in locals().items() if name.startswith("op_")}
    print(json.dumps({"ok": True, "result": "ready"}), flush=True)
    for line in sys.stdin:
        c = json.loads(line)
        try:
            reply = {"ok": True, "result": ops[c["op"]](c)}
        except OSError as e:
            name = errno.errorcode.get(e.errno, type(e).__name__) if e.errno else type(e).__name__
            reply = {"ok": False, "errno": name, "error": str(e)}
        print(json.dumps(reply), flush=True)
        if c["op"] == "quit":
            break


class Agent:
    """The lab's handle on an agent process in a namespace."""

    def __init__(self, ns, role):
        self.role = role
        self.proc = subprocess.Popen(["ip", "netns", "exec", ns, sys.executable, SCRIPT, "--agent"],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, bufsize=1)
        self.reply()

    def post(self, op, **kw):
        kw["op"] = op
        self.proc.stdin.write(json.dumps(kw) + "\n")
        self.proc.stdin.flush()

    def reply(self, may_fail=False, what="?"):
        line = self.proc.stdout.readline()
        if not line:
            raise LabError("%s agent died" % self.role)
        r = json.loads(line)
        if not r["ok"] and not may_fail:
            raise LabError("%s agent: %s failed: %s" % (self.role, what, r.get("error")))
        return r

    def __call__(self, op, may_fail=False, **kw):
        self.post(op, **kw)
        return self.reply(may_fail, op)

    def stop(self):
        try:
            self.post("quit")
            self.proc.wait(timeout=3)
        except Exception:
            self.proc.kill()
            self.proc.wait()


def both(first, second):
    """Sends two agents their commands back to back, then waits for both replies."""
    (a, op_a, kw_a), (b, op_b, kw_b) = first, second
    a.post(op_a, **kw_a)
    b.post(op_b, **kw_b)
    return a.reply(what=op_a), b.reply(what=op_b)


# --------------------------------------------------------------------------- forwarder (inside tclk-mid)

def forwarder_main(if_c, if_s):
    """Bridges Ethernet frames between if_c and if_s, with optional delay and drop rules.

    Control: one JSON object per line on stdin, one reply per line on stdout.
      {"op": "delay", "c2s": SECONDS, "s2c": SECONDS}
      {"op": "rule", "dir": "c2s"|"s2c", "flags": "FA", "noflags": "P", "payload": bool,
       "after": "s2c:R" (only once a segment with these flags went that way), "skip": K,
       "count": N (-1: all)}   lets K matching TCP segments pass, then drops N
      {"op": "idle_rst", "after": SECONDS}  plays a middlebox's idle timer: once no TCP segment
                                            has passed for SECONDS, it sends each side an RST+ACK
                                            as if from the other, at that side's RCV.NXT, and
                                            forwards nothing of the flow any more (IPv4)
      {"op": "stats"}  -> {"queued": n, "forwarded": n, "dropped": [description, ...]}
      {"op": "quit"}
    TCP checksums are recomputed on the way (the veths may leave them to offload).
    """
    eth_p_all, packet_outgoing = 0x0003, 4
    letters = {"F": FIN, "S": SYN, "R": RST, "P": PSH, "A": ACK}
    socks = {}
    for d, name in (("c2s", if_c), ("s2c", if_s)):
        s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(eth_p_all))
        s.bind((name, 0))
        socks[d] = s
    out = {"c2s": socks["s2c"], "s2c": socks["c2s"]}
    by_fd = {s.fileno(): d for d, s in socks.items()}
    delay = {"c2s": 0.0, "s2c": 0.0}
    rules, queue, dropped, order = [], [], [], itertools.count()
    seen = {"c2s": 0, "s2c": 0}  # flags seen so far in each direction
    forwarded = 0
    stdin_buf = b""
    last = {}              # direction -> (frame, where, fields) of its last TCP segment
    last_tcp_time = [time.monotonic()]
    idle_rst = {"after": None, "fired": False}

    def forged_rst(d):
        """An RST+ACK to the receiver of direction d, as if from its sender: seq at the sender's
        next sequence number, ack at the receiver's, no options, no payload."""
        frame, where, f = last[d]
        rev = "s2c" if d == "c2s" else "c2s"
        rf = last[rev][2]
        src, dst, off, end, _ = where
        seq = (f["seq"] + f["len"] + (1 if f["flags"] & (SYN | FIN) else 0)) & 0xFFFFFFFF
        ack = (rf["seq"] + rf["len"] + (1 if rf["flags"] & (SYN | FIN) else 0)) & 0xFFFFFFFF
        ip = bytearray(frame[14:off])
        struct.pack_into("!H", ip, 2, len(ip) + 20)
        ip[10:12] = b"\0\0"
        ip[10:12] = struct.pack("!H", checksum(bytes(ip)))
        tcp = bytearray(struct.pack("!HHIIBBHHH", f["sport"], f["dport"], seq, ack, 5 << 4, RST | ACK, 0, 0, 0))
        tcp[16:18] = struct.pack("!H", checksum(src + dst + struct.pack("!BBH", 0, 6, 20) + bytes(tcp)))
        return frame[:14] + bytes(ip) + bytes(tcp)

    def bits(text):
        v = 0
        for ch in text:
            v |= letters[ch]
        return v

    def matches(rule, d, t):
        if rule["dir"] != d or (rule["count"] != -1 and rule["hits"] >= rule.get("skip", 0) + rule["count"]):
            return False
        if t["flags"] & bits(rule.get("flags", "")) != bits(rule.get("flags", "")):
            return False
        if t["flags"] & bits(rule.get("noflags", "")):
            return False
        if "payload" in rule and (t["len"] > 0) != rule["payload"]:
            return False
        if rule.get("after"):
            way, flags = rule["after"].split(":")
            if seen[way] & bits(flags) != bits(flags):
                return False
        return True

    def control(c):
        if c["op"] == "delay":
            delay.update({k: float(c[k]) for k in ("c2s", "s2c") if k in c})
        elif c["op"] == "rule":
            c["hits"] = 0
            rules.append(c)
        elif c["op"] == "idle_rst":
            idle_rst["after"] = float(c["after"])
        elif c["op"] == "stats":
            return {"queued": len(queue), "forwarded": forwarded, "dropped": dropped}
        return None

    print(json.dumps({"ok": True, "result": "ready"}), flush=True)
    while True:
        timeout = max(0.0, queue[0][0] - time.monotonic()) if queue else None
        if idle_rst["after"] is not None and not idle_rst["fired"]:
            until_cut = max(0.0, last_tcp_time[0] + idle_rst["after"] - time.monotonic())
            timeout = until_cut if timeout is None else min(timeout, until_cut)
        readable = select.select(list(socks.values()) + [sys.stdin.fileno()], [], [], timeout)[0]
        for r in readable:
            if r == sys.stdin.fileno():
                chunk = os.read(r, 65536)
                if not chunk:
                    return
                stdin_buf += chunk
                while b"\n" in stdin_buf:
                    line, stdin_buf = stdin_buf.split(b"\n", 1)
                    c = json.loads(line)
                    print(json.dumps({"ok": True, "result": control(c)}), flush=True)
                    if c["op"] == "quit":
                        return
                continue
            d = by_fd[r.fileno()]
            frame, addr = r.recvfrom(65535)
            if addr[2] == packet_outgoing:
                continue
            where = locate_tcp(frame)
            if where is not None:
                src, dst, off, end, pseudo = where
                seg = bytearray(frame[off:end])
                seg[16:18] = b"\0\0"
                seg[16:18] = struct.pack("!H", checksum(pseudo + bytes(seg)))
                frame = frame[:off] + bytes(seg)
                t = tcp_fields(frame, where)
                drop = False
                for rule in rules:
                    if matches(rule, d, t):
                        rule["hits"] += 1
                        drop = rule["hits"] > rule.get("skip", 0)
                        break
                seen[d] |= t["flags"]
                if idle_rst["fired"]:
                    drop = True  # the middlebox forgot the flow: nothing of it passes
                if drop:
                    dropped.append("%s %s seq=%d ack=%d len=%d" % (d, flag_names(t["flags"]), t["seq"], t["ack"], t["len"]))
                    continue
            if where is not None:
                last[d] = (frame, where, t)
                last_tcp_time[0] = time.monotonic()
            heapq.heappush(queue, (time.monotonic() + delay[d], next(order), d, frame))
        now = time.monotonic()
        if (idle_rst["after"] is not None and not idle_rst["fired"] and not queue and "c2s" in last and "s2c" in last
                and now - last_tcp_time[0] >= idle_rst["after"]):
            idle_rst["fired"] = True
            for d in ("s2c", "c2s"):  # the client first, so that the capture shows its RST
                try:
                    out[d].send(forged_rst(d))
                except OSError as e:
                    dropped.append("%s forged RST send failed: %s" % (d, e))
        while queue and queue[0][0] <= now:
            _, _, d, frame = heapq.heappop(queue)
            try:
                out[d].send(frame)
                forwarded += 1
            except OSError as e:
                dropped.append("%s send failed: %s" % (d, e))


class Forwarder(Agent):
    def __init__(self):
        self.role = "forwarder"
        self.proc = subprocess.Popen(["ip", "netns", "exec", NS_MID, sys.executable, SCRIPT, "--forwarder", "mc", "ms"],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, bufsize=1)
        self.reply()

    def stats(self):
        return self("stats")["result"]


# --------------------------------------------------------------------------- the lab

def run(*args, check=True):
    r = subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if check and r.returncode != 0:
        raise LabError("%s: %s" % (" ".join(args), r.stderr.strip()))
    return r.stdout


def delete_namespaces():
    existing = run("ip", "netns", "list").split()
    for ns in (NS_CLIENT, NS_SERVER, NS_MID):
        if ns in existing:
            run("ip", "netns", "del", ns)


class Lab:
    """One recording of one scenario: namespaces, capture, agents, checkpoints."""

    def __init__(self, scenario, index, workdir):
        self.sc = scenario
        self.family = scenario.get("family", 4)
        self.caddr, self.saddr = ADDR[self.family]
        self.sport = 5000 + index
        self.cport = 40000 + index
        self.forwarded = scenario.get("forwarder", False)
        self.pcap = os.path.join(workdir, scenario["name"] + ".pcap")
        self.checkpoints = []
        self.notes = []
        self.idle_timers = []  # (role, seconds): the idle timers tcpclose must infer
        self.procs = []
        self.fwd = None
        self.tcpdump = None

    # -- setup and teardown
    def setup(self):
        delete_namespaces()
        for ns in (NS_CLIENT, NS_SERVER):
            run("ip", "netns", "add", ns)
        if self.forwarded:
            run("ip", "netns", "add", NS_MID)
            run("ip", "netns", "exec", NS_MID, "sysctl", "-qw", "net.ipv6.conf.all.disable_ipv6=1",
                "net.ipv6.conf.default.disable_ipv6=1")
            run("ip", "-n", NS_CLIENT, "link", "add", "c0", "type", "veth", "peer", "name", "mc", "netns", NS_MID)
            run("ip", "-n", NS_SERVER, "link", "add", "s0", "type", "veth", "peer", "name", "ms", "netns", NS_MID)
            for dev in ("mc", "ms"):
                run("ip", "-n", NS_MID, "link", "set", dev, "up", "promisc", "on")
        else:
            run("ip", "-n", NS_CLIENT, "link", "add", "c0", "type", "veth", "peer", "name", "s0", "netns", NS_SERVER)
        ethtool = shutil.which("ethtool")
        for ns, dev, i, role in ((NS_CLIENT, "c0", 0, "client"), (NS_SERVER, "s0", 1, "server")):
            run("ip", "-n", ns, "link", "set", "lo", "up")
            run("ip", "-n", ns, "addr", "add", "%s/24" % ADDR[4][i], "dev", dev)
            run("ip", "-n", ns, "addr", "add", "%s/64" % ADDR[6][i], "dev", dev, "nodad")
            run("ip", "-n", ns, "link", "set", dev, "up")
            if ethtool:  # real checksums in the capture, no segmentation offload
                run("ip", "netns", "exec", ns, ethtool, "-K", dev, "tx", "off", check=False)
            for key, value in self.sc.get("sysctl", {}).get(role, {}).items():
                run("ip", "netns", "exec", ns, "sysctl", "-qw", "%s=%s" % (key, value))
            rto = self.sc.get("rto_min", {}).get(role)
            if rto:  # a longer retransmission timeout leaves time to sample before it fires
                run("ip", "-n", ns, "route", "replace", PREFIX[4][0], "dev", dev, "proto", "kernel", "scope", "link",
                    "src", ADDR[4][i], "rto_min", rto)
                run("ip", "-n", ns, "-6", "route", "replace", PREFIX[6][0], "dev", dev, "proto", "kernel",
                    "metric", "256", "rto_min", rto)
        if self.forwarded:
            self.fwd = Forwarder()
            self.procs.append(self.fwd)
            if self.sc.get("delay"):
                self.fwd("delay", c2s=self.sc["delay"], s2c=self.sc["delay"])
        # -s 1600 -B 4096: in immediate mode libpcap's ring has one slot per snapshot length, and
        # with the default 262144 a burst of small segments overflowed it ("dropped by kernel").
        self.tcpdump = subprocess.Popen(
            ["ip", "netns", "exec", NS_CLIENT, "tcpdump", "-i", "c0", "-n", "-U", "--immediate-mode", "-s", "1600",
             "-B", "4096", "-Z", "root", "-w", self.pcap, "tcp port %d" % self.sport],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        for _ in range(5):
            line = self.tcpdump.stderr.readline()
            if "listening on" in line or not line:
                break
        if "listening on" not in line:
            raise LabError("tcpdump did not start: " + line)
        self.c = Agent(NS_CLIENT, "client")
        self.s = Agent(NS_SERVER, "server")
        self.procs += [self.c, self.s]

    def stop_capture(self):
        if self.tcpdump and self.tcpdump.poll() is None:
            time.sleep(0.2)
            self.tcpdump.send_signal(signal.SIGINT)
            self.tcpdump.wait(timeout=5)
            tail = self.tcpdump.stderr.read()
            dropped = [line for line in tail.splitlines() if "dropped" in line and not line.startswith("0 ")]
            if dropped:
                raise LabError("tcpdump lost packets: %s" % "; ".join(dropped))

    def teardown(self):
        for p in self.procs:
            p.stop()
        if self.tcpdump and self.tcpdump.poll() is None:
            self.tcpdump.kill()
            self.tcpdump.wait()
        delete_namespaces()

    # -- building blocks
    def listen(self, **kw):
        self.s("listen", name="L", family=self.family, addr=self.saddr, port=self.sport, **kw)

    def connect(self, may_fail=False, cport=None, **kw):
        return self.c("connect", may_fail=may_fail, name="c", family=self.family, addr=self.saddr, port=self.sport,
                      bind_addr=self.caddr, bind_port=cport or self.cport, **kw)

    def open(self, request=100, response=200, sndbuf=None, **listen_kw):
        """Handshake, one request and one response."""
        self.listen(**listen_kw)
        self.connect(**({"sndbuf": sndbuf} if sndbuf else {}))
        self.s("accept", name="s", listener="L")
        if request:
            self.c("send", name="c", n=request)
            self.s("recv", name="s", timeout=0.2)
        if response:
            self.s("send", name="s", n=response)
            self.c("recv", name="c", timeout=0.2)

    def frames(self):
        return len(read_pcap(self.pcap))

    def sockets(self, ns):
        # A scenario of several connections samples the one on client port self.cport.
        port, other_port = (self.cport, self.cport) if self.sc.get("connections") else (self.sport, self.sport)
        out = run("ip", "netns", "exec", ns, "ss", "-tanH", "state", "all",
                  "( sport = :%d or dport = :%d )" % (port, other_port))
        rows = [line.split() for line in out.splitlines() if line.strip()]
        rows = [r for r in rows if r[0] != "LISTEN"]
        if len(rows) > 1:
            raise LabError("%s: several sockets match: %s" % (ns, out))
        if not rows:
            return "CLOSED", "(no socket)"
        if rows[0][0] not in SS_STATES:
            raise LabError("unknown ss state %r" % rows[0][0])
        return SS_STATES[rows[0][0]], " ".join(rows[0])

    def queued(self):
        return self.fwd.stats()["queued"] if self.fwd else 0

    def checkpoint(self, name, settle=SETTLE, undecidable=None):
        """Samples both kernels' states once nothing is in flight (see the module text)."""
        time.sleep(settle)
        for _ in range(10):
            before, q1 = self.frames(), self.queued()
            client, client_raw = self.sockets(NS_CLIENT)
            server, server_raw = self.sockets(NS_SERVER)
            time.sleep(0.02)
            after, q2 = self.frames(), self.queued()
            if before == after and q1 == 0 and q2 == 0:
                break
            time.sleep(0.05)
        else:
            raise Missed("checkpoint %s: segments kept flowing" % name)
        if before == 0:
            raise LabError("checkpoint %s before any packet" % name)
        status = "undecidable: " + undecidable if undecidable else "settled"
        self.checkpoints.append((name, before, client, server, status, client_raw, server_raw))
        return client, server

    def expect_states(self, client, server):
        """Guards the scenario's script: the last checkpoint must show these kernel states."""
        got = self.checkpoints[-1][2:4]
        if got != (client, server):
            raise Missed("checkpoint %s: kernel states %s, expected %s by the script" %
                         (self.checkpoints[-1][0], got, (client, server)))

    def dropped(self, n):
        d = self.fwd.stats()["dropped"]
        if len(d) != n:
            raise Missed("forwarder dropped %d segments, expected %d: %s" % (len(d), n, d))
        for line in d:
            self.notes.append("forwarder dropped (c2s: beyond the capture point, s2c: before it; absolute seq/ack): "
                              + line)
        return d


# --------------------------------------------------------------------------- scenarios
#
# Each returns (active_side, experts) -- what the connection must show -- and may add notes.
# Checkpoint names say what has just happened.  Expected kernel states in expect_states()
# only guard the script (a surprise stops the recording); the truth is what ss said.

def sc_client_close(l):
    l.open()
    l.checkpoint("established")
    l.c("close", name="c")
    l.checkpoint("client-closed")
    l.expect_states("FIN_WAIT_2", "CLOSE_WAIT")
    l.s("recv", name="s")
    l.s("close", name="s")
    l.checkpoint("server-closed")
    l.expect_states("TIME_WAIT", "CLOSED")
    return "CLIENT", ["closed_gracefully"]


def sc_server_close(l):
    l.open()
    l.checkpoint("established")
    l.s("close", name="s")
    l.checkpoint("server-closed")
    l.expect_states("CLOSE_WAIT", "FIN_WAIT_2")
    l.c("recv", name="c")
    l.c("close", name="c")
    l.checkpoint("client-closed")
    l.expect_states("CLOSED", "TIME_WAIT")
    return "SERVER", ["closed_gracefully"]


def sc_half_close_data(l):
    l.open()
    l.checkpoint("established")
    l.c("shutdown", name="c", how="wr")
    l.checkpoint("client-shut-wr")
    l.s("recv", name="s")
    l.s("send", name="s", n=300)
    l.checkpoint("server-data-1")
    l.c("recv", name="c")
    l.s("send", name="s", n=400)
    l.checkpoint("server-data-2")
    l.expect_states("FIN_WAIT_2", "CLOSE_WAIT")
    l.s("close", name="s")
    l.checkpoint("server-closed")
    l.expect_states("TIME_WAIT", "CLOSED")
    l.c("recv", name="c")
    l.c("close", name="c")
    return "CLIENT", ["closed_gracefully"]


def sc_three_segment_close(l):
    l.open()
    l.checkpoint("established")
    l.s.post("eof_then_close", name="s")  # blocks in recv until the FIN comes
    l.c("close", name="c")
    l.s.reply(what="eof_then_close")
    l.checkpoint("closed")
    l.expect_states("TIME_WAIT", "CLOSED")

    def check(segs):
        fin = next(s for s in segs if s["flags"] & FIN)
        after = [s for s in segs if s["frame"] > fin["frame"] and s["sender"] == "server"]
        if not after or not after[0]["flags"] & FIN or not acks(after[0], fin_end(fin)):
            raise Missed("the server's FIN did not carry the ACK of the client's FIN")
    return "CLIENT", ["closed_gracefully"], check


def sc_fin_with_data(l):
    l.open()
    l.checkpoint("established")
    l.c("cork", name="c")
    l.c("send", name="c", n=100)
    l.c("close", name="c")  # the FIN goes out on the corked data segment
    l.checkpoint("client-closed")
    l.expect_states("FIN_WAIT_2", "CLOSE_WAIT")
    l.s("recv", name="s")
    l.s("close", name="s")
    l.checkpoint("server-closed")

    def check(segs):
        fin = next(s for s in segs if s["flags"] & FIN)
        if fin["len"] == 0:
            raise Missed("the client's FIN carried no data")
    return "CLIENT", ["closed_gracefully"], check


def crossing(segs):
    fins = {}
    for s in segs:
        if s["flags"] & FIN:
            fins.setdefault(s["sender"], s)
    if len(fins) != 2:
        raise Missed("not two FINs")
    for role, s in fins.items():
        if acks(s, fin_end(fins[other(role)])):
            raise Missed("the %s's FIN acknowledged the other FIN: they did not cross" % role)


def sc_simultaneous_close(l):
    l.open()
    l.checkpoint("established")
    both((l.c, "close", {"name": "c"}), (l.s, "close", {"name": "s"}))
    l.checkpoint("both-closed", settle=0.5)
    l.expect_states("TIME_WAIT", "TIME_WAIT")
    return "BOTH", ["simultaneous_close", "closed_gracefully"], crossing


def sc_simultaneous_shutdown(l):
    l.open()
    l.checkpoint("established")
    both((l.c, "shutdown", {"name": "c", "how": "wr"}), (l.s, "shutdown", {"name": "s", "how": "wr"}))
    l.checkpoint("both-shut-wr", settle=0.5)
    l.expect_states("TIME_WAIT", "TIME_WAIT")
    return "BOTH", ["simultaneous_close", "closed_gracefully"], crossing


def sc_lost_fin(l):
    l.open()
    l.checkpoint("established")
    l.fwd("rule", dir="c2s", flags="F", count=1)
    l.c("close", name="c")
    l.checkpoint("fin-lost", undecidable="the client's FIN (the last frame) was dropped beyond the capture point; "
                 "the capture shows it sent and cannot show that the server never received it")
    l.expect_states("FIN_WAIT_1", "ESTABLISHED")
    l.checkpoint("fin-retransmitted", settle=1.2)
    l.expect_states("FIN_WAIT_2", "CLOSE_WAIT")
    l.dropped(1)
    l.s("close", name="s")
    l.checkpoint("server-closed")
    l.expect_states("TIME_WAIT", "CLOSED")
    return "CLIENT", ["fin_retransmission", "closed_gracefully"]


def sc_lost_fin_ack(l):
    l.open()
    l.checkpoint("established")
    l.fwd("rule", dir="s2c", flags="A", noflags="FSR", payload=False, after="c2s:F", count=1)
    l.c("close", name="c")
    l.checkpoint("fin-ack-lost")
    l.expect_states("FIN_WAIT_1", "CLOSE_WAIT")
    l.checkpoint("fin-retransmitted", settle=1.2)
    l.expect_states("FIN_WAIT_2", "CLOSE_WAIT")
    l.dropped(1)
    l.s("close", name="s")
    l.checkpoint("server-closed")
    l.expect_states("TIME_WAIT", "CLOSED")
    return "CLIENT", ["fin_retransmission", "closed_gracefully"]


def sc_lost_final_ack(l):
    l.open()
    l.checkpoint("established")
    l.c("close", name="c")
    l.checkpoint("client-closed")
    l.fwd("rule", dir="c2s", flags="A", noflags="FSR", payload=False, after="s2c:F", count=1)
    l.s("close", name="s")
    l.checkpoint("final-ack-lost", undecidable="the client's final ACK (the last frame) was dropped beyond the "
                 "capture point; the capture shows it sent and cannot show that the server never received it")
    l.expect_states("TIME_WAIT", "LAST_ACK")
    l.checkpoint("fin-retransmitted", settle=1.2)
    l.expect_states("TIME_WAIT", "CLOSED")
    l.dropped(1)
    return "CLIENT", ["fin_retransmission", "closed_gracefully"]


def sc_server_lost_final_ack(l):
    l.open()
    l.checkpoint("established")
    l.s("close", name="s")
    l.checkpoint("server-closed")
    l.fwd("rule", dir="s2c", flags="A", noflags="FSR", payload=False, after="c2s:F", count=1)
    l.c("recv", name="c")
    l.c("close", name="c")
    l.checkpoint("final-ack-lost")
    l.expect_states("LAST_ACK", "TIME_WAIT")
    l.checkpoint("fin-retransmitted", settle=1.2)
    l.expect_states("CLOSED", "TIME_WAIT")
    l.dropped(1)
    return "SERVER", ["fin_retransmission", "closed_gracefully"]


def sc_fin_blackhole(l):
    l.open()
    l.checkpoint("established")
    l.fwd("rule", dir="c2s", count=-1)  # from now on nothing reaches the server
    l.c("close", name="c")
    why = ("every segment from the client since its FIN was dropped beyond the capture point; the capture shows "
           "them sent and cannot show that the server never received them")
    l.checkpoint("fin-sent", undecidable=why)
    l.expect_states("FIN_WAIT_1", "ESTABLISHED")
    l.checkpoint("fin-retransmitted", settle=1.0, undecidable=why)
    l.expect_states("FIN_WAIT_1", "ESTABLISHED")
    n = l.frames()
    l.checkpoint("orphan-gave-up", settle=3.0,
                 undecidable="the client, orphaned in FIN_WAIT_1, gave up after net.ipv4.tcp_orphan_retries = 1 "
                 "without sending anything (no RST); besides, its FINs were lost beyond the capture point")
    l.expect_states("CLOSED", "ESTABLISHED")
    l.notes.append("the orphaned client gave up its FIN_WAIT_1 after frame %d without sending anything" % l.frames())
    return "CLIENT", ["fin_retransmission", "fin_unacked"]


def sc_abortive_close(l):
    l.open()
    l.checkpoint("established")
    l.c("abort", name="c")  # SO_LINGER {1, 0}, close()
    l.checkpoint("client-aborted")
    l.expect_states("CLOSED", "CLOSED")
    return "CLIENT", []


def sc_unread_data_close(l):
    l.open(request=0, response=0)
    l.c("send", name="c", n=100)
    l.checkpoint("established")
    l.s("close", name="s")  # 100 bytes unread: Linux sends RST, not FIN (RFC 2525 2.17)
    l.checkpoint("server-closed")
    l.expect_states("CLOSED", "CLOSED")
    return "SERVER", []


def sc_refused(l):
    r = l.connect(may_fail=True)  # nobody listens on the port
    if r["ok"] or r["errno"] != "ECONNREFUSED":
        raise LabError("connect to a closed port: %s" % r)
    l.checkpoint("refused")
    l.expect_states("CLOSED", "CLOSED")
    return "SERVER", ["rst_refused"]


def sc_data_after_close(l):
    l.open()
    l.checkpoint("established")
    l.c("close", name="c")
    l.checkpoint("client-closed")
    l.expect_states("FIN_WAIT_2", "CLOSE_WAIT")
    l.s("send", name="s", n=100)  # the client's application is gone: its kernel resets
    l.checkpoint("server-data-reset")
    l.expect_states("CLOSED", "CLOSED")
    return "CLIENT", ["rst_after_fin"]


def silent_timeout(l):
    l.open()
    l.checkpoint("established")
    l.c("close", name="c")
    l.checkpoint("client-closed")
    l.expect_states("FIN_WAIT_2", "CLOSE_WAIT")
    n = l.frames()
    l.checkpoint("fin-wait-2-timed-out", settle=3.5,
                 undecidable="the client's FIN_WAIT_2 timer (net.ipv4.tcp_fin_timeout = 3 s, a Linux extension "
                 "of RFC 9293) expired after the last frame and sent nothing: no capture can see it")
    l.expect_states("CLOSED", "CLOSE_WAIT")
    if l.frames() != n:
        raise LabError("something was sent at the FIN_WAIT_2 timeout")
    l.notes.append("nothing was sent when the client's FIN_WAIT_2 timed out (frames %d and up to %d)" % (n, l.frames()))


def sc_fin_wait_2_timeout(l):
    silent_timeout(l)
    return "CLIENT", ["fin_unanswered"]


def sc_late_fin_after_timeout(l):
    silent_timeout(l)
    l.s("close", name="s")  # the FIN reaches a client that has forgotten the connection
    l.checkpoint("server-closed")
    l.expect_states("CLOSED", "CLOSED")
    return "CLIENT", ["rst_after_fin"]


def sc_rst_meets_data(l):
    l.open()
    l.checkpoint("established")
    both((l.s, "send", {"name": "s", "n": 100}), (l.c, "abort", {"name": "c"}))
    l.checkpoint("crossed", settle=0.5)
    l.expect_states("CLOSED", "CLOSED")

    def check(segs):
        rst = next(s for s in segs if s["flags"] & RST)
        if rst["sender"] != "client" or not any(s["sender"] == "server" and s["len"] > 0 and s["frame"] > rst["frame"]
                                                 for s in segs):
            raise Missed("the server's data did not arrive after the client's RST")
    return "CLIENT", ["ignored_after_rst"], check


def sc_rst_crosses_fin(l):
    l.open()
    l.checkpoint("established")
    both((l.c, "close", {"name": "c"}), (l.s, "abort", {"name": "s"}))
    l.checkpoint("crossed", settle=0.5)
    l.expect_states("CLOSED", "CLOSED")

    def check(segs):
        fin = next(s for s in segs if s["flags"] & FIN)
        rst = next(s for s in segs if s["flags"] & RST)
        if fin["sender"] != "client" or rst["sender"] != "server" or acks(rst, fin_end(fin)):
            raise Missed("the server's RST did not cross the client's FIN")
    # Each side began to close before anything of the other's close had reached it.
    return "BOTH", ["rst_after_fin"], check


def sc_close_behind_zero_window(l):
    l.open(request=0, response=0, rcvbuf=4096, sndbuf=4096)
    l.checkpoint("established")
    sent = l.c("fill", name="c")["result"]  # the server reads nothing: its window closes
    l.notes.append("client queued %d bytes before its send buffer filled" % sent)
    l.checkpoint("window-closed")
    l.c("close", name="c")
    l.checkpoint("close-queued", undecidable="the client called close() but its FIN waits behind unsent data at "
                 "the server's zero window: nothing reached the wire, and no capture can see a close() call")
    l.expect_states("FIN_WAIT_1", "ESTABLISHED")
    r = l.s("recv", name="s", timeout=3)["result"]
    if not r["eof"]:
        raise Missed("the server did not read up to the FIN")
    l.checkpoint("drained")
    l.expect_states("FIN_WAIT_2", "CLOSE_WAIT")
    l.s("close", name="s")
    l.checkpoint("server-closed")
    l.expect_states("TIME_WAIT", "CLOSED")
    return "CLIENT", ["closed_gracefully"]


def sc_close_wait_unread_rst(l):
    l.open()
    l.c("send", name="c", n=100)  # the server never reads this
    l.checkpoint("established")
    l.c("close", name="c")
    l.checkpoint("client-closed")
    l.expect_states("FIN_WAIT_2", "CLOSE_WAIT")
    l.s("close", name="s")  # unread data: RST instead of FIN, from CLOSE_WAIT
    l.checkpoint("server-closed")
    l.expect_states("CLOSED", "CLOSED")
    return "CLIENT", ["rst_after_fin"]


def sc_listener_closed(l):
    l.listen()
    l.connect()
    l.c("send", name="c", n=100)  # the server's kernel acknowledges; nobody accepts
    l.checkpoint("established")
    l.expect_states("ESTABLISHED", "ESTABLISHED")
    l.s("close", name="L")  # Linux resets the connections still in the accept queue
    l.checkpoint("listener-closed")
    l.expect_states("CLOSED", "CLOSED")
    return "SERVER", []


def sc_rst_challenged(l):
    l.open()
    l.checkpoint("established")
    l.fwd("rule", dir="s2c", payload=True, count=1)     # the server's next data never arrives,
    l.fwd("rule", dir="s2c", flags="R", skip=1, count=1)  # nor its RST answering the challenge ACK
    l.s("send", name="s", n=100)
    l.s("abort", name="s")  # RST with seq 100 beyond what the client received: RFC 5961 challenge ACK
    l.checkpoint("rst-challenged")
    l.expect_states("ESTABLISHED", "CLOSED")
    l.dropped(2)
    l.c("send", name="c", n=50)  # reaches the server's listener, which resets it with an exact seq
    l.checkpoint("client-data-reset")
    l.expect_states("CLOSED", "CLOSED")

    def check(segs):
        rst = next(s for s in segs if s["flags"] & RST)
        nxt = next((s for s in segs if s["frame"] > rst["frame"]), None)
        if rst["sender"] != "server" or nxt is None or nxt["sender"] != "client" or nxt["len"] or nxt["flags"] != ACK:
            raise Missed("no challenge ACK after the server's RST")
    return "SERVER", ["ignored_after_rst"], check


def sc_keepalive_timeout(l):
    l.open()
    l.c("keepalive", name="c", idle=1, interval=1, count=2)
    l.checkpoint("established")
    l.fwd("rule", dir="s2c", count=-1)  # from now on nothing from the server arrives
    l.checkpoint("probing", settle=1.3)
    l.expect_states("ESTABLISHED", "ESTABLISHED")
    l.checkpoint("keepalive-gave-up", settle=2.5)
    return "CLIENT", []


def sc_user_timeout(l):
    l.open()
    l.c("user_timeout", name="c", ms=1500)
    l.checkpoint("established")
    l.fwd("rule", dir="s2c", count=-1)  # from now on nothing from the server arrives
    l.c("send", name="c", n=100)
    l.checkpoint("retransmitting", settle=0.3)
    l.expect_states("ESTABLISHED", "ESTABLISHED")
    n = l.frames()
    l.checkpoint("user-timeout", settle=2.2,
                 undecidable="the client gave up at its TCP_USER_TIMEOUT without sending anything (no RST): "
                 "no capture can see it")
    l.expect_states("CLOSED", "ESTABLISHED")

    def check(segs):
        if any(s["flags"] & (RST | FIN) for s in segs) or segs[-1]["len"] == 0:
            raise LabError("something but data retransmissions was sent after the user timeout")
        copies = [s["frame"] for s in segs if s["sender"] == "client" and s["seq"] == segs[-1]["seq"] and s["len"]]
        l.notes.append("the client sent its last 100 bytes %d times (frames %s), then gave up without sending "
                       "anything" % (len(copies), ", ".join(map(str, copies))))
    return ("CLIENT", "the client's silent give-up is the only close: nothing on the wire shows one"), [], check


def sc_keepalive_race(l):
    l.open()
    l.checkpoint("established")
    # The server closes its idle keep-alive connection as the client's next request leaves: with
    # 50 ms each way the request and the FIN cross.  The request reaches a closed socket.  The
    # server's second RST (answering the client's ACK of the FIN, at RCV.NXT) is dropped before the
    # capture point, so that the checkpoint shows what the client made of the first, at RCV.NXT - 1.
    l.fwd("rule", dir="s2c", flags="R", skip=1, count=1)
    both((l.c, "send", {"name": "c", "n": 100}), (l.s, "close", {"name": "s"}))
    l.checkpoint("request-reset", settle=0.6)
    l.expect_states("CLOSED", "CLOSED")
    l.dropped(1)

    def check(segs):
        fin = next((s for s in segs if s["flags"] & FIN), None)
        rst = next((s for s in segs if s["flags"] & RST), None)
        request = [s for s in segs if s["sender"] == "client" and s["len"] > 0][-1]
        if fin is None or rst is None or fin["sender"] != "server" or rst["sender"] != "server":
            raise Missed("no server FIN followed by a server RST")
        if acks(fin, (request["seq"] + request["len"]) & 0xFFFFFFFF) or acks(request, fin_end(fin)):
            raise Missed("the request and the server's FIN did not cross")
        if rst["seq"] != fin["seq"]:
            raise Missed("the server's RST is not at its FIN's seq")
        l.notes.append("frame %d: the client's request crossed the server's FIN (frame %d); frame %d: the server's "
                       "RST answers it at the FIN's seq, RCV.NXT - 1 for the client in CLOSE_WAIT"
                       % (request["frame"], fin["frame"], rst["frame"]))
    return "SERVER", ["rst_after_fin", "crossed_fin"], check


def sc_write_after_eof(l):
    l.open()
    l.checkpoint("established")
    l.s("close", name="s")
    l.checkpoint("server-closed")
    l.expect_states("CLOSE_WAIT", "FIN_WAIT_2")
    r = l.c("recv", name="c", timeout=0.2)["result"]
    if not r["eof"]:
        raise Missed("the client did not read the end of the stream")
    l.c("send", name="c", n=100)  # the client ignores the end of the stream: the server's kernel resets
    l.checkpoint("client-data-reset")
    l.expect_states("CLOSED", "CLOSED")
    return "SERVER", ["rst_after_fin"]


def sc_middlebox_idle_rst(l):
    l.open()
    l.checkpoint("established")
    # The bridge plays a firewall or load balancer whose idle timer (2 s) expires: it resets both
    # sides, each RST as if from the other end, at the receiver's RCV.NXT.
    l.fwd("idle_rst", after=2.0)
    l.checkpoint("cut-by-middlebox", settle=2.6)
    l.expect_states("CLOSED", "CLOSED")

    def check(segs):
        rst = [s for s in segs if s["flags"] & RST]
        if len(rst) != 1 or rst[0]["sender"] != "server" or rst[0]["time"] - segs[-2]["time"] < 1.9:
            raise Missed("no single RST to the client after 2 s idle")
        l.notes.append("frame %d: the bridge's RST+ACK to the client, as if from the server, %.3f s after the "
                       "previous segment; its twin to the server is beyond the capture point"
                       % (rst[0]["frame"], rst[0]["time"] - segs[-2]["time"]))
    return ("SERVER", "the middlebox reset both sides; at the client its RST is the server's"), [], check


def sc_keepalive_idle_timer(l):
    # A keep-alive server whose idle timer closes a connection 1.5 s after its last reply: four
    # connections one after the other (client ports 40033, 50033, 50133, 50233), with 1,
    # 2, 3 and 1 requests.  The client reads the EOF and closes.
    l.listen()
    for k, requests in enumerate((1, 2, 3, 1)):
        l.cport = 40000 + l.sport - 5000 + (0 if k == 0 else 10000 + 100 * (k - 1))
        l.connect()
        l.s("accept", name="s", listener="L")
        for i in range(requests):
            l.c("send", name="c", n=100)
            l.s("recv", name="s", timeout=0.2)
            l.s("send", name="s", n=200)
            if i == requests - 1:
                l.s.post("idle_close", name="s", idle=1.5)  # the timer starts as the last reply leaves
            l.c("recv", name="c", timeout=0.2)
        l.checkpoint("conn%d-established" % (k + 1))  # sampled while the timer runs
        l.s.reply(what="idle_close")
        l.checkpoint("conn%d-server-closed" % (k + 1))
        l.expect_states("CLOSE_WAIT", "FIN_WAIT_2")
        l.c("recv", name="c")
        l.c("close", name="c")
        l.checkpoint("conn%d-client-closed" % (k + 1))
        l.expect_states("CLOSED", "TIME_WAIT")
    l.idle_timers.append(("SERVER", 1.5))
    return "SERVER", ["closed_gracefully"]


SCENARIOS = [
    dict(name="client-close", run=sc_client_close,
         what="the client closes first, the server reads EOF and closes"),
    dict(name="server-close", run=sc_server_close,
         what="the server closes first, the client reads EOF and closes"),
    dict(name="half-close-data", run=sc_half_close_data,
         what="the client shuts down writing (SHUT_WR); the server sends data twice, then closes"),
    dict(name="three-segment-close", run=sc_three_segment_close,
         what="the server closes as soon as it reads EOF, within its delayed-ACK time: FIN+ACK merged"),
    dict(name="fin-with-data", run=sc_fin_with_data,
         what="the client corks, writes 100 bytes and closes: the FIN rides on the data segment"),
    dict(name="simultaneous-close", run=sc_simultaneous_close, forwarder=True, delay=FORWARD_DELAY,
         what="both close() at once; a 50 ms one-way delay makes the FINs cross"),
    dict(name="simultaneous-shutdown", run=sc_simultaneous_shutdown, forwarder=True, delay=FORWARD_DELAY,
         what="both shutdown(SHUT_WR) at once (sockets stay open); a 50 ms one-way delay makes the FINs cross"),
    dict(name="lost-fin", run=sc_lost_fin, forwarder=True, rto_min={"client": "1000ms"},
         what="the client's FIN is dropped after the capture point; the client retransmits it (RTO 1 s)"),
    dict(name="lost-fin-ack", run=sc_lost_fin_ack, forwarder=True, rto_min={"client": "1000ms"},
         what="the server's ACK of the client's FIN is dropped before the capture point; the client retransmits"),
    dict(name="lost-final-ack", run=sc_lost_final_ack, forwarder=True, rto_min={"server": "1000ms"},
         what="the client's final ACK is dropped after the capture point; the server retransmits its FIN"),
    dict(name="server-lost-final-ack", run=sc_server_lost_final_ack, forwarder=True, rto_min={"client": "1000ms"},
         what="the server closes first; its final ACK is dropped before the capture point; the client retransmits"),
    dict(name="fin-blackhole", run=sc_fin_blackhole, forwarder=True, rto_min={"client": "1000ms"},
         sysctl={"client": {"net.ipv4.tcp_orphan_retries": 1}},
         what="from the client's FIN on, nothing from the client reaches the server: the FIN is never acknowledged"),
    dict(name="abortive-close", run=sc_abortive_close,
         what="the client closes with SO_LINGER {1, 0}: RST instead of FIN"),
    dict(name="unread-data-close", run=sc_unread_data_close,
         what="the server closes with 100 unread bytes in its receive queue: Linux resets"),
    dict(name="refused", run=sc_refused,
         what="the client connects to a port nobody listens on"),
    dict(name="data-after-close", run=sc_data_after_close,
         what="the client close()s; the server then sends data to it: the client's kernel resets"),
    dict(name="fin-wait-2-timeout", run=sc_fin_wait_2_timeout, sysctl={"client": {"net.ipv4.tcp_fin_timeout": 3}},
         what="the client close()s, the server never closes; the client's FIN_WAIT_2 times out after 3 s"),
    dict(name="late-fin-after-timeout", run=sc_late_fin_after_timeout,
         sysctl={"client": {"net.ipv4.tcp_fin_timeout": 3}},
         what="as fin-wait-2-timeout, then the server closes: its FIN meets a client without the connection"),
    dict(name="rst-meets-data", run=sc_rst_meets_data, forwarder=True, delay=FORWARD_DELAY,
         what="the server sends data while the client aborts (SO_LINGER 0); 50 ms delay: they cross"),
    dict(name="rst-crosses-fin", run=sc_rst_crosses_fin, forwarder=True, delay=FORWARD_DELAY,
         what="the client closes while the server aborts (SO_LINGER 0); 50 ms delay: FIN and RST cross"),
    dict(name="close-behind-zero-window", run=sc_close_behind_zero_window,
         what="the client closes while its data waits at the server's zero window; then the server drains and closes"),
    dict(name="close-wait-unread-rst", run=sc_close_wait_unread_rst,
         what="the client sends 100 bytes and closes; the server closes without reading them: RST from CLOSE_WAIT"),
    dict(name="listener-closed", run=sc_listener_closed,
         what="the server closes its listening socket with an established connection nobody accepted"),
    dict(name="rst-challenged", run=sc_rst_challenged, forwarder=True,
         what="the server's last data is lost before the capture point, then it aborts: its RST's seq is 100 "
              "beyond what the client has, so the client answers with a challenge ACK (RFC 5961)"),
    dict(name="keepalive-timeout", run=sc_keepalive_timeout, forwarder=True,
         what="the client's keepalive (idle 1 s, interval 1 s, 2 probes) gets no answer: the server's replies are lost"),
    dict(name="user-timeout", run=sc_user_timeout, forwarder=True,
         what="the client's data is never acknowledged (the server's ACKs are lost); TCP_USER_TIMEOUT 1.5 s"),
    dict(name="ipv6-client-close", run=sc_client_close, family=6,
         what="client-close over IPv6"),
    dict(name="ipv6-simultaneous-close", run=sc_simultaneous_close, family=6, forwarder=True, delay=FORWARD_DELAY,
         what="simultaneous-close over IPv6"),
    dict(name="ipv6-data-after-close", run=sc_data_after_close, family=6,
         what="data-after-close over IPv6"),
    dict(name="keepalive-race", run=sc_keepalive_race, forwarder=True, delay=FORWARD_DELAY,
         what="the server closes its idle keep-alive connection as the client sends its next request; 50 ms "
              "delay: request and FIN cross, the request reaches a closed socket and is answered by an RST"),
    dict(name="write-after-eof", run=sc_write_after_eof,
         what="the server closes; the client reads the end of the stream and writes all the same: RST"),
    dict(name="middlebox-idle-rst", run=sc_middlebox_idle_rst, forwarder=True,
         what="an idle connection cut after 2 s by the bridge playing a middlebox: an RST+ACK to each side, "
              "as if from the other"),
    dict(name="keepalive-idle-timer", run=sc_keepalive_idle_timer, connections=4,
         what="a keep-alive server closes each connection 1.5 s after its last reply (select() timeout); "
              "four connections with 1, 2, 3 and 1 requests; the client reads the EOF and closes"),
]


# --------------------------------------------------------------------------- output

def describe(segs):
    """Decoded capture (relative sequence numbers) and what Linux did, for the truth file."""
    base = {}
    for s in segs:
        base.setdefault(s["sender"], s["seq"])  # the SYN's (or the refusing RST's) sequence number
    t0 = segs[0]["time"] if segs else 0
    lines = []
    for s in segs:
        rel = (s["seq"] - base[s["sender"]]) & 0xFFFFFFFF
        ack = "-"
        if s["flags"] & ACK and other(s["sender"]) in base:
            ack = str((s["ack"] - base[other(s["sender"])]) & 0xFFFFFFFF)
        lines.append("%3d  %9.6f  %-6s > %-6s  %-12s seq=%d ack=%s len=%d win=%d" %
                     (s["frame"], s["time"] - t0, s["sender"], other(s["sender"]), flag_names(s["flags"]),
                      rel, ack, s["len"], s["win"]))
    return lines


def observations(segs):
    """What Linux did with each FIN and RST, read from the capture."""
    notes = []
    snd_nxt = {}
    for s in segs:
        if s["flags"] & FIN:
            end = fin_end(s)
            acker = next((t for t in segs if t["frame"] > s["frame"] and t["sender"] != s["sender"] and acks(t, end)),
                         None)
            if acker is None:
                notes.append("frame %d: %s FIN never acknowledged in the capture" % (s["frame"], s["sender"]))
            else:
                how = "with its own FIN (FIN+ACK merged)" if acker["flags"] & FIN else (
                    "with a RST" if acker["flags"] & RST else "with a pure %s" % flag_names(acker["flags"]) if acker["len"] == 0 else "with data")
                notes.append("frame %d: %s FIN acknowledged %.1f ms later by frame %d, %s" %
                             (s["frame"], s["sender"], (acker["time"] - s["time"]) * 1000, acker["frame"], how))
        if s["flags"] & RST:
            prev = next((t for t in reversed(segs) if t["frame"] < s["frame"] and t["sender"] != s["sender"]), None)
            words = []
            if s["sender"] in snd_nxt and s["seq"] == snd_nxt[s["sender"]]:
                words.append("seq = the sender's next sequence number")
            elif s["sender"] in snd_nxt:
                words.append("seq is %d beyond the end of the sender's captured data" %
                             (((s["seq"] - snd_nxt[s["sender"]] + 0x80000000) & 0xFFFFFFFF) - 0x80000000))
            if prev is not None and prev["flags"] & ACK and s["seq"] == prev["ack"]:
                words.append("seq = the ACK field of frame %d" % prev["frame"])
            if s["flags"] & ACK and prev is not None:
                expected = (prev["seq"] + prev["len"] + (1 if prev["flags"] & (SYN | FIN) else 0)) & 0xFFFFFFFF
                words.append("ACK covers frame %d: %s" % (prev["frame"], "yes" if s["ack"] == expected else "no"))
            notes.append("frame %d: %s %s, %s" % (s["frame"], s["sender"], flag_names(s["flags"]),
                                                  "; ".join(words) or "seq matches nothing captured"))
        if not s["flags"] & RST:
            nxt = (s["seq"] + s["len"] + (1 if s["flags"] & (SYN | FIN) else 0)) & 0xFFFFFFFF
            if s["sender"] not in snd_nxt or ((nxt - snd_nxt[s["sender"]]) & 0xFFFFFFFF) < 0x80000000:
                snd_nxt[s["sender"]] = nxt
    return notes


def write_truth(path, lab, segs, active, experts):
    sc = lab.sc
    with open(path, "w") as f:
        f.write("# %s - kernel truth for %s.pcap, written by lab.py: regenerate, never edit.\n"
                % (os.path.basename(path), sc["name"]))
        f.write("# Scenario: %s.\n" % sc["what"])
        f.write("# Linux %s; IPv%d; %s; capture on the client's veth c0 (see lab.py).\n" %
                (os.uname().release, lab.family,
                 "forwarder between the namespaces%s" % (", %d ms one-way delay" % (sc["delay"] * 1000)
                                                         if sc.get("delay") else "")
                 if lab.forwarded else "direct veth pair"))
        for role, kv in sorted(sc.get("sysctl", {}).items()):
            for k, v in kv.items():
                f.write("# %s namespace: %s = %s\n" % (role, k, v))
        for role, v in sorted(sc.get("rto_min", {}).items()):
            f.write("# %s namespace: route rto_min %s\n" % (role, v))
        f.write("checkpoint\tlast_frame\tclient\tserver\tstatus\n")
        for name, frame, client, server, status, _, _ in lab.checkpoints:
            f.write("%s\t%d\t%s\t%s\t%s\n" % (name, frame, client, server, status))
        if isinstance(active, tuple):  # (side, reason): the capture cannot show it
            f.write("@active_side\t%s\tundecidable: %s\n" % active)
        else:
            f.write("@active_side\t%s\n" % active)
        f.write("@experts\t%s\n" % (",".join(experts) or "-"))
        for role, seconds in lab.idle_timers:
            f.write("@idle_timer\t%s\t%.3f\n" % (role, seconds))
        f.write("#\n# What Linux did:\n")
        for n in lab.notes + observations(segs):
            f.write("#   %s\n" % n)
        f.write("#\n# ss at each checkpoint (client | server):\n")
        for name, frame, _, _, _, craw, sraw in lab.checkpoints:
            f.write("#   %s (after frame %d): %s | %s\n" % (name, frame, craw, sraw))
        f.write("#\n# The capture (sequence numbers relative; seconds since frame 1):\n")
        for line in describe(segs):
            f.write("#   %s\n" % line)


def record(sc, index, outdir, workdir):
    for attempt in range(1, ATTEMPTS + 1):
        lab = Lab(sc, index, workdir)
        try:
            lab.setup()
            result = sc["run"](lab)
            lab.stop_capture()
            active, experts = result[0], result[1]
            segs = decode_capture(lab.pcap, lab.caddr)
            if len(result) > 2:
                result[2](segs)
            if not segs or len(segs) >= MAX_PACKETS * sc.get("connections", 1):
                raise LabError("%s: %d packets" % (sc["name"], len(segs)))
            ports = {frozenset(((s["src"], s["sport"]), (s["dst"], s["dport"]))) for s in segs}
            if len(ports) != sc.get("connections", 1):
                raise LabError("%s: %d connections captured" % (sc["name"], len(ports)))
            for name, frame, *_ in lab.checkpoints:
                if frame > len(segs):
                    raise LabError("checkpoint %s: frame %d beyond the capture" % (name, frame))
            bad = [e for e in experts if e not in CHECKED_EXPERTS]
            if bad:
                raise LabError("unknown experts %s" % bad)
        except Missed as e:
            print("  %s: attempt %d missed: %s" % (sc["name"], attempt, e), flush=True)
            continue
        finally:
            lab.teardown()
        shutil.copyfile(lab.pcap, os.path.join(outdir, sc["name"] + ".pcap"))
        write_truth(os.path.join(outdir, sc["name"] + ".truth"), lab, segs, active, experts)
        print("%-26s %2d packets  %s" % (sc["name"], len(segs),
                                         "  ".join("%s@%d=%s/%s%s" % (c[0], c[1], c[2], c[3],
                                                                      "" if c[4] == "settled" else "(undecidable)")
                                                   for c in lab.checkpoints)), flush=True)
        return True
    print("%s: FAILED after %d attempts" % (sc["name"], ATTEMPTS), flush=True)
    return False


def main(argv):
    if argv[:1] == ["--agent"]:
        return agent_main()
    if argv[:1] == ["--forwarder"]:
        return forwarder_main(argv[1], argv[2])
    if argv[:1] == ["--list"]:
        for sc in SCENARIOS:
            print("%-26s %s" % (sc["name"], sc["what"]))
        return 0
    if not argv or argv[0].startswith("-"):
        print(__doc__.split("Topology")[0], file=sys.stderr)
        return 2
    if os.geteuid() != 0:
        print("lab.py: run as root (namespaces, tcpdump)", file=sys.stderr)
        return 2
    for tool in ("ip", "ss", "tcpdump"):
        if not shutil.which(tool):
            print("lab.py: %s is missing" % tool, file=sys.stderr)
            return 2
    outdir, wanted = argv[0], argv[1:]
    known = [sc["name"] for sc in SCENARIOS]
    for w in wanted:
        if w not in known:
            print("lab.py: unknown scenario %s (try --list)" % w, file=sys.stderr)
            return 2
    os.makedirs(outdir, exist_ok=True)
    workdir = tempfile.mkdtemp(prefix="tclk-")
    ok = True
    try:
        for index, sc in enumerate(SCENARIOS, 1):
            if not wanted or sc["name"] in wanted:
                ok = record(sc, index, outdir, workdir) and ok
    finally:
        delete_namespaces()
        shutil.rmtree(workdir, ignore_errors=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
