#!/usr/bin/env bash
# Ferry against RabbitMQ on this machine, side by side: one command.
#
# Installs rabbitmq-server from Debian if it is missing, starts a private RabbitMQ node (its own data directory, an
# unprivileged user, 127.0.0.1 only, its own ports and epmd, no plugins) and a Release Ferry.Host on a durable store in
# a temp directory, runs each scenario of bench/Ferry.LoadTest on both in alternation for several rounds, and writes
# bench/RESULTS.md (machine, versions, settings, medians with min–max, Ferry/RabbitMQ ratios). Both servers are
# stopped on exit, whatever happens.
#
#   bench/compare.sh [--rounds N] [--duration S] [--warmup S] [--warmup-pass S] [--scenarios LIST] [--out FILE] [--note TEXT]
#                    [-- load-tool options]
#
# Before round 1, a warm-up pass runs every scenario once on both brokers for --warmup-pass seconds (default 5) and
# throws the figures away: a fresh .NET process spends its first seconds in the tiered JIT (40 % of Ferry's CPU in the
# first 10 s on a busy 2-core VM), which would otherwise land in round 1. Each run then measures after its own --warmup
# (default 5 s): every run starts a new load-tool process, whose JIT and new connections in its first seconds raised
# e2e-2k's p99 from 3.8-4.1 ms to 4.2-8.3 ms when only the first second was left out (docs/performance.md).
# Defaults: 3 rounds, 10 s measured after 5 s warm-up, all scenarios (send,drain,e2e,e2e-2k,fanout,sessions,large-256k,large-1m).
# Options after -- go to every load-tool run (e.g. -- --senders 8 --window 100). Ports: FERRY_BENCH_PORT_BASE (25670: below the
# ephemeral range 32768-60999, where an outgoing connection once held Ferry's port as it started).
set -euo pipefail
cd "$(dirname "$0")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

rounds=3
duration=10
warmup=5
warmup_pass=5
scenarios="send,drain,e2e,e2e-2k,fanout,sessions,large-256k,large-1m"
out="bench/RESULTS.md"
note=""
extra=()
while [ $# -gt 0 ]; do
  case "$1" in
    --rounds) rounds=$2; shift 2 ;;
    --duration) duration=$2; shift 2 ;;
    --warmup) warmup=$2; shift 2 ;;
    --warmup-pass) warmup_pass=$2; shift 2 ;;
    --scenarios) scenarios=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    --note) note=$2; shift 2 ;;
    --) shift; extra=("$@"); break ;;
    *) echo "unknown option $1 (see the head of $0)" >&2; exit 2 ;;
  esac
done

base=${FERRY_BENCH_PORT_BASE:-25670}
rabbit_port=$base                 # AMQP 0.9.1
rabbit_dist_port=$((base + 1))    # Erlang distribution
epmd_port=$((base + 2))           # a private epmd, so nothing is shared with another Erlang node
ferry_amqp_port=$((base + 3))
ferry_http_port=$((base + 4))
node="ferrybench@localhost"

work=$(mktemp -d /tmp/ferry-compare-XXXXXX)
rabbit_dir="$work/rabbitmq"
ferry_dir="$work/ferry-data"
runs="$work/runs"
mkdir -p "$rabbit_dir" "$ferry_dir" "$runs"
ferry_pid=""
rabbit_started=""

as_rabbit() {
  # The node runs as the unprivileged rabbitmq user, with everything it writes under $rabbit_dir.
  runuser -u rabbitmq -- env -i PATH="$PATH" HOME="$rabbit_dir" LANG=C.UTF-8 \
    RABBITMQ_NODENAME="$node" RABBITMQ_NODE_IP_ADDRESS=127.0.0.1 RABBITMQ_NODE_PORT="$rabbit_port" \
    RABBITMQ_DIST_PORT="$rabbit_dist_port" RABBITMQ_MNESIA_BASE="$rabbit_dir/mnesia" RABBITMQ_LOG_BASE="$rabbit_dir/log" \
    RABBITMQ_PID_FILE="$rabbit_dir/rabbit.pid" RABBITMQ_ENABLED_PLUGINS_FILE="$rabbit_dir/enabled_plugins" \
    RABBITMQ_CONF_ENV_FILE="$rabbit_dir/rabbitmq-env.conf" RABBITMQ_CONFIG_FILE="$rabbit_dir/rabbitmq.conf" \
    RABBITMQ_ADVANCED_CONFIG_FILE="$rabbit_dir/advanced.config" \
    ERL_EPMD_ADDRESS=127.0.0.1 ERL_EPMD_PORT="$epmd_port" "$@"
}

