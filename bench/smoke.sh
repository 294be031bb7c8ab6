#!/usr/bin/env bash
# Keeps the benchmark tools from rotting: a few seconds of each, against an in-process Ferry. Checks that they run and
# deliver every message, never how fast. Expects a Release build of Ferry.slnx (test.sh builds it first).
# Ends with one line: "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
work=$(mktemp -d /tmp/ferry-smoke-XXXXXX)
trap 'rm -rf "$work"' EXIT
passed=0
failed=0
check() { # name, then the command
  local name=$1; shift
  if "$@" > "$work/$name.log" 2>&1; then
    passed=$((passed + 1)); echo "  pass  $name"
  else
    failed=$((failed + 1)); echo "  FAIL  $name"; tail -20 "$work/$name.log" | sed 's/^/        /'
  fi
}
load=(dotnet bench/Ferry.LoadTest/bin/Release/net10.0/Ferry.LoadTest.dll)

# Every scenario on an in-process durable Ferry, by count: exits non-zero unless every message arrived and was accepted.
check loadtest-scenarios "${load[@]}" --scenario send,drain,e2e,fanout,sessions --count 400 --senders 2 --receivers 2 \
  --window 20 --sessions 4 --subscriptions 3 --batch 1 --quiet --json "$work/scenarios.json"
check loadtest-batch-large "${load[@]}" --scenario e2e,large-256k,large-1m --count 60 --batch 5 --senders 2 --window 4 --quiet --json "$work/large.json"
# AMQPNetLite's own transport (one socket write per frame), kept for comparison with the load tool's batching one.
check loadtest-stock-transport "${load[@]}" --scenario e2e --count 400 --senders 2 --window 20 --stock-transport --quiet
check loadtest-duration "${load[@]}" --scenario e2e --duration 1 --warmup 0.2 --rate 500 --in-memory --quiet --json "$work/duration.json"
summary() {
  "${load[@]}" summarize --out "$work/summary.md" "$work/scenarios.json" "$work/large.json" "$work/duration.json" \
    && grep -q '^| e2e | Ferry |' "$work/summary.md" && grep -q '^| fanout | Ferry |' "$work/summary.md"
}
check loadtest-summarize summary
check disk-probe bash -c "${load[*]} disk-probe --dir $work --count 50 | grep -q '^8 KB rewrite + sync, 50 times: p50 '"
check scripts-syntax bash -c 'bash -n bench/compare.sh && bash -n bench/ab.sh'
# Each benchmark once, in process, with BenchmarkDotNet's dry job (no separate build per benchmark).
check benchmarkdotnet-dry dotnet bench/Ferry.Benchmarks/bin/Release/net10.0/Ferry.Benchmarks.dll --filter '*' --job dry --inProcess --artifacts "$work/bdn"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
