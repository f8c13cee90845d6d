#!/usr/bin/env bash
# Scale benchmark: kubectl-sidecar vs kubectl vs a raw download, on a synthetic cluster served by
# the fake API server (benches/scale.rs) with real paging (500 pods a page); then the logs
# throughput: `logs --all` merging one pod's 50 container logs of 100,000 lines each, held
# (50 containers, more than the default --max-log-requests 10) and streamed (--max-log-requests 50).
#
#   benches/run.sh                         # N = 10,000 and 50 x 100,000 log lines, 3 rounds, release build
#   benches/run.sh --pods "1000 10000 30000" --rounds 5
#   benches/run.sh --logs-only --logs-containers 20 --logs-lines 50000
#   benches/run.sh --pods "10000 50000 150000" --rounds 1 --no-kubectl --no-logs
#   benches/run.sh --smoke                 # N = 200 and 5 x 2,000 log lines, 1 round, debug build
#                                          # (CI): fails on errors only
#
# Every command runs once per round, alternating, under /usr/bin/time (wall, user+sys CPU, peak
# RSS); the summary shows medians and ratios. Raw results: $OUT/results.tsv and $OUT/logs.tsv
# (OUT defaults to target/bench-scale). Timings depend on the machine; compare within one run only.
set -euo pipefail
cd "$(dirname "$0")/.."

PODS="10000"
ROUNDS=3
SMOKE=0
LOGS_CONTAINERS=50
LOGS_LINES=100000
RUN_PODS=1
RUN_LOGS=1
RUN_KUBECTL=1
while [ $# -gt 0 ]; do
  case "$1" in
    --pods) PODS="$2"; shift 2 ;;
    --rounds) ROUNDS="$2"; shift 2 ;;
    --logs-containers) LOGS_CONTAINERS="$2"; shift 2 ;;
    --logs-lines) LOGS_LINES="$2"; shift 2 ;;
    --logs-only) RUN_PODS=0; shift ;;
    --no-logs) RUN_LOGS=0; shift ;;
    --no-kubectl) RUN_KUBECTL=0; shift ;;
    --smoke) SMOKE=1; PODS="200"; ROUNDS=1; LOGS_CONTAINERS=5; LOGS_LINES=2000; shift ;;
    *) echo "usage: $0 [--pods \"N ...\"] [--rounds R] [--logs-containers C] [--logs-lines L] [--logs-only|--no-logs] [--no-kubectl] [--smoke]" >&2; exit 2 ;;
  esac
done

OUT="${OUT:-target/bench-scale}"
mkdir -p "$OUT"
RESULTS="$OUT/results.tsv"
LOGS_RESULTS="$OUT/logs.tsv"
: > "$RESULTS"
: > "$LOGS_RESULTS"
TSV="$RESULTS"  # where run() appends

# GNU time gives peak RSS; Debian ships it as the `time` package.
if ! /usr/bin/time -f %M true >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    apt-get install -y -qq time >/dev/null
  else
    echo "benches/run.sh: needs GNU time at /usr/bin/time (apt-get install time)" >&2
    exit 1
  fi
fi

# Build the binary under test and the server; the smoke run reuses the test build.
if [ "$SMOKE" = 1 ]; then
  cargo build --quiet
  BIN=target/debug/kubectl-sidecar
  build_scale=(cargo test --bench scale --no-run)
else
  cargo build --release --quiet
  BIN=target/release/kubectl-sidecar
  build_scale=(cargo bench --bench scale --no-run)
fi
SCALE=$("${build_scale[@]}" 2>&1 | sed -n 's/.*Executable .*(\(.*\)).*/\1/p' | tail -1)
[ -x "$SCALE" ] || { echo "benches/run.sh: could not build benches/scale.rs" >&2; exit 1; }

KUBECTL=$(command -v kubectl || true)
[ -n "$KUBECTL" ] || echo "kubectl not found: its rows are skipped" >&2
# kubectl holds every pod (about 200 KiB each): --no-kubectl skips it at large N.
[ "$RUN_KUBECTL" = 1 ] || KUBECTL=""

SERVER_PID=""
cleanup() { [ -z "$SERVER_PID" ] || kill "$SERVER_PID" 2>/dev/null || true; }
trap cleanup EXIT

# Raw download of every page, following continue tokens: the floor for any client.
cat > "$OUT/download.sh" <<'EOF'
#!/usr/bin/env bash
set -euo pipefail
url="$1"; page="$2"; cont=""
while :; do
  if command -v curl >/dev/null; then
    curl -sf -G -H "Authorization: Bearer fake-token" -H "User-Agent: bench" \
      --data limit=500 ${cont:+--data-urlencode "continue=$cont"} "$url/api/v1/pods" -o "$page"
  else
    python3 -c 'import sys,urllib.request,urllib.parse