cleanup() {
  set +e
  if [ -n "$ferry_pid" ] && kill -0 "$ferry_pid" 2>/dev/null; then
    kill -TERM "$ferry_pid"
    for _ in $(seq 50); do kill -0 "$ferry_pid" 2>/dev/null || break; sleep 0.2; done
    kill -KILL "$ferry_pid" 2>/dev/null
  fi
  if [ -n "$rabbit_started" ]; then
    # Read the pid first: a clean stop removes the pid file before the VM has exited.
    [ -z "${rabbit_pid:-}" ] && [ -s "$rabbit_dir/rabbit.pid" ] && rabbit_pid=$(cat "$rabbit_dir/rabbit.pid")
    as_rabbit /usr/lib/rabbitmq/bin/rabbitmqctl -n "$node" stop >/dev/null 2>&1
    if [ -n "${rabbit_pid:-}" ]; then
      for _ in $(seq 100); do kill -0 "$rabbit_pid" 2>/dev/null || break; sleep 0.2; done
      kill -KILL "$rabbit_pid" 2>/dev/null
    fi
    [ -n "${rabbit_launcher:-}" ] && kill -0 "$rabbit_launcher" 2>/dev/null && kill -KILL "$rabbit_launcher" 2>/dev/null
  fi
  # The private epmd started for the node, on its own port: ask it to exit.
  if [ -n "${epmd_job:-}" ]; then
    epmd -port "$epmd_port" -kill >/dev/null 2>&1
    for _ in $(seq 50); do kill -0 "$epmd_job" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$epmd_job" 2>/dev/null && kill -TERM "$epmd_job"
    wait "$epmd_job" 2>/dev/null
  fi
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
for port in $rabbit_port $rabbit_dist_port $epmd_port $ferry_amqp_port $ferry_http_port; do
  port_free "$port" || { echo "port $port is in use; set FERRY_BENCH_PORT_BASE" >&2; exit 1; }
done

if ! [ -x /usr/lib/rabbitmq/bin/rabbitmq-server ]; then
  echo "== installing rabbitmq-server from Debian"
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -q rabbitmq-server >/dev/null 2>&1 || { apt-get update -q >/dev/null && apt-get install -y -q rabbitmq-server >/dev/null; }
  # The package starts its own system node where systemd runs; this script uses a private node only.
fi

echo "== build (Release): Ferry.Host and the load tool"
dotnet build src/Ferry.Host -c Release -v quiet -nologo >/dev/null
dotnet build bench/Ferry.LoadTest -c Release -v quiet -nologo >/dev/null
load=(dotnet bench/Ferry.LoadTest/bin/Release/net10.0/Ferry.LoadTest.dll)

echo "== starting RabbitMQ ($node on 127.0.0.1:$rabbit_port, data in $rabbit_dir)"
chown -R rabbitmq:rabbitmq "$work"
chmod 755 "$work"
echo "[]." > "$rabbit_dir/enabled_plugins"
: > "$rabbit_dir/rabbitmq-env.conf"
: > "$rabbit_dir/rabbitmq.conf"
echo "[]." > "$rabbit_dir/advanced.config"
chown rabbitmq:rabbitmq "$rabbit_dir"/*
rabbit_started=1
# A private epmd on its own port, loopback only (-relaxed_command_check lets cleanup stop it even if a node lingers).
# Run in the foreground of a background job (not -daemon), so that this script reaps it when it exits.
(cd "$rabbit_dir" && exec runuser -u rabbitmq -- env -i PATH="$PATH" HOME="$rabbit_dir" ERL_EPMD_ADDRESS=127.0.0.1 \
  epmd -address 127.0.0.1 -port "$epmd_port" -relaxed_command_check) > "$rabbit_dir/epmd.log" 2>&1 &
epmd_job=$!
for _ in $(seq 100); do port_free "$epmd_port" || break; sleep 0.05; done
(cd "$rabbit_dir" && as_rabbit /usr/lib/rabbitmq/bin/rabbitmq-server) > "$rabbit_dir/startup.log" 2>&1 &
rabbit_launcher=$!
disown "$rabbit_launcher"  # stopped through rabbitmqctl and its pid file; no job notice from bash
# The CLI's await_startup fails at once while the node has not registered with epmd: wait for the AMQP port first.
for _ in $(seq 300); do
  port_free "$rabbit_port" || break
  kill -0 "$rabbit_launcher" 2>/dev/null || break
  sleep 0.3
done
if ! as_rabbit timeout 90 /usr/lib/rabbitmq/bin/rabbitmqctl -n "$node" --timeout 90 await_startup > "$rabbit_dir/await.log" 2>&1; then
  cat "$rabbit_dir/await.log" >&2
  echo "RabbitMQ did not start; its log:" >&2
  tail -30 "$rabbit_dir/startup.log" >&2
  exit 1
fi
rabbit_pid=$(cat "$rabbit_dir/rabbit.pid")

echo "== starting Ferry (Release Ferry.Host, durable store in $ferry_dir, AMQP 127.0.0.1:$ferry_amqp_port)"
ferry_launch=$(date +%s%N)
dotnet src/Ferry.Host/bin/Release/net10.0/Ferry.Host.dll --data "$ferry_dir" --amqp-port "$ferry_amqp_port" \
  --http-port "$ferry_http_port" --bind localhost --log-level Warning > "$work/ferry.log" 2>&1 &
ferry_pid=$!
for _ in $(seq 1500); do
  curl -sf "http://127.0.0.1:$ferry_http_port/health" >/dev/null 2>&1 && break
  kill -0 "$ferry_pid" 2>/dev/null || { echo "Ferry exited:" >&2; cat "$work/ferry.log" >&2; exit 1; }
  sleep 0.02
done
ferry_ready_ms=$(( ($(date +%s%N) - ferry_launch) / 1000000 ))
curl -sf "http://127.0.0.1:$ferry_http_port/health" >/dev/null || { echo "Ferry did not become ready:" >&2; cat "$work/ferry.log" >&2; exit 1; }

# Both brokers stay up for the whole comparison, so one's after-work (RabbitMQ's message store writing and deleting its
# files, Ferry's checkpoint and collections) could fall into the other's measured run: a slow fsync there is the
# p99 of a paced run. Before each run, wait until neither broker has used more than 20 ms of CPU in the last half
# second and the data disk has taken less than 256 KB of writes in it (at most 30 s; the wait is printed per run).
disk=$(basename "$(df --output=source "$work" | tail -1)")
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat" 2>/dev/null || echo 0; }
disk_sectors() { awk -v d="$disk" '$3 == d { print $10 }' /proc/diskstats; }
settle() {
  local started=$SECONDS f0 r0 d0 f1 r1 d1
  while [ $((SECONDS - started)) -lt 30 ]; do
    f0=$(cpu_ticks "$ferry_pid"); r0=$(cpu_ticks "$rabbit_pid"); d0=$(disk_sectors)
    sleep 0.5
    f1=$(cpu_ticks "$ferry_pid"); r1=$(cpu_ticks "$rabbit_pid"); d1=$(disk_sectors)
    # Ticks are 10 ms; sectors 512 bytes.
    [ $((f1 - f0)) -le 2 ] && [ $((r1 - r0)) -le 2 ] && [ $(( ${d1:-0} - ${d0:-0} )) -lt 512 ] && break
  done
  echo "   (quiet after $((SECONDS - started)) s)"
}

run() { # target scenario round [seconds]: round "warm-up" is run and thrown away
  local target=$1 scenario=$2 round=$3 seconds=${4:-$duration} args
  if [ "$target" = ferry ]; then
    args=(--target ferry --amqp "127.0.0.1:$ferry_amqp_port" --http "127.0.0.1:$ferry_http_port" --broker-pid "$ferry_pid")
  else
    args=(--target rabbitmq --amqp "127.0.0.1:$rabbit_port" --broker-pid "$rabbit_pid")
  fi
  local json="$runs/$target-$scenario-$round.json"
  [ "$round" = warm-up ] && json="$work/warm-up-$target-$scenario.json"
  echo "-- round $round: $scenario on $target"
  settle
  if ! "${load[@]}" "${args[@]}" --scenario "$scenario" --duration "$seconds" --warmup "$warmup" --quiet \
      --json "$json" "${extra[@]}" 2>&1 | tail -n +2; then
    echo "   (run reported failures or incomplete delivery; kept in the results, marked)"
  fi
}

IFS=',' read -ra scenario_list <<< "$scenarios"
if [ "$warmup_pass" != 0 ]; then
  echo "== warm-up pass: each scenario on both brokers for ${warmup_pass} s, not recorded"
  for scenario in "${scenario_list[@]}"; do
    for target in ferry rabbitmq; do run "$target" "$scenario" warm-up "$warmup_pass" > /dev/null; done
  done
fi
load_start=$(cut -d' ' -f1-3 /proc/loadavg)
# The disk's own sync latency beside the stores, before and after the rounds: a paced run's p99 cannot be better than
# its tail, and on a shared VM that tail moves from minute to minute.
disk_probe() { settle > /dev/null; "${load[@]}" disk-probe --dir "$work" --count 2000; }
echo "== disk probe before the rounds"
disk_start=$(disk_probe)
echo "   $disk_start"
for round in $(seq "$rounds"); do
  for scenario in "${scenario_list[@]}"; do
    # Alternate which broker goes first, so neither always runs on the warmer (or busier) machine.
    if [ $((round % 2)) -eq 1 ]; then order=(ferry rabbitmq); else order=(rabbitmq ferry); fi
    for target in "${order[@]}"; do run "$target" "$scenario" "$round"; done
  done
done
load_end=$(cut -d' ' -f1-3 /proc/loadavg)
echo "== disk probe after the rounds"
disk_end=$(disk_probe)
echo "   $disk_end"

rev=$(git rev-parse --short HEAD)
git diff --quiet HEAD -- src bench || rev="$rev (with uncommitted changes)"
header="$work/header.md"
{
  echo "# Ferry vs RabbitMQ — written by bench/compare.sh"
  echo
  echo "Taken $(date -u '+%Y-%m-%d %H:%M UTC') with \`bench/compare.sh --rounds $rounds --duration $duration --warmup $warmup --warmup-pass $warmup_pass --scenarios $scenarios${extra[*]:+ -- ${extra[*]}}\`."
  [ -n "$note" ] && { echo; echo "**Note:** $note"; }
  echo
  echo "| | |"
  echo "|---|---|"
  echo "| machine | $(nproc) cores, $(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -1), $(awk '/MemTotal/ {printf "%.1f GB", $2/1048576}' /proc/meminfo) RAM, $(uname -sr) |"
  echo "| load average (1, 5, 15 min) | at start $load_start; at end $load_end |"
  echo "| Ferry | git $rev, Release Ferry.Host as a separate process, SQLite store (durable) in a temp dir on $(df -T "$work" | awk 'NR==2 {print $2}') |"
  echo "| disk sync, same file system | before the rounds: $disk_start; after: $disk_end (\`Ferry.LoadTest disk-probe\`) |"
  echo "| Ferry start-up | ${ferry_ready_ms} ms from launching the process to \`/health\` answering, on an empty store (DESIGN.md target: 1 s) |"
  echo "| RabbitMQ | $(dpkg-query -W -f '${Version}' rabbitmq-server) (Debian), classic queues, private node, no plugins |"
  echo "| Erlang/OTP | $(erl -noshell -eval 'io:format("~s", [erlang:system_info(otp_release)]), halt().' 2>/dev/null) (erts $(erl -noshell -eval 'io:format("~s", [erlang:system_info(version)]), halt().' 2>/dev/null)) |"
  echo "| .NET | SDK $(dotnet --version), runtime $(dotnet --list-runtimes | awk '/Microsoft.NETCore.App/ {v=$2} END {print v}') |"
  if printf '%s\n' "${extra[@]}" | grep -qx -- --stock-transport; then sockets="each library's own socket layer (one write per frame)"
  else sockets="both over the load tool's batching socket layer (the frames of one burst in one write; docs/benchmarks.md)"; fi
  echo "| clients | AMQPNetLite 2.5.5 (Ferry, AMQP 1.0), RabbitMQ.Client 7.2.2 (AMQP 0.9.1), $sockets; load tool, Ferry and RabbitMQ on the same machine |"
  echo
} > "$header"
"${load[@]}" summarize --out "$out" --header "$header" "$runs"/*.json
cat "$out"
