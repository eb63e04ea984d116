#!/usr/bin/env bash
# HTTP throughput of the GraphQL `search` query over loopback. Starts the release server on a
# fresh data directory (it seeds itself with Norfolk), or on DATA_DIR when given (an existing
# data directory, e.g. a copy of the 1M national set: the server writes to it, so never point
# it at a pristine one), warms up, runs wrk with the LUA script, and stops the server. Needs
# `wrk` (apt-get install wrk).
#
#   bench/http.sh            # 2 threads, 50 connections, 30 s, bench/search.lua, Norfolk
#   PORT=8099 DURATION=20s CONNECTIONS=50 bench/http.sh
#   DATA_DIR=/copy/of/nat1m LUA=bench/search-mixed.lua CONNECTIONS=16 bench/http.sh
#   DATABASE_URL=postgres://... DATA_DIR=/replica/dir LUA=bench/search-mixed.lua CONNECTIONS=16 bench/http.sh
#     (a replica on a shared PostgreSQL, e.g. one `indexer migrate-store` filled from nat1m)
set -euo pipefail

cd "$(dirname "$0")/.."
PORT="${PORT:-8099}"
DURATION="${DURATION:-30s}"
CONNECTIONS="${CONNECTIONS:-50}"
TARGET_DIR="${CARGO_TARGET_DIR:-target}"
LUA="${LUA:-bench/search.lua}"

cargo build --release -p api
if [ -n "${DATA_DIR:-}" ]; then
  # An existing data directory is kept.
  trap 'kill "$SERVER" 2>/dev/null || true; wait "$SERVER" 2>/dev/null || true' EXIT
else
  DATA_DIR="$(mktemp -d)"
  trap 'kill "$SERVER" 2>/dev/null || true; wait "$SERVER" 2>/dev/null || true; rm -rf "$DATA_DIR"' EXIT
fi

# One client address makes every request: lift the per-client rate limit for the measurement.
database=()
if [ -n "${DATABASE_URL:-}" ]; then database=(--database-url "$DATABASE_URL"); fi
RUST_LOG=warn "$TARGET_DIR/release/api" --data-dir "$DATA_DIR" --listen "127.0.0.1:$PORT" \
  --anonymous-rate-limit 1000000000 "${database[@]}" &
SERVER=$!
# A large data directory takes a while to open (the national set: about half a minute).
for _ in $(seq 1 600); do
  curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null && break
  sleep 0.5
done
curl -sf "http://127.0.0.1:$PORT/healthz"; echo
# The server keeps working after it answers (it reads what gap reports need as it starts):
# wait until it is idle, at most two minutes, so that work is not measured as search.
server_ticks() { awk '{ print $14 + $15 }' "/proc/$SERVER/stat"; }
for _ in $(seq 1 60); do
  before=$(server_ticks); sleep 2; after=$(server_ticks)
  [ $((after - before)) -lt 10 ] && break
done

URL="http://127.0.0.1:$PORT/graphql"
wrk -t2 -c"$CONNECTIONS" -d5s -s "$LUA" "$URL" >/dev/null   # warm-up
# How busy the machine was just before the run (wrk and the server share its cores).
echo "before the run: $(uptime)"
wrk -t2 -c"$CONNECTIONS" -d"$DURATION" --latency -s "$LUA" "$URL"
echo "after the run: $(uptime)"
echo "server peak RSS: $(grep VmHWM "/proc/$SERVER/status")"
