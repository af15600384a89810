#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""The comparison table of compare-servers.sh --table, from its results file.

For each size, one Markdown table: a row per figure, a column per server
(the median of its runs) and the ratios natterd/ngircd and
natterd/InspIRCd. A ratio is the median of the per-run ratios: each run
measures the servers back to back, so a run's ratio compares like with like
on a shared, drifting machine. A second table gives every run's raw value,
then the wall time each size took.

Usage: compare-table.py RESULTS-FILE
"""

import statistics
import sys

# key in the RESULT line, row label, which way is better
FIGURES = [
    ("fanout_deliveries_per_s", "fan-out deliveries/s", "higher"),
    ("fanout_per_cpu_s", "fan-out deliveries per server-CPU s", "higher"),
    ("paced_p50_ms", "paced latency p50 ms", "lower"),
    ("paced_p99_ms", "paced latency p99 ms", "lower"),
    ("private_msgs_per_s", "private msgs/s", "higher"),
    ("private_per_cpu_s", "private msgs per server-CPU s", "higher"),
    # Of the private phase's wall time: on its CPU, and waiting for it
    # (another process had it); the rest the server slept, waiting for input.
    ("private_server_busy_pct", "private: server running %", "higher"),
    ("private_server_queued_pct", "private: server waiting for its CPU %", "lower"),
    ("conn_per_s", "connections/s", "higher"),
    ("rss_per_client_kib", "idle RSS/client KiB", "lower"),
    ("rss_peak_kib", "peak RSS KiB", "lower"),
    ("rss_after_kib", "after-load RSS KiB", "lower"),
    ("cpu_s", "server CPU s", "lower"),
]

SERVERS = ["natterd", "natterd-memory", "ngircd", "inspircd"]
# (column title, numerator, denominator)
RATIOS = [("natterd/ngircd", "natterd", "ngircd"),
          ("natterd/insp", "natterd", "inspircd")]


def parse(lines):
    """Returns ({clients: {"rooms": r, server: {run: fields}}},
    {clients: {run: seconds}})."""
    results = {}
    walls = {}
    for line in lines:
        words = line.split()
        if not words or words[0] not in ("RESULT", "WALL"):
            continue
        fields = dict(w.split("=", 1) for w in words[1:] if "=" in w)
        try:
            clients = int(fields["clients"])
            run = int(fields.get("run", "1"))
        except (KeyError, ValueError):
            continue
        if words[0] == "WALL":
            walls.setdefault(clients, {})[run] = float(fields.get("seconds", "nan"))
            continue
        size = results.setdefault(clients, {"rooms": fields.get("rooms", "?")})
        size.setdefault(fields.get("server", "?"), {})[run] = fields
    return results, walls


def value(fields, key):
    """A figure of one run, or None when the run has none (failed, absent)."""
    if fields is None or fields.get("status", "ok") != "ok":
        return None
    try:
        return float(fields[key])
    except (KeyError, ValueError):
        return None


def median_of(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def per_run_ratios(size, key, num, den):
    """{run: num/den} over the runs that measured both servers."""
    out = {}
    for run, fields in size.get(num, {}).items():
        a, b = value(fields, key), value(size.get(den, {}).get(run), key)
        if a is not None and b not in (None, 0):
            out[run] = a / b
    return out


def fmt(v):
    if v is None:
        return "–"
    if abs(v) >= 1000:
        return f"{v:,.0f}"
    if abs(v) >= 10:
        return f"{v:.1f}"
    return f"{v:.2f}"


def fmt_ratio(v):
    if v is None:
        return "–"
    # Two significant digits below 0.1: 0.0036× is not 0.00×.
    return f"{v:.2g}×" if abs(v) < 0.1 else f"{v:.2f}×"


def row(cells):
    return "| " + " | ".join(cells) + " |"


def size_tables(clients, size):
    servers = SERVERS
    runs = sorted({r for s in servers for r in size.get(s, {})})
    out = [f"### {clients:,} clients in {size['rooms']} room(s), "
           f"{len(runs)} run(s): medians", ""]
    head = ["figure"] + servers + [t for t, _, _ in RATIOS] + ["better"]
    out += [row(head), row(["---"] + ["---:"] * (len(head) - 2) + ["---"])]
    for key, label, better in FIGURES:
        cells = [label]
        for s in servers:
            cells.append(fmt(median_of(value(f, key) for f in size.get(s, {}).values())))
        for _, num, den in RATIOS:
            cells.append(fmt_ratio(median_of(per_run_ratios(size, key, num, den).values())))
        out.append(row(cells + [better]))

    out += ["", f"Every run ({', '.join(f'run {r}' for r in runs)}):", ""]
    out += [row(head[:-1]), row(["---"] + ["---:"] * (len(head) - 2))]
    for key, label, _ in FIGURES:
        cells = [label]
        for s in servers:
            cells.append(" / ".join(fmt(value(size.get(s, {}).get(r), key)) for r in runs))
        for _, num, den in RATIOS:
            ratios = per_run_ratios(size, key, num, den)
            cells.append(" / ".join(fmt_ratio(ratios.get(r)) for r in runs))
        out.append(row(cells))

    bad = [f"{s} run {r}: {f.get('status', '?')}"
           for s in servers for r, f in sorted(size.get(s, {}).items())
           if f.get("status", "ok") != "ok"]
    if bad:
        out += ["", "Not counted (failed runs): " + "; ".join(bad) + "."]
    return out


def wall_lines(walls):
    if not walls:
        return []
    total = 0
    parts = []
    for clients in sorted(walls):
        seconds = walls[clients]
        total += sum(seconds.values())
        runs = ", ".join(f"{seconds[r]:.0f}" for r in sorted(seconds))
        parts.append(f"{clients:,} clients {sum(seconds.values()) / 60:.1f} min (per run, s: {runs})")
    return ["### Wall time", "", "; ".join(parts) + f"; total {total / 60:.1f} min.", ""]


def render(lines):
    results, walls = parse(lines)
    out = []
    for clients in sorted(results):
        out += size_tables(clients, results[clients]) + [""]
    return "\n".join(out + wall_lines(walls))


def main(argv):
    if len(argv) != 2:
        print(__doc__.strip().splitlines()[-1], file=sys.stderr)
        return 2
    with open(argv[1]) as f:
        print(render(f))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
