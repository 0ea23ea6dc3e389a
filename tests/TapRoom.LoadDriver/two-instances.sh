#!/usr/bin/env bash
# The load driver against two server instances behind nginx, on one PostgreSQL and one Redis (issue 15, item 7).
# Starts a throw-away PostgreSQL 15, Redis, two instances of the built server and nginx with deploy/nginx/taproom.conf
# (its upstream and listen lines replaced), runs the driver through nginx, and stops everything (also on Ctrl-C).
# The driver gets --postgres with the instances' database: the invariant check after the night and the replay (its
# pre-authorised pours written there through Npgsql, then replayed through nginx) run on PostgreSQL.
# Usage: tests/TapRoom.LoadDriver/two-instances.sh [driver options]   (default: the hot-path target load; later options
#        win, e.g. --replay 0 skips the replay)
#        TAPROOM_NO_BUILD=1 skips the build (the driver and server already built in Release).
#        TAPROOM_LOGS=<dir> keeps the instances', PostgreSQL's and nginx's logs there (else they go with the run).
#   e.g. tests/TapRoom.LoadDriver/two-instances.sh --controllers 50 --dashboards 2 --rate 8 --duration 20 --json out.json
# Needs: dotnet, initdb/pg_ctl (PostgreSQL 15), redis-server, nginx (Debian: apt-get install postgresql redis-server nginx).
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$(pwd)
args=("$@")
[ ${#args[@]} -eq 0 ] && args=(--controllers 500 --taps-per-controller 2 --dashboards 20 --rate 80 --duration 60)

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'; }
as_pg() { if [ "$(id -u)" = "0" ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
nginx_bin=$(command -v nginx || echo /usr/sbin/nginx)
work=$(mktemp -d /tmp/taproom-two.XXXXXX)
chmod 755 "$work"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  [ -f "$work/pg/data/postmaster.pid" ] && as_pg pg_ctl -D "$work/pg/data" -m fast -w stop >/dev/null 2>&1 || true
  [ -n "${redis_port:-}" ] && redis-cli -p "$redis_port" shutdown nosave >/dev/null 2>&1 || true
  if [ -n "${TAPROOM_LOGS:-}" ]; then
    mkdir -p "$TAPROOM_LOGS"
    for f in a.log b.log pg/server.log nginx/error.log; do [ -f "$work/$f" ] && cp "$work/$f" "$TAPROOM_LOGS/$(echo "$f" | tr / -)"; done
    echo "logs kept in $TAPROOM_LOGS"
  fi
  rm -rf "$work"
}
trap cleanup EXIT INT TERM

[ "${TAPROOM_NO_BUILD:-0}" = "1" ] || echo "Building the load driver (and the server next to it)..."
[ "${TAPROOM_NO_BUILD:-0}" = "1" ] || dotnet build tests/TapRoom.LoadDriver -c Release -nologo -v q -p:SkipWebBuild=true >"$work/build.log" 2>&1 || { cat "$work/build.log"; exit 1; }
bin="$root/tests/TapRoom.LoadDriver/bin/Release/net10.0"

# PostgreSQL 15 (as test.sh starts it) and one database for both instances.
pg_port=$(free_port)
mkdir -p "$work/pg" && [ "$(id -u)" = "0" ] && chown postgres "$work/pg"
as_pg initdb -D "$work/pg/data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >"$work/pg-init.log" 2>&1
as_pg pg_ctl -D "$work/pg/data" -l "$work/pg/server.log" -o "-p $pg_port -k $work/pg -c listen_addresses=127.0.0.1 -c max_connections=300" -w start >/dev/null
createdb -h 127.0.0.1 -p "$pg_port" -U postgres taproom
postgres="Host=127.0.0.1;Port=$pg_port;Username=postgres;Database=taproom;Maximum Pool Size=100"

redis_port=$(free_port)
redis-server --port "$redis_port" --bind 127.0.0.1 --save '' --appendonly no --daemonize yes --pidfile "$work/redis.pid" >/dev/null

password=load-driver-admin-password
start_instance() { # $1 name, $2 port
  mkdir -p "$work/$1"
  (cd "$bin" && TapRoom__DataDirectory="$work/$1" TapRoom__InitialAdminPassword=$password TapRoom__Login__AttemptsPerMinute=100000 \
     TapRoom__Database__Provider=postgres ConnectionStrings__TapRoom="$postgres" ConnectionStrings__Redis="127.0.0.1:$redis_port" \
     TapRoom__Redis__Prefix=TapRoomLoad Serilog__MinimumLevel__Default=Warning ASPNETCORE_ENVIRONMENT=Production \
     exec dotnet TapRoom.Server.dll --urls "http://127.0.0.1:$2") >"$work/$1.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 1 240); do
    curl -fs "http://127.0.0.1:$2/healthz/ready" >/dev/null 2>&1 && return 0
    kill -0 "${pids[-1]}" 2>/dev/null || { echo "instance $1 exited:"; tail -30 "$work/$1.log"; exit 1; }
    sleep 0.5
  done
  echo "instance $1 not ready after 120 s:"; tail -30 "$work/$1.log"; exit 1
}
port_a=$(free_port); start_instance a "$port_a"; pid_a=${pids[-1]}
port_b=$(free_port); start_instance b "$port_b"; pid_b=${pids[-1]}
echo "instances: A on $port_a (pid $pid_a), B on $port_b (pid $pid_b); PostgreSQL on $pg_port, Redis on $redis_port"

# nginx with the shipped site configuration: the two example upstream lines become A and B, listen a free port.
nginx_port=$(free_port)
mkdir -p "$work/nginx/tmp" && chmod 777 "$work/nginx/tmp"
awk -v a="127.0.0.1:$port_a" -v b="127.0.0.1:$port_b" -v port="$nginx_port" '
  /^ *server 10\.0\.5\.11:/ { print "    server " a " max_fails=2 fail_timeout=5s;"; next }
  /^ *server 10\.0\.5\.12:/ { print "    server " b " max_fails=2 fail_timeout=5s;"; next }
  /^ *listen 80;/ { print "    listen 127.0.0.1:" port ";"; next }
  { print }' deploy/nginx/taproom.conf >"$work/nginx/taproom.conf"
cat >"$work/nginx/nginx.conf" <<CONF
worker_processes auto;
worker_rlimit_nofile 16384;
error_log $work/nginx/error.log warn;
events { worker_connections 8192; }
http {
    access_log off;
    client_body_temp_path $work/nginx/tmp/body;
    proxy_temp_path $work/nginx/tmp/proxy;
    fastcgi_temp_path $work/nginx/tmp/fastcgi;
    uwsgi_temp_path $work/nginx/tmp/uwsgi;
    scgi_temp_path $work/nginx/tmp/scgi;
    include $work/nginx/taproom.conf;
}
CONF
"$nginx_bin" -p "$work/nginx/" -c "$work/nginx/nginx.conf" -e "$work/nginx/error.log" -g "daemon off; pid $work/nginx/nginx.pid;" &
pids+=($!)
for _ in $(seq 1 60); do curl -fs "http://127.0.0.1:$nginx_port/healthz" >/dev/null 2>&1 && break; sleep 0.5; done
echo "nginx on $nginx_port in front of both; load average: $(cut -d' ' -f1-3 /proc/loadavg)"

ulimit -n 65536 2>/dev/null || true
set +e
dotnet "$bin/TapRoom.LoadDriver.dll" --url "http://127.0.0.1:$nginx_port" --admin-password "$password" \
  --server-pid "$pid_a,$pid_b" --postgres "$postgres" "${args[@]}"
status=$?
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
exit $status
