#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Runs the same natter-bench loads against natterd and ngircd on this machine,
# servers pinned to CPU 0 and the load generator to CPU 1, three runs per size
# alternating the servers, and prints the median of every figure per server
# with the ratio natterd/ngircd. Raw RESULT lines go to a file.
#
# Everything listens on and connects to 127.0.0.1 only.

set -uo pipefail

usage () {
  cat <<EOF
Usage: $0 [OPTIONS]

  --natterd PATH   natterd to measure (default: \$NATTERD, else a build dir)
  --bench PATH     natter-bench (default: \$NATTER_BENCH, else next to natterd)
  --ngircd PATH    ngircd (default: /usr/sbin/ngircd)
  --quick          one run at small sizes: a smoke test of a minute or two
  --runs N         runs per size and server (default 3; --quick: 1)
  --sizes LIST     comma-separated subset of: 500,2000,10000 (quick: 200,1000)
  --output FILE    where the raw RESULT lines go
                   (default: ./compare-servers-YYYYmmdd-HHMMSS.results)
  --tls            over TLS instead: natterd over TLS, natterd plain, and
                   InspIRCd over TLS (ssl_gnutls) when it is installed
  --inspircd PATH  InspIRCd, compared beside ngircd and, with --tls, over TLS
                   (default: /usr/sbin/inspircd; skipped when not installed)
  --table          the issue's comparison table: sizes 500,2000,10000, three
                   runs, one Markdown table per size (compare-table.py):
                   medians, ratios, then every run's raw value
  --summarize FILE print the Markdown tables of an earlier results file and
                   exit (no server is started)
  --relay          also measure natter-relay, the ceiling of a room fan-out
                   (\$NATTER_RELAY, else next to natter-bench), and print
                   natterd's fan-out as a ratio of the relay's
  --realtime       after the join, every server and the generator at
                   SCHED_FIFO 1 (natter-bench --realtime; root): on a shared
                   machine the other processes then do not decide the figures
  -h, --help       this text
EOF
}

die () {
  echo "compare-servers: $*" >&2
  exit 2
}

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
natterd=${NATTERD:-}
bench=${NATTER_BENCH:-}
ngircd=/usr/sbin/ngircd
inspircd=/usr/sbin/inspircd
tls=0
relay=0
realtime=()
quick=0
table=0
summarize=
runs=
sizes=
output=

while [ $# -gt 0 ]; do
  case "$1" in
    --natterd) natterd=$2; shift 2 ;;
    --bench) bench=$2; shift 2 ;;
    --ngircd) ngircd=$2; shift 2 ;;
    --inspircd) inspircd=$2; shift 2 ;;
    --tls) tls=1; shift ;;
    --relay) relay=1; shift ;;
    --realtime) realtime=(--realtime); shift ;;
    --quick) quick=1; shift ;;
    --table) table=1; shift ;;
    --summarize) summarize=$2; shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    --sizes) sizes=$2; shift 2 ;;
    --output) output=$2; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) usage >&2; exit 2 ;;
  esac
done

py=/usr/bin/python3
if [ -n "$summarize" ]; then
  exec "$py" "$here/compare-table.py" "$summarize"
fi

if [ -z "$natterd" ]; then
  for d in "$here/../../_build" "$here/../../build"; do
    [ -x "$d/daemon/natterd" ] && natterd="$d/daemon/natterd" && break
  done
fi
[ -n "$natterd" ] && [ -x "$natterd" ] || die "natterd not found: pass --natterd PATH"
if [ -z "$bench" ]; then
  bench="$(dirname "$natterd")/../tests/bench/natter-bench"
fi
[ -x "$bench" ] || die "natter-bench not found: pass --bench PATH"
relay_bin=${NATTER_RELAY:-$(dirname "$bench")/natter-relay}
[ $relay = 0 ] || [ -x "$relay_bin" ] || die "natter-relay not found at $relay_bin (set NATTER_RELAY)"
[ $tls = 0 ] || [ $table = 0 ] || die "--table is the plain comparison; --tls prints its own table"
[ $tls = 1 ] || [ -x "$ngircd" ] || die "ngircd not found at $ngircd (apt-get install ngircd)"
for tool in taskset ss; do
  command -v $tool >/dev/null || die "$tool is needed"
done
[ -x "$py" ] || die "$py is needed for the table"

