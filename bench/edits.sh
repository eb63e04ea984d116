#!/usr/bin/env bash
# Edits per second through GraphQL across API replicas that share one PostgreSQL (issue 21:
# at least 500 edits/s at 1M listings). Each request edits a different listing's description
# as a moderator (`updateService` with its version): a real write, with its audit entry and
# change-log row, which every replica then indexes. Needs running replicas (for example
# `FROM=/copy/of/nat1m ops/scale-trial.sh`), `psql` and `wrk`.
#
#   DATABASE_URL=postgres://postgres@127.0.0.1:5433/directory DATA_DIR=/tmp/directory-scale/replica-1 \
#     URLS="http://127.0.0.1:8081 http://127.0.0.1:8082 http://127.0.0.1:8083" bench/edits.sh
#
# DATA_DIR is any replica's data directory (the token is made there with `indexer accounts
# create`); CONNECTIONS (per replica, default 8) and DURATION (default 20s) are wrk's.
set -euo pipefail
cd "$(dirname "$0")/.."
: "${DATABASE_URL:?the shared database, postgres://...}"
: "${DATA_DIR:?a replica data directory}"
: "${URLS:?the replicas, space-separated http://host:port}"
DURATION="${DURATION:-20s}"
CONNECTIONS="${CONNECTIONS:-8}"
TARGET_DIR="${CARGO_TARGET_DIR:-target}"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

cargo build --release -p indexer
TOKEN=$("$TARGET_DIR/release/indexer" --database-url "$DATABASE_URL" --data-dir "$DATA_DIR" \
  accounts create --role moderator --name "Edits benchmark" | grep '^cad_')
read -ra replicas <<<"$URLS"
# Enough listings that no wrk thread runs out: 3,000 edits a second per replica for the run.
seconds="${DURATION%s}"
per_replica=$((3000 * seconds))
psql "$DATABASE_URL" -AtF ' ' -c \
  "SELECT id, version FROM services WHERE archived_at IS NULL ORDER BY md5(id) LIMIT $((per_replica * ${#replicas[@]}))" \
  >"$WORK/listings"
split -n "l/${#replicas[@]}" -d "$WORK/listings" "$WORK/part-"

echo "before the run: $(uptime)"
n=0
for url in "${replicas[@]}"; do
  wrk -t1 -c"$CONNECTIONS" -d"$DURATION" --latency -s bench/edits.lua "$url/graphql" -- \
    "$(ls "$WORK"/part-* | sed -n "$((n + 1))p")" "$TOKEN" 1 >"$WORK/wrk-$n.out" 2>&1 &
  n=$((n + 1))
done
wait
echo "after the run: $(uptime)"
for out in "$WORK"/wrk-*.out; do cat "$out"; echo; done
awk '/^edits:/ { stored += $2; failed += $4; rate += $6 } END { printf "total: %d edits stored, %d failed, %.0f edits/s\n", stored, failed, rate }' "$WORK"/wrk-*.out
