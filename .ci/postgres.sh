#!/usr/bin/env bash
# Start a throwaway PostgreSQL cluster on loopback for the service tests and print its URL.
# Debian's PostgreSQL is installed when missing; the cluster lives in the folder given as $1
# (stop it with: pg_ctl -D "$1/data" stop).
set -euo pipefail
port="${MATCHER_PG_PORT:-54329}"
as_root=""
if [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null 2>&1; then as_root="sudo"; fi
if ! ls -d /usr/lib/postgresql/*/bin >/dev/null 2>&1; then
    $as_root apt-get install -y -qq postgresql >/dev/null 2>&1 \
        || { $as_root apt-get update -qq && $as_root apt-get install -y -qq postgresql >/dev/null; }
fi
bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
dir="$1"
run_as=()
if [ "$(id -u)" -eq 0 ]; then chown postgres "$dir"; run_as=(runuser -u postgres --); fi
"${run_as[@]}" "$bin/initdb" -D "$dir/data" -A trust -U matcher >/dev/null
"${run_as[@]}" "$bin/pg_ctl" -D "$dir/data" -l "$dir/log" -w \
    -o "-p $port -k $dir -c listen_addresses=127.0.0.1" start >/dev/null
"$bin/createdb" -h 127.0.0.1 -p "$port" -U matcher matcher
echo "postgresql+psycopg://matcher@127.0.0.1:$port/matcher"