q={"limit":"500"}
if sys.argv[2]: q["continue"]=sys.argv[2]
r=urllib.request.Request(sys.argv[1]+"/api/v1/pods?"+urllib.parse.urlencode(q),headers={"Authorization":"Bearer fake-token","User-Agent":"bench"})
open(sys.argv[3],"wb").write(urllib.request.urlopen(r).read())' "$url" "$cont" "$page"
  fi
  # The list metadata (with the continue token) comes before the items, as from a real server.
  cont=$(head -c 2000 "$page" | grep -o '"continue":"[^"]*"' | cut -d'"' -f4 || true)
  [ -n "$cont" ] || break
done
EOF

# Raw download of every container's log, 10 at a time (the default --max-log-requests of
# `logs`), as `logs` asks for them (timestamps=true): the floor for any client.
cat > "$OUT/logs-download.sh" <<'EOF'
#!/usr/bin/env bash
set -euo pipefail
url="$1"; ns="$2"; pod="$3"; containers="$4"
base="$url/api/v1/namespaces/$ns/pods/$pod/log?timestamps=true&container="
if command -v curl >/dev/null; then
  xargs -P 10 -I{} curl -sf -H "Authorization: Bearer fake-token" -H "User-Agent: bench" \
    -o /dev/null "$base{}" < "$containers"
else
  python3 -c 'import sys,urllib.request,concurrent.futures as f
def get(c):
    r=urllib.request.Request(sys.argv[1]+c,headers={"Authorization":"Bearer fake-token","User-Agent":"bench"})
    with urllib.request.urlopen(r) as body:
        while body.read(1<<20): pass
with f.ThreadPoolExecutor(10) as pool:
    list(pool.map(get, open(sys.argv[2]).read().split()))' "$base" "$containers"
fi
EOF

# run N NAME CMD...: one timed run; any failure stops the benchmark.
run() {
  local n="$1" name="$2"; shift 2
  if ! /usr/bin/time -f "%e %U %S %M" -o "$OUT/time" "$@" > /dev/null 2> "$OUT/stderr"; then
    echo "benches/run.sh: $name failed at N=$n:" >&2
    cat "$OUT/stderr" "$OUT/time" >&2
    exit 1
  fi
  read -r wall user sys rss < <(tail -1 "$OUT/time")
  printf '%s\t%s\t%s\t%s\t%s\n' "$n" "$name" "$wall" "$(awk "BEGIN{print $user + $sys}")" "$rss" >> "$TSV"
}

# start_server DIR WHAT ARGS...: `scale ARGS... --dir DIR` in the background, until DIR/url.
start_server() {
  local dir="$1" what="$2"; shift 2
  rm -rf "$dir"; mkdir -p "$dir"
  "$SCALE" "$@" --dir "$dir" > "$dir/server.log" 2>&1 &
  SERVER_PID=$!
  for _ in $(seq 600); do [ -s "$dir/url" ] && break; sleep 0.5; done
  [ -s "$dir/url" ] || { echo "benches/run.sh: server for $what did not start" >&2; cat "$dir/server.log" >&2; exit 1; }
}

stop_server() {
  kill "$SERVER_PID" 2>/dev/null || true
  wait "$SERVER_PID" 2>/dev/null || true
  SERVER_PID=""
}

[ "$RUN_PODS" = 1 ] || PODS=""
for n in $PODS; do
  dir="$OUT/n$n"
  start_server "$dir" "N=$n" serve --pods "$n"
  url=$(cat "$dir/url")
  kc="$dir/kubeconfig"
  for round in $(seq "$ROUNDS"); do
    echo "N=$n round $round/$ROUNDS" >&2
    run "$n" raw-download bash "$OUT/download.sh" "$url" "$dir/page"
    if [ -n "$KUBECTL" ]; then
      run "$n" "kubectl get -o json" "$KUBECTL" --kubeconfig "$kc" get pods -A -o json
    fi
    run "$n" "sidecar ls -o json" "$BIN" ls --kubeconfig "$kc" -A -o json
    run "$n" "sidecar ls -o yaml" "$BIN" ls --kubeconfig "$kc" -A -o yaml
    if [ -n "$KUBECTL" ]; then
      run "$n" "kubectl get" "$KUBECTL" --kubeconfig "$kc" get pods -A
    fi
    run "$n" "sidecar ls" "$BIN" ls --kubeconfig "$kc" -A
    run "$n" "sidecar diagnose" "$BIN" diagnose --kubeconfig "$kc" -A --fail-on never
    run "$n" "sidecar diagnose -o json" "$BIN" diagnose --kubeconfig "$kc" -A --fail-on never -o json
    run "$n" "sidecar volumes" "$BIN" volumes --kubeconfig "$kc" -A
    run "$n" "sidecar order" "$BIN" order --kubeconfig "$kc" -A
  done
  stop_server
done

