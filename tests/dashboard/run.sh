#!/usr/bin/env bash
# Runs the dashboard tests: playwright-core driving Debian's Chromium against a real Ferry process.
#   tests/dashboard/run.sh                          # all test files
#   tests/dashboard/run.sh test/signin.test.mjs     # selected files
# Builds nothing: Ferry.Host must be built (dotnet build -c Release src/Ferry.Host), or FERRY_HOST_DLL set.
# Installs Chromium with apt-get only when /usr/bin/chromium is missing; never downloads a browser otherwise.
# Screenshots go to docs/images/ with FERRY_UPDATE_SCREENSHOTS=1 (else to a temp dir). Ends with node's summary (ℹ tests N, ℹ pass N, ℹ fail N, …).
set -euo pipefail
cd "$(dirname "$0")"

if [ ! -x "${CHROMIUM_PATH:-/usr/bin/chromium}" ]; then
  echo "Chromium is missing: installing Debian's package"
  if [ "$(id -u)" -eq 0 ]; then apt-get update -qq && apt-get install -y -qq chromium >/dev/null
  else sudo apt-get update -qq && sudo apt-get install -y -qq chromium >/dev/null; fi
fi

dll="${FERRY_HOST_DLL:-../../src/Ferry.Host/bin/Release/net10.0/Ferry.Host.dll}"
if [ ! -f "$dll" ]; then
  echo "Ferry.Host.dll not found at $dll: run  dotnet build -c Release src/Ferry.Host  first" >&2
  exit 1
fi

PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error >/dev/null

if [ "$#" -eq 0 ]; then
  set -- test/
fi

# One file at a time: each starts its own Ferry and Chromium, and the machine has few cores.
exec node --test --test-concurrency=1 --test-force-exit --test-reporter=spec "$@"
