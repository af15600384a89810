#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""compare-table.py on a small fixed results file: medians of the runs,
ratios as the median of per-run ratios (not the ratio of the medians),
failed runs left out, absent servers shown as "–", wall time summed.

Usage: test-compare-table.py PATH-TO-compare-table.py
"""

import os
import subprocess
import sys
import tempfile

# Three runs at 500 clients. fan-out: natterd 100, 300, 200 (median 200);
# ngircd 100, 100, 50 (median 100): per-run ratios 1, 3, 4, median 3.00×,
# where the ratio of the medians would be 2.00×. natterd-memory's run 3 did
# not start: its medians are over runs 1 and 2. At 2,000 clients only natterd
# and ngircd ran.
RESULTS = """\
compare-servers: a line that is not a result
RESULT server=natterd clients=500 rooms=1 fanout_deliveries_per_s=100 cpu_s=4 rss_peak_kib=20000 status=ok run=1 exit=0
RESULT server=natterd-memory clients=500 rooms=1 fanout_deliveries_per_s=10 cpu_s=1 status=ok run=1 exit=0
RESULT server=ngircd clients=500 rooms=1 fanout_deliveries_per_s=100 cpu_s=8 rss_peak_kib=10000 status=ok run=1 exit=0
RESULT server=inspircd clients=500 rooms=1 fanout_deliveries_per_s=50 cpu_s=2 status=ok run=1 exit=0
WALL clients=500 run=1 seconds=60
RESULT server=inspircd clients=500 rooms=1 fanout_deliveries_per_s=600 cpu_s=2 status=ok run=2 exit=0
RESULT server=ngircd clients=500 rooms=1 fanout_deliveries_per_s=100 cpu_s=6 rss_peak_kib=10000 status=ok run=2 exit=0
RESULT server=natterd-memory clients=500 rooms=1 fanout_deliveries_per_s=25 cpu_s=1 status=ok run=2 exit=0
RESULT server=natterd clients=500 rooms=1 fanout_deliveries_per_s=300 cpu_s=3 rss_peak_kib=30000 status=ok run=2 exit=0
WALL clients=500 run=2 seconds=90
RESULT server=natterd clients=500 rooms=1 fanout_deliveries_per_s=200 cpu_s=5 rss_peak_kib=15000 status=ok run=3 exit=0
RESULT server=natterd-memory clients=500 rooms=1 status=start-failed errors=1 lost=0 run=3
RESULT server=ngircd clients=500 rooms=1 fanout_deliveries_per_s=50 cpu_s=10 rss_peak_kib=5000 status=ok run=3 exit=0
RESULT server=inspircd clients=500 rooms=1 fanout_deliveries_per_s=100 cpu_s=2 status=ok run=3 exit=0
WALL clients=500 run=3 seconds=30
RESULT server=natterd clients=2000 rooms=1 fanout_deliveries_per_s=1500 paced_p50_ms=2 status=ok run=1 exit=0
RESULT server=ngircd clients=2000 rooms=1 fanout_deliveries_per_s=1000 paced_p50_ms=400 status=ok run=1 exit=0
WALL clients=2000 run=1 seconds=120
"""

failures = []


def expect(text, line):
    if line not in text.splitlines():
        failures.append(f"missing line:\n  {line}")


def main(argv):
    script = argv[1]
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "fixture.results")
        with open(path, "w") as f:
            f.write(RESULTS)
        out = subprocess.run(["/usr/bin/python3", script, path], check=True,
                             capture_output=True, text=True).stdout
    medians, _, rest = out.partition("Every run")
    expect(medians, "### 500 clients in 1 room(s), 3 run(s): medians")
    # columns: natterd, natterd-memory, ngircd, inspircd, natterd/ngircd, natterd/insp
    # natterd/insp per run: 2, 0.5, 2 -> 2.00×; memory median of 10 and 25.
    expect(medians, "| fan-out deliveries/s | 200.0 | 17.5 | 100.0 | 100.0 | 3.00× | 2.00× | higher |")
    # cpu: natterd 4, 3, 5; ngircd 8, 6, 10 (0.5 each run); inspircd 2 (2, 1.5, 2.5).
    expect(medians, "| server CPU s | 4.00 | 1.00 | 8.00 | 2.00 | 0.50× | 2.00× | lower |")
    # peak RSS: natterd 20000, 30000, 15000 over 10000, 10000, 5000 -> 2, 3, 3.
    expect(medians, "| peak RSS KiB | 20,000 | – | 10,000 | – | 3.00× | – | lower |")
    expect(medians, "| paced latency p99 ms | – | – | – | – | – | – | lower |")
    expect(rest, "| fan-out deliveries/s | 100.0 / 300.0 / 200.0 | 10.0 / 25.0 / – "
                 "| 100.0 / 100.0 / 50.0 | 50.0 / 600.0 / 100.0 | 1.00× / 3.00× / 4.00× | 2.00× / 0.50× / 2.00× |")
    expect(rest, "Not counted (failed runs): natterd-memory run 3: start-failed.")
    expect(rest, "### 2,000 clients in 1 room(s), 1 run(s): medians")
    expect(rest, "| fan-out deliveries/s | 1,500 | – | 1,000 | – | 1.50× | – | higher |")
    # A small ratio keeps two significant digits.
    expect(rest, "| paced latency p50 ms | 2.00 | – | 400.0 | – | 0.005× | – | lower |")
    expect(rest, "500 clients 3.0 min (per run, s: 60, 90, 30); "
                 "2,000 clients 2.0 min (per run, s: 120); total 5.0 min.")
    if failures:
        print(out)
        print("\n".join(failures))
        return 1
    print("ok")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
