#!/usr/bin/env bash
# Runs every Ferry test: the .NET suites (codec, broker, store, server, crash), the official-SDK conformance suite
# against a real ferry process, and a short smoke run of the benchmark tools. Works on a fresh machine with the .NET 10
# SDK and Node 20: it restores NuGet and npm packages itself. Ends with one line: "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

results=$(mktemp -d)
passed=0
failed=0

echo "== PostgreSQL (the job store's PostgreSQL tests start their own server from Debian's package)"
# A failure here is not fatal: those tests then fail with the reason instead of being skipped.
tests/ensure-postgres.sh || true

echo "== build (Release)"
if ! dotnet build Ferry.slnx -c Release -v quiet -nologo; then
  echo "build failed"
  echo "0 passed, 1 failed"
  exit 1
fi

for project in tests/Ferry.*Tests; do
  name=$(basename "$project")
  echo "== $name"
  dotnet test "$project" -c Release --no-build --logger "trx;LogFileName=$name.trx" --results-directory "$results" -v quiet -nologo \
    2>&1 | tee "$results/$name.log" | grep -E "^(Passed|Failed)!|^\s+Failed |error" || true
  line=$(grep -E "(Passed|Failed)!" "$results/$name.log" | tail -1)
  p=$(sed -nE 's/.*Passed: *([0-9]+).*/\1/p' <<<"$line"); f=$(sed -nE 's/.*Failed: *([0-9]+),.*/\1/p' <<<"$line")
  if [ -z "$line" ]; then f=1; p=0; echo "$name did not report results"; fi
  passed=$((passed + ${p:-0})); failed=$((failed + ${f:-0}))
done

echo "== SDK conformance (@azure/service-bus)"
FERRY_HOST_DLL="$PWD/src/Ferry.Host/bin/Release/net10.0/Ferry.Host.dll" tests/sdk/run.sh 2>&1 | tee "$results/sdk.log" \
  | grep -E "^✖|^ℹ (tests|pass|fail)" || true
p=$(sed -nE 's/^ℹ pass ([0-9]+)$/\1/p' "$results/sdk.log" | tail -1); f=$(sed -nE 's/^ℹ fail ([0-9]+)$/\1/p' "$results/sdk.log" | tail -1)
if [ -z "$p" ]; then f=1; p=0; echo "the SDK suite did not report results"; fi
passed=$((passed + p)); failed=$((failed + ${f:-0}))

echo "== dashboard (Chromium)"
FERRY_HOST_DLL="$PWD/src/Ferry.Host/bin/Release/net10.0/Ferry.Host.dll" tests/dashboard/run.sh 2>&1 | tee "$results/dashboard.log" \
  | grep -E "^✖|^ℹ (tests|pass|fail)" || true
p=$(sed -nE 's/^ℹ pass ([0-9]+)$/\1/p' "$results/dashboard.log" | tail -1); f=$(sed -nE 's/^ℹ fail ([0-9]+)$/\1/p' "$results/dashboard.log" | tail -1)
if [ -z "$p" ]; then f=1; p=0; echo "the dashboard suite did not report results"; fi
passed=$((passed + p)); failed=$((failed + ${f:-0}))

echo "== benchmark tools smoke (load tool, compare.sh syntax, BenchmarkDotNet dry job; checks they work, not speed)"
bench/smoke.sh 2>&1 | tee "$results/smoke.log" | grep -E "FAIL|^ {8}" || true
p=$(sed -nE 's/^([0-9]+) passed, ([0-9]+) failed$/\1/p' "$results/smoke.log" | tail -1); f=$(sed -nE 's/^([0-9]+) passed, ([0-9]+) failed$/\2/p' "$results/smoke.log" | tail -1)
if [ -z "$p" ]; then f=1; p=0; echo "the benchmark smoke did not report results"; fi
passed=$((passed + p)); failed=$((failed + ${f:-0}))

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
