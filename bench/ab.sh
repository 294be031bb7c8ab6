#!/usr/bin/env bash
# A/B of Ferry builds under one load-tool scenario: each run starts a fresh Release Ferry.Host of one build on a fresh
# durable store, runs the scenario against it (broker-only CPU and RSS through --broker-pid), stops it, and alternates
# builds round by round, so slow drift of a shared machine falls on both alike.
#   bench/ab.sh ROUNDS SCENARIO LABEL=REPO_DIR [LABEL=REPO_DIR ...] [-- load-tool options]
#   e.g. bench/ab.sh 4 e2e-2k main=. base=/tmp/ferry-base
# Each REPO_DIR must hold a built host (dotnet build src/Ferry.Host -c Release). The load tool is this checkout's.
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=$1; scenario=$2; shift 2
builds=()
while [ "$#" -gt 0 ] && [ "$1" != "--" ]; do builds+=("$1"); shift; done
[ "${1:-}" = "--" ] && shift
port=${FERRY_BENCH_PORT_BASE:-25890}
dotnet build bench/Ferry.LoadTest -c Release -v quiet -nologo >/dev/null
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for round in $(seq 1 "$rounds"); do
  for spec in "${builds[@]}"; do
    label=${spec%%=*}; dir=${spec#*=}
    rm -rf "$work/data"
    dotnet "$dir/src/Ferry.Host/bin/Release/net10.0/Ferry.Host.dll" --data "$work/data" --amqp-port "$port" \
      --http-port $((port + 1)) --amqps-port -1 --https-port -1 --log-level Warning > "$work/ferry.log" 2>&1 &
    host=$!
    for _ in $(seq 150); do curl -sf "http://127.0.0.1:$((port + 1))/health/ready" >/dev/null 2>&1 && break; sleep 0.2; done
    line=$(timeout 300 dotnet bench/Ferry.LoadTest/bin/Release/net10.0/Ferry.LoadTest.dll --amqp "127.0.0.1:$port" \
      --http "127.0.0.1:$((port + 1))" --broker-pid "$host" --scenario "$scenario" --warmup 8 --duration 10 --quiet "$@" 2>&1 \
      | grep -E "^ferry " || echo "(no result; host log: $(tail -1 "$work/ferry.log"))")
    kill -TERM "$host"; wait "$host" 2>/dev/null || true
    echo "$(date -u +%H:%M:%S) round $round load=$(cut -d' ' -f1 /proc/loadavg) $label $line"
  done
done