if [ $quick = 1 ]; then
  runs=${runs:-1}
  sizes=${sizes:-200,1000}
else
  runs=${runs:-3}
  sizes=${sizes:-500,2000,10000}
fi
output=${output:-$PWD/compare-servers-$(date +%Y%m%d-%H%M%S).results}

# The loads. Paced rates give about 50,000 deliveries/s whatever the room
# size: well under any server's capacity and the generator's.
load_args () {
  case "$1" in
    200)   echo "-n 200 -c 1 -s 4 -m 500 -w 64 --paced-rate 200 --paced-seconds 2 --pairs 20 --private-messages 500" ;;
    1000)  echo "-n 1000 -c 10 -s 4 -m 200 -w 64 --paced-rate 400 --paced-seconds 2 --pairs 20 --private-messages 500" ;;
    500)   echo "-n 500 -c 1 -s 8 -m 2500 -w 128 --paced-rate 100 --paced-seconds 4 --pairs 50 --private-messages 2000" ;;
    2000)  echo "-n 2000 -c 1 -s 8 -m 1000 -w 128 --paced-rate 25 --paced-seconds 4 --pairs 50 --private-messages 2000" ;;
    10000) echo "-n 10000 -c 100 -s 4 -m 100 -w 64 --paced-rate 500 --paced-seconds 4 --pairs 100 --private-messages 1000" ;;
    *) die "unknown size $1" ;;
  esac
}
IFS=, read -r -a size_list <<<"$sizes"
for s in "${size_list[@]}"; do load_args "$s" >/dev/null; done

# Clients between connect() and 001 at once. InspIRCd 3 completes a
# registration only in its once-a-second housekeeping (FullConnect is called
# from UserManager::DoBackgroundUserStuff, whatever the config says), so it
# registers about this many clients a second: 2,000 keeps 10,000 clients to
# seconds, within its somaxconn (4096, below). natterd (backlog 4096)
# registers 3,000+/s with 8 at a time; ngircd's backlog is 10, not configurable.
# (inspircd-tls, the --tls peer, keeps 8: its handshakes are measured as they were.)
connect_window () {
  case "$1" in
    inspircd) echo 2000 ;;
    *) echo 8 ;;
  esac
}

# Every server and the generator hold a descriptor per client: raise the
# limit (as root the hard one too) so that 10,000 clients fit.
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"
max_size=0
for s in "${size_list[@]}"; do [ "$s" -gt $max_size ] && max_size=$s; done
[ "$(ulimit -n)" -ge $((max_size + 1024)) ] ||
  die "$max_size clients need $((max_size + 1024)) descriptors; ulimit -n is $(ulimit -n) (run as root or raise the hard limit)"

ncpu=$(nproc)
if [ "$ncpu" -ge 2 ]; then
  server_pin=(taskset -c 0)
  bench_pin=(taskset -c 1)
else
  echo "compare-servers: one CPU only: servers and generator share it" >&2
  server_pin=()
  bench_pin=()
fi

