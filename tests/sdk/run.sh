#!/usr/bin/env bash
# Runs the @azure/service-bus conformance suite against a real Ferry process.
#   tests/sdk/run.sh                      # all test files
#   tests/sdk/run.sh test/peek.test.mjs   # selected files
# Ferry.Host must be built first (dotnet build -c Release src/Ferry.Host), or FERRY_HOST_DLL set.
set -euo pipefail
cd "$(dirname "$0")"

npm ci --no-audit --no-fund --loglevel=error >/dev/null

if [ "$#" -eq 0 ]; then
  set -- test/
fi

# spec reporter: one line per test, failures (with Ferry's output) repeated at the end.
# --test-force-exit: a test file ends when its tests do, even if a broken broker left SDK timers behind.
exec node --test --test-concurrency=2 --test-force-exit --test-reporter=spec "$@"
