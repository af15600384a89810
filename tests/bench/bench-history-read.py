#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""CHATHISTORY read latency on a server.db: the store's own LATEST and BEFORE
statements (daemon/store/natter-server-store-reads.c), through the system's
SQLite, on a fresh connection with the store's 512 KiB page cache.

    tests/bench/bench-history-read.py SERVER_DB [--queries 400] [--limit 100]

For QUERIES random private conversations (the `conversations` table): a
LATEST page of LIMIT rows, and a BEFORE page from the msgid of the row in
the middle of the conversation (its lookup included). Prints the median and
90th percentile of each in microseconds. Open a copy, not a running
server's file. Built to compare a server.db's schema versions (README,
"History row cost").
"""

import argparse
import random
import sqlite3
import statistics
import time

COLUMNS = "id, msgid, time, target_key, target, sender, account, command, text, tags"
SELECT_BEFORE = ("SELECT " + COLUMNS + " FROM history WHERE target_key = ?1 AND redacted = 0"
                 " AND (time, id) < (?2, ?3) AND time >= ?5"
                 " ORDER BY time DESC, id DESC LIMIT ?4")
BY_MSGID = ("SELECT time, id FROM history WHERE (msgid = ?1 OR (id = ?3 AND msgid IS NULL))"
            " AND target_key = ?2")
MAX = 2 ** 63 - 1


def summary(values):
    values = sorted(values)
    return "median %.0f us, p90 %.0f us" % (statistics.median(values),
                                            values[int(len(values) * 0.9)])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("db")
    parser.add_argument("--queries", type=int, default=400)
    parser.add_argument("--limit", type=int, default=100)
    args = parser.parse_args()

    con = sqlite3.connect(args.db)
    keys = [row[0] for row in con.execute("SELECT key FROM conversations")]
    rows = con.execute("SELECT count(*) FROM history").fetchone()[0]
    random.seed(1)
    picks = [random.choice(keys) for _ in range(args.queries)]
    middle = {}
    for key in set(picks):
        n = con.execute("SELECT count(*) FROM history WHERE target_key = ?", (key,)).fetchone()[0]
        middle[key] = con.execute("SELECT id FROM history WHERE target_key = ?"
                                  " ORDER BY time, id LIMIT 1 OFFSET ?", (key, n // 2)).fetchone()[0]
    con.close()

    # As a reader of the store: a fresh connection, the store's cache.
    con = sqlite3.connect(args.db)
    con.execute("PRAGMA cache_size = -512")
    latest, before = [], []
    for key in picks:
        start = time.perf_counter()
        page = con.execute(SELECT_BEFORE, {"1": key, "2": MAX, "3": MAX, "4": args.limit,
                                           "5": 0}).fetchall()
        latest.append((time.perf_counter() - start) * 1e6)
        start = time.perf_counter()
        msgid = "%016x" % middle[key]
        ref = con.execute(BY_MSGID, {"1": msgid, "2": key, "3": middle[key]}).fetchone()
        page2 = con.execute(SELECT_BEFORE, {"1": key, "2": ref[0], "3": ref[1], "4": args.limit,
                                            "5": 0}).fetchall()
        before.append((time.perf_counter() - start) * 1e6)
        if not page or not page2:
            raise SystemExit("an empty page: not a server.db of private conversations")

    version = con.execute("PRAGMA user_version").fetchone()[0]
    print("server.db version %d, %d rows, %d conversations" % (version, rows, len(keys)))
    print("LATEST %d: %s" % (args.limit, summary(latest)))
    print("BEFORE %d: %s" % (args.limit, summary(before)))


if __name__ == "__main__":
    main()
