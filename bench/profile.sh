#!/usr/bin/env bash
# Where the broker's time goes under end-to-end load: starts a Release Ferry.Host on a durable store in a temp dir,
# drives it with the load tool, and records an EventPipe trace of the host with dotnet-trace (a local tool in
# bench/dotnet-tools.json, restored here). Prints the top methods by exclusive and inclusive samples and keeps the
# .nettrace (open it in PerfView, or the .speedscope.json in speedscope.app). With python3, bench/trace-summary.py
# then shares out the busy samples only (the sampler records waiting threads too).
#
# --perf records on-CPU samples with Linux perf instead (apt-get install linux-perf; JIT frames named through the
# runtime's perf map): CPU time per thread, per library and per method, which the wall-clock EventPipe sampler cannot
# give on a busy machine. Either way the trace starts after --settle seconds of load (default 20), past the tiered JIT.
#
#   bench/profile.sh [--seconds S] [--settle S] [--perf] [--out FILE] [-- load-tool options]   (defaults: 10 s, e2e)
set -euo pipefail
cd "$(dirname "$0")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
seconds=10
settle=20
use_perf=""
out="bench/profile-$(date -u +%Y%m%d-%H%M%S).nettrace"
extra=()
while [ $# -gt 0 ]; do
  case "$1" in
    --seconds) seconds=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    --settle) settle=$2; shift 2 ;;
    --perf) use_perf=1; shift ;;
    --) shift; extra=("$@"); break ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
mkdir -p "$(dirname "$out")"
out="$(cd "$(dirname "$out")" && pwd)/$(basename "$out")"
amqp_port=${FERRY_PROFILE_AMQP_PORT:-35690}
http_port=$((amqp_port + 1))
work=$(mktemp -d /tmp/ferry-profile-XXXXXX)
host_pid=""
load_pid=""
cleanup() {
  [ -n "$load_pid" ] && kill -0 "$load_pid" 2>/dev/null && kill -TERM "$load_pid"
  if [ -n "$host_pid" ] && kill -0 "$host_pid" 2>/dev/null; then
    kill -TERM "$host_pid"; for _ in $(seq 50); do kill -0 "$host_pid" 2>/dev/null || break; sleep 0.2; done
    kill -KILL "$host_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

(cd bench && dotnet tool restore >/dev/null)
dotnet build src/Ferry.Host -c Release -v quiet -nologo >/dev/null
dotnet build bench/Ferry.LoadTest -c Release -v quiet -nologo >/dev/null
host_env=()
[ -n "$use_perf" ] && host_env=(DOTNET_PerfMapEnabled=1 DOTNET_EnableWriteXorExecute=0)
env "${host_env[@]}" dotnet src/Ferry.Host/bin/Release/net10.0/Ferry.Host.dll --data "$work/data" --amqp-port "$amqp_port" --http-port "$http_port" \
  --log-level Warning > "$work/ferry.log" 2>&1 &
host_pid=$!
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$http_port/health" >/dev/null 2>&1 && break; sleep 0.1; done

# Load through the settle time, the traced seconds and a margin; only the traced seconds are measured. The load tool
# runs every --scenario it is given in turn, so e2e is the default only when the options name no other: otherwise the
# trace would record e2e and the scenario asked for would run after it.
scenario=(--scenario e2e)
for arg in "${extra[@]}"; do [ "$arg" = "--scenario" ] && scenario=(); done
dotnet bench/Ferry.LoadTest/bin/Release/net10.0/Ferry.LoadTest.dll --amqp "127.0.0.1:$amqp_port" --http "127.0.0.1:$http_port" \
  --broker-pid "$host_pid" "${scenario[@]}" --warmup "$settle" --duration $((seconds + 2)) --quiet "${extra[@]}" > "$work/load.txt" 2>&1 &
load_pid=$!
sleep "$settle"
if [ -n "$use_perf" ]; then
  out="${out%.nettrace}.perf.data"
  perf record -e cpu-clock -F 499 -g -p "$host_pid" -o "$out" -- sleep "$seconds" 2>/dev/null
  wait "$load_pid" || true
  cat "$work/load.txt"
  set +o pipefail  # the reports are cut with head
  report() { perf report -i "$out" --stdio "$@" 2>/dev/null | grep -v '^#' | grep -v '^$'; }
  echo; echo "== CPU by thread"; report --no-children --sort comm -g none | head -8
  echo "== CPU by library"; report --no-children --sort dso -g none | head -10
  echo "== CPU by method, self"; report --no-children --sort sym -g none | head -40 | cut -c1-170
  echo "== CPU by method, with callees (Ferry, SQLite, thread pool, sockets)"
  report --children --sort sym -g none | grep -E 'Ferry|Sqlite|sqlite3|ThreadPoolWorkQueue|LowLevelLifoSemaphore|fsync|sched_yield|Socket' \
    | head -40 | cut -c1-170
  echo "perf data kept in $out (the JIT map is /tmp/perf-$host_pid.map)"
  exit 0
fi
(cd bench && dotnet dotnet-trace collect -p "$host_pid" --profile dotnet-sampled-thread-time --duration "00:00:00:$(printf %02d "$seconds")" \
  -o "$out" >/dev/null)
wait "$load_pid" || true
cat "$work/load.txt"
echo
echo "== top methods by exclusive samples (all threads, waiting ones included)"
(cd bench && dotnet dotnet-trace report "$out" topN -n 40)
echo "== top methods by inclusive samples"
(cd bench && dotnet dotnet-trace report "$out" topN -n 60 --inclusive)
if command -v python3 >/dev/null; then
  (cd bench && dotnet dotnet-trace convert "$out" --format Speedscope -o "${out%.nettrace}" >/dev/null)
  echo "== busy samples only (bench/trace-summary.py: waiting threads left out)"
  python3 bench/trace-summary.py "${out%.nettrace}.speedscope.json" 40
fi
echo "trace kept in $out"