# Logs throughput: one pod, LOGS_CONTAINERS containers of LOGS_LINES lines each, merged by
# `logs --all` (not following) into /dev/null.
if [ "$RUN_LOGS" = 1 ]; then
  total=$((LOGS_CONTAINERS * LOGS_LINES))
  dir="$OUT/logs"
  start_server "$dir" "logs" serve-logs --containers "$LOGS_CONTAINERS" --lines "$LOGS_LINES"
  url=$(cat "$dir/url")
  kc="$dir/kubeconfig"
  ns=$(cat "$dir/namespace")
  pod=$(cat "$dir/pod")
  TSV="$LOGS_RESULTS"
  # Once each, untimed: every line comes out, in timestamp order (fixed-width RFC 3339
  # stamps), whether the logs are held (more containers than --max-log-requests, the default
  # 10) or merged as they stream in (--max-log-requests C: all open at once).
  streamed=(--max-log-requests "$LOGS_CONTAINERS")
  for mode in held streamed; do
    extra=()
    [ "$mode" = held ] || extra=("${streamed[@]}")
    read -r count unordered < <("$BIN" logs --kubeconfig "$kc" -n "$ns" "$pod" --all "${extra[@]}" --prefix none --timestamps 2>/dev/null \
      | LC_ALL=C awk '$1 < prev {bad++} {prev = $1; n++} END {print n + 0, bad + 0}')
    if [ "$count" != "$total" ] || [ "$unordered" != 0 ]; then
      echo "benches/run.sh: logs --all ($mode) printed $count lines ($total expected), $unordered out of timestamp order" >&2
      exit 1
    fi
  done
  for round in $(seq "$ROUNDS"); do
    echo "logs ${LOGS_CONTAINERS}x$LOGS_LINES round $round/$ROUNDS" >&2
    run "$total" "raw download (curl, $LOGS_CONTAINERS logs, 10 at a time)" \
      bash "$OUT/logs-download.sh" "$url" "$ns" "$pod" "$dir/containers"
    run "$total" "sidecar logs --all" "$BIN" logs --kubeconfig "$kc" -n "$ns" "$pod" --all
    run "$total" "sidecar logs --all --max-log-requests $LOGS_CONTAINERS" "$BIN" logs --kubeconfig "$kc" -n "$ns" "$pod" --all "${streamed[@]}"
    if [ -n "$KUBECTL" ]; then
      # For reference: one container after the other, not merged.
      run "$total" "kubectl logs --all-containers" "$KUBECTL" --kubeconfig "$kc" -n "$ns" logs "$pod" --all-containers
    fi
  done
  stop_server
fi

# Medians per (N, command) and ratios; plain results if python3 is missing.
if command -v python3 >/dev/null; then
  python3 - "$RESULTS" "$LOGS_RESULTS" <<'EOF'
import collections, statistics, sys
def medians(path):
    rows = collections.defaultdict(list)
    for line in open(path):
        n, name, wall, cpu, rss = line.rstrip("\n").split("\t")
        rows[(int(n), name)].append((float(wall), float(cpu), int(rss)))
    return {k: tuple(statistics.median(x[i] for x in v) for i in range(3)) for k, v in rows.items()}
med, logs = medians(sys.argv[1]), medians(sys.argv[2])
ref = {"sidecar ls -o json": "kubectl get -o json", "sidecar ls": "kubectl get"}
if med:
    print("| N | command | wall s | user+sys s | peak RSS MiB | wall / kubectl | wall / raw download |")
    print("|---:|---|---:|---:|---:|---:|---:|")
for (n, name), (wall, cpu, rss) in sorted(med.items(), key=lambda kv: kv[0][0]):
    k = med.get((n, ref.get(name, "")))
    raw = med.get((n, "raw-download"))
    vs_k = f"{wall / k[0]:.2f}" if k and k[0] else ""
    vs_raw = f"{wall / raw[0]:.2f}" if raw and raw[0] and name != "raw-download" else ""
    print(f"| {n:,} | {name} | {wall:.2f} | {cpu:.2f} | {rss / 1024:.0f} | {vs_k} | {vs_raw} |")
if logs:
    if med:
        print()
    print("| log lines | command | wall s | user+sys s | peak RSS MiB | lines/s | wall / raw download |")
    print("|---:|---|---:|---:|---:|---:|---:|")
    for (n, name), (wall, cpu, rss) in sorted(logs.items(), key=lambda kv: (kv[0][0], not kv[0][1].startswith("raw"))):
        raw = next((v for (m, k), v in logs.items() if m == n and k.startswith("raw")), None)
        vs_raw = f"{wall / raw[0]:.2f}" if raw and raw[0] and not name.startswith("raw") else ""
        rate = f"{n / wall:,.0f}" if wall else ""
        print(f"| {n:,} | {name} | {wall:.2f} | {cpu:.2f} | {rss / 1024:.0f} | {rate} | {vs_raw} |")
EOF
else
  cat "$RESULTS" "$LOGS_RESULTS"
fi