work=$(mktemp -d /tmp/natter-compare.XXXXXX)
server_pid=
cleanup () {
  if [ -n "$server_pid" ]; then
    kill "$server_pid" 2>/dev/null
    wait "$server_pid" 2>/dev/null
  fi
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port () {
  "$py" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# Waits until $2 (a log) holds $3, or the process $1 dies; 10 s at most.
wait_for_log () {
  local i
  for i in $(seq 100); do
    grep -q "$3" "$2" 2>/dev/null && return 0
    kill -0 "$1" 2>/dev/null || return 1
    sleep 0.1
  done
  return 1
}

# Each start_* sets server_pid and server_port, or returns non-zero.
# natterd keeps its store in a fresh directory per run, never in the user's
# data directory; natterd-memory is the same binary with --memory-only.
start_natterd () {
  local log=$work/$1.log data=$work/$1.data
  shift
  mkdir -p "$data"
  if [ $natterd_has_store = 1 ] && [ $# = 0 ]; then
    set -- --data-dir "$data"
  fi
  XDG_DATA_HOME=$data "${server_pin[@]}" "$natterd" --listen 127.0.0.1:0 --relaxed-limits \
    --server-name bench.natterd.local "$@" >"$log" 2>&1 &
  server_pid=$!
  wait_for_log "$server_pid" "$log" "listening on 127.0.0.1:" || return 1
  server_port=$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$log" | head -n1)
}

start_natterd_memory () {
  start_natterd "$1" --memory-only
}

# natterd as start_natterd, measured on a TLS listener (its self-signed
# certificate, made in the run's data directory).
start_natterd_tls () {
  local log=$work/$1.log
  start_natterd "$1" --data-dir "$work/$1.data" --listen-tls 127.0.0.1:0 || return 1
  wait_for_log "$server_pid" "$log" "TLS on 127.0.0.1:" || return 1
  server_port=$(sed -n 's/.*TLS on 127\.0\.0\.1:\([0-9]*\),.*/\1/p' "$log" | head -n1)
}

# InspIRCd 3 (plain, or on a TLS port with ssl_gnutls when $2 is "tls"), with
# limits as open as ngircd's: no connection, per-address or channel limits,
# no fake lag, queues large enough for the fan-out window. Always our own
# instance with its own config and pid file, never the system's service.
start_inspircd () {
  local log=$work/$1.log conf=$work/$1.conf dir=$work/$1.tls bind_tls= module=
  server_port=$(free_port)
  if [ "${2:-}" = tls ]; then
    mkdir -p "$dir"
    certtool --generate-privkey --key-type=ecdsa --outfile "$dir/key.pem" >/dev/null 2>&1 &&
      printf 'cn = "bench.inspircd.local"\ntls_www_server\nsigning_key\nexpiration_days = 2\n' >"$dir/tmpl" &&
      certtool --generate-self-signed --load-privkey "$dir/key.pem" --template "$dir/tmpl" \
        --outfile "$dir/cert.pem" >/dev/null 2>&1 || return 1
    bind_tls=' sslprofile="bench"'
    module="<module name=\"ssl_gnutls\">
<sslprofile name=\"bench\" provider=\"gnutls\" certfile=\"$dir/cert.pem\" keyfile=\"$dir/key.pem\" dhfile=\"\" requestclientcert=\"no\">"
  fi
  cat >"$conf" <<EOF
<server name="bench.inspircd.local" description="natter benchmark peer" network="Bench">
<admin name="natter" nick="natter" email="bench@localhost">
<bind address="127.0.0.1" port="$server_port" type="clients"$bind_tls>
$module
<connect allow="*" timeout="60" localmax="100000" globalmax="100000" limit="100000" maxchans="100"
         useident="no" resolvehostnames="no" fakelag="no" threshold="1000000" commandrate="100000000" penaltythreshold="1000000"
         recvq="1048576" softsendq="1048576" hardsendq="67108864" pingfreq="120">
<performance somaxconn="4096" softlimit="100000" clonesonconnect="no">
<security hidesplits="no" announceinvites="none" runasroot="yes">
<pid file="$work/$1.pid">
<options allowhalfop="no">
EOF
  (ulimit -n "$(ulimit -Hn)"; ulimit -c 0; exec "${server_pin[@]}" "$inspircd" --nofork --runasroot --nolog --config "$conf") >"$log" 2>&1 &
  server_pid=$!
  local i
  for i in $(seq 100); do
    "$py" -c 'import socket, sys; socket.create_connection(("127.0.0.1", int(sys.argv[1])), 1).close()' \
      "$server_port" 2>/dev/null && return 0
    kill -0 "$server_pid" 2>/dev/null || return 1
    sleep 0.1
  done
  return 1
}

start_inspircd_tls () {
  start_inspircd "$1" tls
}

start_ngircd () {
  local log=$work/$1.log conf=$work/$1.conf
  server_port=$(free_port)
  # Loopback only; no connection, per-address, channel or penalty limits
  # (MaxPenaltyTime = 0 turns ngircd's flood throttling off); no PAM, DNS or
  # ident lookups, so registration is not waiting on anything external.
  cat >"$conf" <<EOF
[Global]
	Name = bench.ngircd.local
	Info = natter benchmark peer
	AdminInfo1 = natter benchmark
	AdminInfo2 = loopback only
	AdminEMail = bench@localhost
	Listen = 127.0.0.1
	Ports = $server_port
	MotdPhrase = bench
	HelpFile = /dev/null
[Limits]
	MaxConnections = 0
	MaxConnectionsIP = 0
	MaxJoins = 0
	MaxPenaltyTime = 0
	MaxNickLength = 16
	PingTimeout = 120
	PongTimeout = 60
[Options]
	PAM = no
	DNS = no
	Ident = no
EOF
  # 10,000 clients need 10,000 descriptors; ngircd does not raise its own limit.
  (ulimit -n "$(ulimit -Hn)"; exec "${server_pin[@]}" "$ngircd" -n -f "$conf") >"$log" 2>&1 &
  server_pid=$!
  wait_for_log "$server_pid" "$log" "Now listening on" || return 1
}

# natter-relay (tests/bench/natter-relay.c): the same load through a relay
# that does nothing but relay, to show how far natterd is from the ceiling.
start_relay () {
  local log=$work/$1.log
  "${server_pin[@]}" "$relay_bin" --listen 127.0.0.1:0 >"$log" 2>&1 &
  server_pid=$!
  wait_for_log "$server_pid" "$log" "listening on 127.0.0.1:" || return 1
  server_port=$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$log" | head -n1)
}

stop_server () {
  kill "$server_pid" 2>/dev/null
  wait "$server_pid" 2>/dev/null
  server_pid=
}

# A natterd with a history store is measured with it (the default) and
# without it (--memory-only), so the table shows what the store costs.
natterd_has_store=0
servers=(natterd)
if "$natterd" --help 2>/dev/null | grep -q -- --memory-only; then
  natterd_has_store=1
  [ $tls = 1 ] || servers+=(natterd-memory)
fi
if [ $tls = 1 ]; then
  servers=(natterd-tls natterd)
  if [ ! -x "$inspircd" ]; then
    echo "compare-servers: --tls: InspIRCd is not installed ($inspircd): natterd only" >&2
  elif [ ! -e /usr/lib/inspircd/modules/m_ssl_gnutls.so ]; then
    echo "compare-servers: --tls: InspIRCd has no ssl_gnutls module: natterd only" >&2
  elif ! command -v certtool >/dev/null; then
    echo "compare-servers: --tls: certtool (gnutls-bin) is needed for InspIRCd's certificate: natterd only" >&2
  else
    servers+=(inspircd-tls)
  fi
else
  servers+=(ngircd)
  [ $relay = 0 ] || servers+=(relay)
  if [ -x "$inspircd" ]; then
    servers+=(inspircd)
  else
    echo "compare-servers: InspIRCd is not installed ($inspircd, apt-get install inspircd): not compared" >&2
  fi
fi

failures=0
: >"$output"
echo "compare-servers: servers: ${servers[*]}; natterd=$natterd ngircd=$ngircd inspircd=$inspircd runs=$runs sizes=$sizes" >&2
echo "compare-servers: raw results in $output" >&2
start_time=$(date +%s)

for run in $(seq "$runs"); do
  # Alternate who goes first, so that drift does not favour one server.
  if [ $((run % 2)) = 1 ]; then
    order=("${servers[@]}")
  else
    order=()
    for ((i = ${#servers[@]} - 1; i >= 0; i--)); do order+=("${servers[i]}"); done
  fi
  for size in "${size_list[@]}"; do
    size_start=$(date +%s)
    for server in "${order[@]}"; do
      tag=$server-$size-$run
      if ! "start_${server//-/_}" "$tag"; then
        echo "compare-servers: $server did not start; its log:" >&2
        tail -n 20 "$work/$tag.log" >&2
        echo "RESULT server=$server clients=$size rooms=$(load_args "$size" | awk '{print $4}') status=start-failed errors=1 lost=0 run=$run" >>"$output"
        failures=$((failures + 1))
        stop_server
        continue
      fi
      echo "compare-servers: run $run, $size clients, $server (pid $server_pid, port $server_port)" >&2
      # shellcheck disable=SC2046
      tls_flag=()
      [[ $server == *-tls ]] && tls_flag=(--tls)
      result=$("${bench_pin[@]}" "$bench" --port "$server_port" --server-pid "$server_pid" \
                 --server-name "$server" --stall-seconds 20 --timeout 400 -q "${tls_flag[@]}" "${realtime[@]}" \
                 --connect-concurrency "$(connect_window "$server")" \
                 $(load_args "$size") 2>"$work/$tag.bench-err")
      rc=$?
      sed 's/^/  /' "$work/$tag.bench-err" >&2
      if ! kill -0 "$server_pid" 2>/dev/null; then
        echo "compare-servers: $server died during the run; its log:" >&2
        tail -n 20 "$work/$tag.log" >&2
      fi
      stop_server
      if [ -z "$result" ]; then
        result="RESULT server=$server clients=$size rooms=$(load_args "$size" | awk '{print $4}') status=no-result errors=1 lost=0"
      fi
      echo "$result run=$run exit=$rc" >>"$output"
      if [ $rc != 0 ]; then
        failures=$((failures + 1))
        echo "compare-servers: $server failed (exit $rc): $(grep -o 'errors=.*' <<<"$result")" >&2
      fi
      rm -rf "$work/$tag.data"
      # natterd should log nothing under load: show what it said.
      if [[ $server == natterd* ]] && grep -q -v -E "listening on|TLS on|Shutting down" "$work/$tag.log"; then
        echo "compare-servers: natterd logged:" >&2
        grep -v -E "listening on|TLS on|Shutting down" "$work/$tag.log" | head -n 10 | sed 's/^/  /' >&2
      fi
    done
    # What each size costs, so that the table's wall time can be planned.
    echo "WALL clients=$size run=$run seconds=$(($(date +%s) - size_start))" >>"$output"
  done
done

echo "compare-servers: done in $(($(date +%s) - start_time)) s" >&2
echo

if [ $table = 1 ]; then
  "$py" "$here/compare-table.py" "$output"
  echo "Raw RESULT lines: $output"
  [ $failures = 0 ] || { echo "compare-servers: $failures run(s) failed" >&2; exit 1; }
  exit 0
fi

"$py" - "$output" "$here" <<'EOF'
import importlib
import statistics
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, sys.argv[2])
fmt = importlib.import_module("compare-table").fmt

# key, label, which way is better
FIGURES = [
    ("conn_per_s", "connections/s", "higher"),
    ("reg_p50_ms", "registration p50 ms", "lower"),
    ("reg_p99_ms", "registration p99 ms", "lower"),
    ("join_s", "join phase s", "lower"),
    ("fanout_deliveries_per_s", "fan-out deliveries/s", "higher"),
    ("paced_p50_ms", "paced latency p50 ms", "lower"),
    ("paced_p99_ms", "paced latency p99 ms", "lower"),
    ("paced_max_ms", "paced latency max ms", "lower"),
    ("private_msgs_per_s", "private msgs/s", "higher"),
    ("private_p50_ms", "private p50 ms", "lower"),
    ("private_p99_ms", "private p99 ms", "lower"),
    ("rss_idle_kib", "RSS idle KiB", "lower"),
    ("rss_peak_kib", "RSS peak KiB", "lower"),
    ("rss_per_client_kib", "RSS/idle client KiB", "lower"),
    ("rss_after_kib", "RSS after load KiB", "lower"),
    ("cpu_s", "server CPU s", "lower"),
    ("fanout_cpu_s", "fan-out CPU s", "lower"),
    ("fanout_per_cpu_s", "fan-out deliv/CPU s", "higher"),
    ("paced_per_cpu_s", "paced deliv/CPU s", "higher"),
    ("private_per_cpu_s", "private msgs/CPU s", "higher"),
    ("errors", "errors", "lower"),
    ("lost", "lost", "lower"),
]

results = {}
for line in open(sys.argv[1]):
    if not line.startswith("RESULT "):
        continue
    fields = dict(f.split("=", 1) for f in line.split()[1:] if "=" in f)
    key = (int(fields.get("clients", 0)), fields.get("rooms", "?"))
    results.setdefault(key, {}).setdefault(fields.get("server"), []).append(fields)

def median(runs, key):
    values = []
    for r in runs:
        try:
            values.append(float(r[key]))
        except (KeyError, ValueError):
            pass
    return statistics.median(values) if values else None

def ratio(a, b):
    return f"{a / b:.2f}x" if a is not None and b not in (None, 0) else "-"

def tls_table(clients, rooms, servers):
    tls, plain, insp = (servers.get(k, []) for k in ("natterd-tls", "natterd", "inspircd-tls"))
    print(f"== {clients} clients in {rooms} room(s), TLS; runs: natterd-tls {len(tls)}, "
          f"natterd {len(plain)}, inspircd-tls {len(insp)}; medians ==")
    print(f"{'figure':<24} {'natterd-tls':>12} {'natterd':>12} {'inspircd-tls':>12}"
          f" {'tls/plain':>10} {'natterd/insp':>13}  better")
    for key, label, better in FIGURES:
        a, p, i = median(tls, key), median(plain, key), median(insp, key)
        if a is None and p is None and i is None:
            continue
        print(f"{label:<24} {fmt(a):>12} {fmt(p):>12} {fmt(i):>12}"
              f" {ratio(a, p):>10} {ratio(a, i):>13}  {better}")
    tls_per_run(tls, insp)
    bad = [f"{r.get('server')} run {r.get('run')}: {r.get('status')}"
           for r in tls + plain + insp if r.get("status") != "ok"]
    if bad:
        print("not ok: " + "; ".join(bad))
    print()

def print_run_ratios(label, runs, peers, key):
    """runs / peers run by run (each run measures both back to back: the
    machine's load drifts between runs more than between two servers), and
    the median."""
    by_run = {r.get("run"): r for r in peers}
    ratios = []
    for r in runs:
        other = by_run.get(r.get("run"))
        try:
            ratios.append(float(r[key]) / float(other[key]))
        except (KeyError, TypeError, ValueError, ZeroDivisionError):
            pass
    if ratios:
        print(f"{label} per run: " + ", ".join(f"{x:.2f}x" for x in ratios) +
              f"; median {statistics.median(ratios):.2f}x")

def tls_per_run(tls, insp):
    """natterd-tls / inspircd-tls run by run, InspIRCd's failed runs left out."""
    ok = [r for r in insp if r.get("status") == "ok"]
    for key, label in (("fanout_deliveries_per_s", "fan-out"), ("private_msgs_per_s", "private msgs/s"),
                       ("private_per_cpu_s", "private msgs/CPU s")):
        print_run_ratios(f"{label} natterd-tls/insp", tls, ok, key)

def relay_ratios(nat, mem, rel):
    """Fan-out of natterd (and natterd-memory) as a ratio of the relay's."""
    for name, runs in (("natterd", nat), ("natterd-memory", mem)):
        print_run_ratios(f"fan-out {name}/relay", runs, rel, "fanout_deliveries_per_s")

for (clients, rooms), servers in sorted(results.items()):
    if "natterd-tls" in servers:
        tls_table(clients, rooms, servers)
        continue
    nat = servers.get("natterd", [])
    mem = servers.get("natterd-memory", [])
    ngi = servers.get("ngircd", [])
    rel = servers.get("relay", [])
    ins = servers.get("inspircd", [])
    runs = f"natterd {len(nat)}, " + (f"natterd-memory {len(mem)}, " if mem else "") + f"ngircd {len(ngi)}"
    if ins:
        runs += f", inspircd {len(ins)}"
    if rel:
        runs += f", relay {len(rel)}"
    print(f"== {clients} clients in {rooms} room(s); runs: {runs}; medians ==")
    head = f"{'figure':<24} {'natterd':>12}"
    if mem:
        head += f" {'nat-memory':>12}"
    head += f" {'ngircd':>12} {'natterd/ngircd':>15}"
    if mem:
        head += f" {'memory/ngircd':>14} {'store cost':>11}"
    if ins:
        head += f" {'inspircd':>12} {'natterd/insp':>13}"
    if rel:
        head += f" {'relay':>12} {'natterd/relay':>14}"
    print(head + "  better")
    for key, label, better in FIGURES:
        a, m, b = median(nat, key), median(mem, key), median(ngi, key)
        if a is None and b is None and m is None:
            continue
        row = f"{label:<24} {fmt(a):>12}"
        if mem:
            row += f" {fmt(m):>12}"
        row += f" {fmt(b):>12} {ratio(a, b):>15}"
        if mem:
            row += f" {ratio(m, b):>14} {ratio(a, m):>11}"
        if ins:
            i = median(ins, key)
            row += f" {fmt(i):>12} {ratio(a, i):>13}"
        if rel:
            row += f" {fmt(median(rel, key)):>12} {ratio(a, median(rel, key)):>14}"
        print(row + f"  {better}")
    if rel:
        relay_ratios(nat, mem, rel)
    bad = [f"{r.get('server')} run {r.get('run')}: {r.get('status')}"
           for r in nat + mem + ngi + ins + rel if r.get("status") != "ok"]
    if bad:
        print("not ok: " + "; ".join(bad))
    print()
EOF

echo "Raw RESULT lines: $output"
if [ $failures -gt 0 ]; then
  echo "compare-servers: $failures run(s) failed" >&2
  exit 1
fi
exit 0
