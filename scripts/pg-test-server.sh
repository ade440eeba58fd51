#!/usr/bin/env bash
# Starts or stops a throwaway PostgreSQL 15 server on 127.0.0.1 for the tests.
#   pg-test-server.sh start DIR   initdb in DIR, start on a free port, write DIR/connection.txt
#   pg-test-server.sh stop DIR    stop it and remove DIR
# The server runs as a non-root user (PostgreSQL refuses root): the caller, or `ferrytest` when
# the caller is root. connection.txt holds an ODBC connection string for the Unicode driver.
set -euo pipefail

action=${1:?usage: pg-test-server.sh start|stop DIR}
dir=${2:?usage: pg-test-server.sh start|stop DIR}
bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
[[ -n "$bindir" ]] || { echo "pg-test-server: PostgreSQL is not installed (scripts/install-deps.sh)" >&2; exit 1; }

as_owner() {
    if [[ $(id -u) -eq 0 ]]; then runuser -u ferrytest -- "$@"; else "$@"; fi
}

stop_server() {
    if [[ -f "$dir/data/postmaster.pid" ]]; then
        as_owner "$bindir/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
    fi
}

case "$action" in
start)
    stop_server
    rm -rf "$dir"
    mkdir -p "$dir"
    if [[ $(id -u) -eq 0 ]]; then
        id ferrytest >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin ferrytest
        chown ferrytest "$dir"
    fi
    password="ferry-$RANDOM$RANDOM"
    printf '%s\n' "$password" >"$dir/pwfile"
    [[ $(id -u) -eq 0 ]] && chown ferrytest "$dir/pwfile"
    as_owner "$bindir/initdb" -D "$dir/data" -U ferry --pwfile="$dir/pwfile" -A scram-sha-256 \
        -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; exit 1; }
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])' 2>/dev/null \
        || echo $((20000 + RANDOM % 20000)))
    as_owner "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
        -o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=50" \
        start >/dev/null || { cat "$dir/server.log" >&2; exit 1; }
    PGPASSWORD=$password "$bindir/psql" -h 127.0.0.1 -p "$port" -U ferry -d postgres -qc "CREATE DATABASE ferry_test" >/dev/null
    printf 'Driver={PostgreSQL Unicode};Server=127.0.0.1;Port=%s;Database=ferry_test;Uid=ferry;Pwd=%s;\n' \
        "$port" "$password" >"$dir/connection.txt"
    echo "pg-test-server: PostgreSQL running on 127.0.0.1:$port (data in $dir)"
    ;;
stop)
    stop_server
    rm -rf "$dir"
    ;;
*)
    echo "usage: pg-test-server.sh start|stop DIR" >&2
    exit 2
    ;;
esac
