#!/usr/bin/env python3
"""Per-VM steps of a G2 bench run, as a markdown table (milliseconds since the previous step).

Run the bench with a trace folder and timestamped Debug logs, then point this script at the folder:

  ORVIRT_BENCH_G2_TRACE=/tmp/g2trace Logging__LogLevel__Orvirt=Debug \
  Logging__Console__FormatterOptions__TimestampFormat="HH:mm:ss.fff " \
    dotnet bench/Orvirt.Bench/bin/Release/net10.0/orvirt-bench.dll --scenarios G2 --markdown /tmp/x.md --json /tmp/x.json
  python3 scripts/g2-steps.py /tmp/g2trace

Steps: sent (bench's create call) -> placed (silo: VM placed on the node) -> picked (agent's work queue starts the
sync) -> pod ready (warm pod claimed or daemon started, and libvirt connected) -> started (domain defined and
started) -> reported (ReportObserved returned) -> Running (the bench's watch saw it).
"""
import datetime
import re
import statistics
import sys

STEPS = [
    ("placed", "silo", r"{vm} placed on node \S+ at epoch"),
    ("picked", "agent", r"{vm}: Start \("),
    ("pod ready", "agent", r"{vm}: pod ready in"),
    ("started", "agent", r"{vm}: started domain"),
    ("reported", "agent", r"{vm}: reported Running"),
]


def stamp(text):
    return datetime.datetime.strptime(text, "%H:%M:%S.%f")


def timed_lines(path):
    """Lines of a log with the timestamp of the entry they belong to (the simple console format puts it on the first line)."""
    out, ts = [], None
    with open(path, errors="replace") as f:
        for line in f:
            m = re.match(r"^(\d\d:\d\d:\d\d\.\d{3}) ", line)
            if m:
                ts = m.group(1)
            if ts:
                out.append((ts, line.rstrip()))
    return out


def main(folder):
    logs = {"silo": timed_lines(folder + "/silo.log"), "agent": timed_lines(folder + "/agent.log")}
    rows = []
    with open(folder + "/vms.txt") as f:
        for line in f:
            parts = line.split()
            vm, sent, running = parts[0], stamp(parts[2]), stamp(parts[4])
            times = [("sent", sent)]
            for name, log, pattern in STEPS:
                rx = re.compile(pattern.format(vm=re.escape(vm)))
                hit = next((stamp(ts) for ts, text in logs[log] if rx.search(text)), None)
                if hit is not None:
                    times.append((name, hit))
            times.append(("Running", running))
            found = dict(times)
            cells = []
            for (name, _, _) in STEPS + [("Running", None, None)]:
                if name not in found:
                    cells.append(None)
                    continue
                previous = max(t for n, t in times if t <= found[name] and n != name) if len(times) > 1 else sent
                cells.append((found[name] - previous).total_seconds() * 1000)
            rows.append((vm, cells, (running - sent).total_seconds() * 1000))
    names = [s[0] for s in STEPS] + ["Running"]
    print("| VM | " + " | ".join(names) + " | total |")
    print("|" + " --- |" * (len(names) + 2))
    for vm, cells, total in rows:
        print(f"| {vm} | " + " | ".join("-" if c is None else f"{c:.0f}" for c in cells) + f" | {total:.0f} |")
    medians = []
    for i in range(len(names)):
        values = [r[1][i] for r in rows if r[1][i] is not None]
        medians.append(f"{statistics.median(values):.0f}" if values else "-")
    print("| median | " + " | ".join(medians) + f" | {statistics.median(r[2] for r in rows):.0f} |")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(sys.argv[1])
