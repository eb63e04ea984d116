#!/usr/bin/env bash
# HTTP throughput of the GraphQL `search` query over loopback, on the seeded Norfolk data.
# Starts the release server on a fresh data directory (it seeds itself), warms up, runs wrk
# with bench/search.lua, and stops the server. Needs `wrk` (apt-get install wrk).
#
#   bench/http.sh            # 2 threads, 50 connections, 30 s
#   PORT=8099 DURATION=20s CONNECTIONS=50 bench/http.sh
set -euo pipefail

cd "$(dirname "$0")/.."
PORT="${PORT:-8099}"
DURATION="${DURATION:-30s}"
CONNECTIONS="${CONNECTIONS:-50}"
TARGET_DIR="${CARGO_TARGET_DIR:-target}"

cargo build --release -p api
DATA_DIR="$(mktemp -d)"
trap 'kill "$SERVER" 2>/dev/null || true; wait "$SERVER" 2>/dev/null || true; rm -rf "$DATA_DIR"' EXIT

# One client address makes every request: lift the per-client rate limit for the measurement.
RUST_LOG=warn "$TARGET_DIR/release/api" --data-dir "$DATA_DIR" --listen "127.0.0.1:$PORT" \
  --anonymous-rate-limit 1000000000 &
SERVER=$!
for _ in $(seq 1 120); do
  curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null && break
  sleep 0.5
done
curl -sf "http://127.0.0.1:$PORT/healthz"; echo

URL="http://127.0.0.1:$PORT/graphql"
wrk -t2 -c"$CONNECTIONS" -d5s -s bench/search.lua "$URL" >/dev/null   # warm-up
wrk -t2 -c"$CONNECTIONS" -d"$DURATION" --latency -s bench/search.lua "$URL"
echo "server peak RSS: $(grep VmHWM "/proc/$SERVER/status")"
