#!/usr/bin/env bash
# Makes sure Debian's PostgreSQL server binaries are installed, for the job store's PostgreSQL tests
# (tests/Ferry.Jobs.Tests/PostgresFixture.cs starts its own server from them, on a free port, in a temp directory).
# The fixture installs them too when missing; doing it here keeps a slow apt-get out of the test run's timeouts.
set -uo pipefail
if compgen -G "/usr/lib/postgresql/*/bin/postgres" > /dev/null; then
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "PostgreSQL is not installed and this is not root: run 'apt-get install -y postgresql' (the PostgreSQL tests will fail until then)" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get install -y --no-install-recommends postgresql > /dev/null 2>&1 \
  || { apt-get update > /dev/null && apt-get install -y --no-install-recommends postgresql > /dev/null; }
compgen -G "/usr/lib/postgresql/*/bin/postgres" > /dev/null || { echo "apt-get did not install the PostgreSQL server" >&2; exit 1; }
