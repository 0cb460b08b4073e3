#!/usr/bin/env bash
# Measures `npm start` as a new user meets it: the first start on a fresh data directory (embedded
# PGlite created, sample and demo data, a private redis-server) and a later start on the same
# directory, each timed from the command to the first answer of /health and of a GraphQL query,
# then Ctrl-C (SIGINT to the whole process group, as a terminal sends it) and the time to
# "stopped cleanly". Every log line is shown with its offset from the command.
#
#   bash bench/start-time.sh [runs]      # default 1 first start + 1 later start per run
#
# The service gets its own port and a REDIS_URL nobody answers, so it starts its private Redis
# even where one runs on 6379 (as on a fresh machine with redis-server installed). Each start runs
# until its demo data is in (the first start loads it, a later one finds it), then gets Ctrl-C.
set -uo pipefail
cd "$(dirname "$0")/.."
runs=${1:-1}
port=${START_TIME_PORT:-4391}
work=$(mktemp -d /tmp/ledgerline-start-XXXXXX)
trap 'rm -rf "$work"' EXIT
ms() { date +%s%3N; }
# A port nothing listens on, for REDIS_URL: the service then starts its private redis-server.
dead_port=$(node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')

one() { # $1: label, $2: data dir
  local label=$1 dir=$2 out="$work/$1.log" t0 health query stopped pid
  t0=$(ms)
  DATA_DIR="$dir" PORT=$port REDIS_URL="redis://127.0.0.1:$dead_port" REDIS_AUTOSTART=true \
    setsid npm start >"$out" 2>&1 &
  pid=$!
  health=""
  query=""
  for _ in $(seq 1 1200); do
    kill -0 "$pid" 2>/dev/null || break
    if [ -z "$health" ] && curl -s -o /dev/null -m 2 "http://127.0.0.1:$port/health"; then health=$(($(ms) - t0)); fi
    if [ -n "$health" ] && curl -s -m 2 "http://127.0.0.1:$port/graphql" -H 'content-type: application/json' \
      -d '{"query":"{ __typename }"}' | grep -q Query; then
      query=$(($(ms) - t0))
      break
    fi
    sleep 0.05
  done
  # Let the demo data finish loading (a user looks around meanwhile), then stop as a user does.
  for _ in $(seq 1 1800); do
    grep -q '"demo data loaded"\|"demo data already loaded\|"demo data: an interrupted load was completed"' "$out" && break
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.05
  done
  local loaded=$(($(ms) - t0))
  sleep 1
  local sigint=$(($(ms) - t0))
  kill -INT -- "-$pid" 2>/dev/null
  # npm may return before the service has finished stopping: wait for the service's own last line.
  for _ in $(seq 1 300); do
    grep -q '"stopped cleanly"\|grace period' "$out" && break
    sleep 0.05
  done
  stopped=$(($(ms) - t0))
  wait "$pid" 2>/dev/null
  echo "== $label: /health answered after ${health:-never} ms, a GraphQL query after ${query:-never} ms;" \
    "demo data in by $loaded ms; Ctrl-C at $sigint ms, \"stopped cleanly\" after $((stopped - sigint)) ms"
  grep -o '"time":[0-9]*.*"msg":"[^"]*"' "$out" | grep -v '"projector caught up"' |
    sed -E 's/^"time":([0-9]+).*"msg":"([^"]*)"$/\1 \2/' |
    awk -v t0="$t0" '{ t = $1; $1 = ""; printf "   %6d ms %s\n", t - t0, substr($0, 2) }' | cut -c1-140
  if ! grep -q '"stopped cleanly"' "$out"; then echo "   (no \"stopped cleanly\" line)"; fi
}

for run in $(seq 1 "$runs"); do
  dir="$work/data-$run"
  one "first start (run $run)" "$dir"
  one "later start (run $run)" "$dir"
done
echo "machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg), node $(node --version)"
