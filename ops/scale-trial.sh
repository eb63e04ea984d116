#!/usr/bin/env bash
# A local trial of the directory scaled out: one PostgreSQL, three API replicas (each with its
# own search index), and haproxy in front of them, all from Debian's packages on one machine.
#
#   ops/scale-trial.sh            # builds the release api, starts everything, waits for Ctrl-C
#   PORT=9000 ops/scale-trial.sh  # the load balancer's port (default 8080)
#   FROM=/copy/of/data-dir ops/scale-trial.sh   # a SQLite directory moved in first (migrate-store)
#
# Everything lives under $WORK (default /tmp/directory-scale) and stops on Ctrl-C. With FROM,
# a new database is first filled from that SQLite data directory (`indexer migrate-store`);
# otherwise the first replica to start migrates and seeds it; the others wait for it, then build their
# own index from the database. A write through any replica is searchable through the others
# within a second (each follows the database's change log).
set -euo pipefail
cd "$(dirname "$0")/.."

WORK=${WORK:-/tmp/directory-scale}
PORT=${PORT:-8080}
PG_PORT=${PG_PORT:-5433}
REPLICAS=${REPLICAS:-3}

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }
need_package() {
  command -v "$1" >/dev/null 2>&1 || ls /usr/lib/postgresql/*/bin/"$1" >/dev/null 2>&1 || {
    export DEBIAN_FRONTEND=noninteractive
    as_root apt-get install -y -qq "$2" >/dev/null || { as_root apt-get update -qq && as_root apt-get install -y -qq "$2"; }
  }
}
need_package initdb postgresql
need_package haproxy haproxy
PG_BIN=$(dirname "$(ls /usr/lib/postgresql/*/bin/initdb | sort -V | tail -1)")

cargo build --release -p api -p indexer

mkdir -p "$WORK"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  run_pg "$PG_BIN/pg_ctl" -D "$WORK/pg" -m fast stop >/dev/null 2>&1 || true
}
trap cleanup EXIT

# PostgreSQL runs as an ordinary user (as root: the postgres user Debian's package creates).
run_pg() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
if [ ! -d "$WORK/pg" ]; then
  mkdir -p "$WORK/pg"
  if [ "$(id -u)" -eq 0 ]; then chown postgres "$WORK/pg"; fi
  run_pg "$PG_BIN/initdb" -D "$WORK/pg" -A trust -U postgres >/dev/null
fi
chmod 755 "$WORK"
run_pg "$PG_BIN/pg_ctl" -D "$WORK/pg" -l "$WORK/pg/server.log" -w \
  -o "-p $PG_PORT -k /tmp -c listen_addresses=127.0.0.1" start >/dev/null
DATABASE_URL="postgres://postgres@127.0.0.1:$PG_PORT/directory"
if ! "$PG_BIN/psql" -h 127.0.0.1 -p "$PG_PORT" -U postgres -tAc "SELECT 1 FROM pg_database WHERE datname = 'directory'" | grep -q 1; then
  "$PG_BIN/createdb" -h 127.0.0.1 -p "$PG_PORT" -U postgres directory
  if [ -n "${FROM:-}" ]; then
    /usr/bin/time -f "migrate-store: %e s, peak RSS %M KB" \
      ./target/release/indexer migrate-store --from "sqlite:$FROM" --to "$DATABASE_URL"
  fi
fi
started=$(date +%s)

backends=""
for n in $(seq 1 "$REPLICAS"); do
  replica_port=$((PORT + n))
  ./target/release/api --listen "127.0.0.1:$replica_port" --data-dir "$WORK/replica-$n" \
    --database-url "$DATABASE_URL" --trusted-proxies 127.0.0.1 >"$WORK/replica-$n.log" 2>&1 &
  pids+=($!)
  backends+="    server replica$n 127.0.0.1:$replica_port check"$'\n'
done

cat >"$WORK/haproxy.cfg" <<CFG
global
    maxconn 4096
defaults
    mode http
    timeout connect 2s
    timeout client 60s
    timeout server 60s
    option forwardfor
frontend directory
    bind 127.0.0.1:$PORT
    default_backend replicas
backend replicas
    balance roundrobin
    option httpchk GET /healthz
    http-check expect status 200
$backends
CFG
haproxy -f "$WORK/haproxy.cfg" -db >"$WORK/haproxy.log" 2>&1 &
pids+=($!)

for n in $(seq 1 "$REPLICAS"); do
  until curl -fsS "http://127.0.0.1:$((PORT + n))/healthz" >/dev/null 2>&1; do
    if ! kill -0 "${pids[$((n - 1))]}" 2>/dev/null; then
      echo "replica $n stopped; see $WORK/replica-$n.log" >&2
      exit 1
    fi
    sleep 1
  done
  echo "replica $n ready on 127.0.0.1:$((PORT + n)) after $(($(date +%s) - started)) s"
done
echo "directory on http://127.0.0.1:$PORT/graphql (haproxy over $REPLICAS replicas, PostgreSQL $DATABASE_URL)"
echo "logs in $WORK; Ctrl-C stops everything"
wait
