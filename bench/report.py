#!/usr/bin/env python3
"""report.py - turns bench/run.sh's results folder into the Markdown table for the README.

Usage: python3 bench/report.py WORK   (WORK/results/*.json, *.rss, *.load, *.txt; WORK/cap-*.meta)
"""
import glob
import json
import os
import statistics
import sys

JOBS = [
    ("filter", "-Y: `tcpclose.phase == \"RST\"` vs `tcp.flags.reset==1`",
     [("plain", "plain tshark"), ("tcpclose", "tcpclose")]),
    ("fields", "-T fields: `-e tcp.stream -e tcpclose.phase` vs `-e tcp.stream`",
     [("plain", "plain tshark"), ("tcpclose", "tcpclose"), ("lua", "Lua post-dissector")]),
    ("conv", "-q: `-z tcpclose,conns` vs `-z conv,tcp`; and `-z conv,tcp` with the plugin loaded",
     [("plain", "plain tshark -z conv,tcp"), ("tcpclose-conns", "tcpclose -z tcpclose,conns"),
      ("tcpclose", "-z conv,tcp, tcpclose loaded")]),
]


def read_kv(path):
    values = {}
    if os.path.exists(path):
        with open(path) as f:
            for line in f:
                if "=" in line:
                    key, value = line.rstrip("\n").split("=", 1)
                    values[key] = value
    return values


def load_result(results, size, name):
    """Merges the per-run hyperfine exports SIZE-NAME.run*.json; None when there are none."""
    base = os.path.join(results, f"{size}-{name}")
    walls, cpus = [], []
    for run_file in sorted(glob.glob(base + ".run*.json")):
        with open(run_file) as f:
            r = json.load(f)["results"][0]
        walls += r["times"]
        cpus.append(r["user"] + r["system"])
    if not walls:
        return None
    rss = []
    if os.path.exists(base + ".rss"):
        with open(base + ".rss") as f:
            rss = [int(x) for x in f.read().split() if x.isdigit()]
    load = []
    if os.path.exists(base + ".load"):
        with open(base + ".load") as f:
            load = [float(x) for x in f.read().split()]
    return {
        "median": statistics.median(walls), "min": min(walls), "max": max(walls),
        "cpu": statistics.median(cpus), "cpu_min": min(cpus), "runs": len(walls),
        "rss_kib": statistics.median(rss) if rss else None, "load": load,
    }


def main():
    work = sys.argv[1]
    results = os.path.join(work, "results")
    machine = read_kv(os.path.join(results, "machine.txt"))
    plugin = read_kv(os.path.join(results, "plugin.txt"))
    check = read_kv(os.path.join(results, "check.txt"))
    sizes = machine.get("sizes", "1m 4m").split()
    mem_gib = int(machine.get("mem_kib", "0")) / 1024 / 1024

    out = []
    out.append(f"Machine: {machine.get('nproc')} cores, {machine.get('cpu')}, {mem_gib:.0f} GiB RAM; "
               f"{machine.get('os')}, Linux {machine.get('kernel')}.  ")
    out.append(f"Versions: {machine.get('tshark', '').rstrip('.')}, {machine.get('lua') or 'Lua'}, {machine.get('hyperfine')}, "
               f"tcpclose {plugin.get('git')} (tcpclose.so sha256 {plugin.get('plugin_sha256')}…); "
               f"run {machine.get('date')}.  ")
    caps = []
    for size in sizes:
        meta = read_kv(os.path.join(work, f"cap-{size}.meta"))
        caps.append(f"`{size}`: {int(meta.get('packets', 0)):,} packets, {int(meta.get('conns', 0)):,} connections "
                    f"(`{meta.get('loadgen')}`), {meta.get('dropped')} dropped")
    out.append("Captures (snaplen 96, loopback): " + "; ".join(caps) + ".  ")
    out.append(f"The Lua baseline labels the same segments the same way as tcpclose on the first 100,000 "
               f"packets: {check.get('same', 'not checked')}.")
    out.append("")
    out.append("| Capture | Job | Variant | Median wall s | Min–max s | Median CPU s (user+sys) | Wall × plain "
               "| CPU × plain | Best CPU × plain | Extra CPU µs/packet | Peak RSS MiB | Extra RSS bytes/connection |")
    out.append("| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    loads = []
    for size in sizes:
        meta = read_kv(os.path.join(work, f"cap-{size}.meta"))
        packets = int(meta.get("packets", 0)) or 1
        conns = int(meta.get("conns", 0)) or 1
        for job, title, variants in JOBS:
            plain = load_result(results, size, f"{job}-plain")
            for variant, label in variants:
                r = load_result(results, size, f"{job}-{variant}")
                if r is None:
                    continue
                loads += r["load"]
                cells = [size, title if variant == "plain" else "″", label,
                         f"{r['median']:.2f}", f"{r['min']:.2f}–{r['max']:.2f} ({r['runs']} run{'s' if r['runs'] != 1 else ''})", f"{r['cpu']:.2f}"]
                if plain and variant != "plain":
                    cells += [f"{r['median'] / plain['median']:.2f}", f"{r['cpu'] / plain['cpu']:.2f}",
                              f"{r['cpu_min'] / plain['cpu_min']:.2f}",
                              f"{(r['cpu'] - plain['cpu']) / packets * 1e6:+.2f}"]
                else:
                    cells += ["1.00", "1.00", "1.00", "–"]
                rss = r["rss_kib"]
                cells.append(f"{rss / 1024:.0f}" if rss else "?")
                if plain and variant != "plain" and rss and plain["rss_kib"]:
                    cells.append(f"{(rss - plain['rss_kib']) * 1024 / conns:+.0f}")
                else:
                    cells.append("–")
                out.append("| " + " | ".join(cells) + " |")
    out.append("")
    if loads:
        out.append(f"Other work shared the machine: load average (1 min) {min(loads):.2f}–{max(loads):.2f} "
                   f"before the runs on {machine.get('nproc')} cores; where wall and CPU ratios disagree, the CPU "
                   f"ones are the steadier.  ")
    out.append("Medians over the runs; × plain divides by the plain-tshark row of the same job; best CPU × plain "
               "divides the fastest run's CPU time by plain tshark's fastest (the runs least disturbed by other "
               "work); extra µs/packet "
               "is (median CPU − plain median CPU) / packets; extra RSS per connection is (median peak RSS − plain "
               "median peak RSS) / connections.")
    print("\n".join(out))


if __name__ == "__main__":
    main()
