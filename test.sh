#!/usr/bin/env bash
# Runs every test TapRoom has and ends with one line: "N passed, N failed".
# Usage: ./test.sh            (from a fresh clone; installs what the tests need by itself)
set -uo pipefail
cd "$(dirname "$0")"
root=$(pwd)
out="$root/test-output"
rm -rf "$out" && mkdir -p "$out"

passed=0
failed=0
status=0

add_counts() { # $1 passed $2 failed
  passed=$((passed + $1))
  failed=$((failed + $2))
}

# ---- The end-to-end tests drive the system's Chromium (Playwright never downloads a browser here) ----
if [ ! -x /usr/bin/chromium ]; then
  if [ "$(id -u)" = "0" ]; then
    echo "Installing Chromium for the end-to-end tests (apt-get, about 30 s)..."
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; } >"$out/chromium-install.log" 2>&1 \
      || echo "Chromium could not be installed (see test-output/chromium-install.log); the end-to-end tests will fail."
  else
    echo "Chromium is missing: run 'sudo apt-get install -y chromium' (the end-to-end tests need /usr/bin/chromium)."
  fi
fi

# ---- Throw-away PostgreSQL 15 and Redis for the tests that need them (stopped on exit) ----
# PostgreSQL refuses to run as root: as root (CI), its directory belongs to the postgres user and it runs as that user.
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'; }
as_pg() { if [ "$(id -u)" = "0" ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
pg_dir=""
redis_port=""
stop_services() {
  if [ -n "$pg_dir" ] && [ -f "$pg_dir/data/postmaster.pid" ]; then as_pg pg_ctl -D "$pg_dir/data" -m immediate -w stop >/dev/null 2>&1 || true; fi
  if [ -n "$redis_port" ]; then redis-cli -p "$redis_port" shutdown nosave >/dev/null 2>&1 || true; fi
  if [ -n "$pg_dir" ]; then rm -rf "$pg_dir"; fi
}
trap stop_services EXIT

# Debian packages the tests need, installed when missing (as root, CI) or named (otherwise).
install_missing() { # $1 package, $2 what needs it
  if [ "$(id -u)" = "0" ]; then
    echo "Installing $1 for $2 (apt-get)..."
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$1"; } >"$out/$1-install.log" 2>&1 \
      || echo "$1 could not be installed (see test-output/$1-install.log); $2 will fail."
  else
    echo "$1 is missing: run 'sudo apt-get install -y $1' ($2 need it)."
  fi
}
command -v redis-server >/dev/null || install_missing redis-server "the several-instances tests"
# LoadBalancerTests runs deploy/nginx/taproom.conf with an unprivileged nginx in front of two instances.
[ -x /usr/sbin/nginx ] || command -v nginx >/dev/null || install_missing nginx "the load-balancer test"
if command -v initdb >/dev/null && command -v pg_ctl >/dev/null; then
  pg_dir=$(mktemp -d /tmp/taproom-pg.XXXXXX)
  pg_port=$(free_port)
  [ "$(id -u)" = "0" ] && chown postgres "$pg_dir"
  if as_pg initdb -D "$pg_dir/data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >"$out/postgres.log" 2>&1 \
     && as_pg pg_ctl -D "$pg_dir/data" -l "$pg_dir/server.log" -o "-p $pg_port -k $pg_dir -c listen_addresses=127.0.0.1 -c max_connections=300 -c fsync=off -c synchronous_commit=off -c full_page_writes=off" -w start >>"$out/postgres.log" 2>&1; then
    export TAPROOM_TEST_POSTGRES="Host=127.0.0.1;Port=$pg_port;Username=postgres"
    echo "PostgreSQL 15 for the tests on port $pg_port"
  else
    echo "PostgreSQL could not be started (see test-output/postgres.log); the PostgreSQL run will fail."
  fi
else
  echo "PostgreSQL (initdb, pg_ctl) is missing; the PostgreSQL run will fail."
fi
if command -v redis-server >/dev/null; then
  redis_port=$(free_port)
  if redis-server --port "$redis_port" --bind 127.0.0.1 --save '' --appendonly no --daemonize yes >"$out/redis.log" 2>&1; then
    export TAPROOM_TEST_REDIS="127.0.0.1:$redis_port"
    echo "Redis for the tests on port $redis_port"
  else
    redis_port=""
    echo "Redis could not be started (see test-output/redis.log)."
  fi
fi

# ---- .NET: build once, then run each test project ----
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
if ! dotnet build TapRoom.sln -c Release -nologo -v q 2>&1 | tee "$out/build.log" | grep -E "error|Build succeeded" | tail -20; then :; fi
if ! grep -q "Build succeeded" "$out/build.log"; then
  echo "The .NET build failed (see test-output/build.log)."
  echo "0 passed, 1 failed"
  exit 1
fi

run_tests() { # $1 project, $2 run name; more arguments go to dotnet test
  local proj=$1 name=$2
  shift 2
  local log="$out/$name.log"
  dotnet test "$proj" -c Release --no-build --nologo "$@" 2>&1 | tee "$log" | grep -E "^\s*(Failed|Passed!|Failed!)|\[FAIL\]" || true
  local rc=${PIPESTATUS[0]}
  line=$(grep -E "(Passed|Failed)!\s+- Failed:" "$log" | tail -1)
  if [ -n "$line" ]; then
    p=$(echo "$line" | sed -E 's/.*Passed:\s*([0-9]+).*/\1/')
    f=$(echo "$line" | sed -E 's/.*Failed:\s*([0-9]+),.*/\1/')
    add_counts "$p" "$f"
    if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then add_counts 0 1; echo "$name: the test run failed without a failed test (see $log)"; fi
  else
    add_counts 0 1
    echo "$name: no test summary (the run crashed?); see $log"
  fi
  [ "$rc" -eq 0 ] || status=1
}

for proj in tests/*/*.csproj; do
  name=$(basename "$proj" .csproj)
  grep -q '<IsTestProject>true</IsTestProject>' "$proj" || continue
  if [ "$name" = "TapRoom.Server.Tests" ]; then run_tests "$proj" "$name" --filter "Database!=postgres-only"
  elif [ "$name" = "TapRoom.ControllerAgent.Tests" ]; then run_tests "$proj" "$name" --filter "Category!=aot"
  else run_tests "$proj" "$name"; fi
done

# ---- The agent as a controller runs it: the Native AOT binary and its Debian package (issue 29) ----
# Published here (about 2 minutes), then the AOT end-to-end subset runs the binary as its own process and the package
# tests read the .deb built from it (Category=aot).
command -v clang >/dev/null || install_missing clang "the Native AOT publish"
[ -f /usr/include/zlib.h ] || install_missing zlib1g-dev "the Native AOT publish"
command -v systemd-analyze >/dev/null || install_missing systemd "the agent package's unit check"
aot_dir="$out/agent-aot"
if dotnet publish controller-agent/TapRoom.ControllerAgent -c Release -r linux-x64 -p:PublishAot=true -o "$aot_dir" -nologo >"$out/agent-aot-publish.log" 2>&1 \
   && agent_deb=$(deploy/agent/build-deb.sh --arch amd64 --out "$out/agent-deb" --published "$aot_dir" 2>>"$out/agent-aot-publish.log"); then
  TAPROOM_AGENT_AOT="$aot_dir/taproom-agent" TAPROOM_AGENT_DEB="$agent_deb" \
    run_tests tests/TapRoom.ControllerAgent.Tests/TapRoom.ControllerAgent.Tests.csproj TapRoom.ControllerAgent.Tests.aot --filter "Category=aot"
else
  add_counts 0 1
  status=1
  echo "The Native AOT publish of the agent or its package failed (see test-output/agent-aot-publish.log)."
fi

# ---- The server's tests again on PostgreSQL (each test its own database) ----
# Every server test again on PostgreSQL, except those about SQLite itself (Database=sqlite-only); the ones tagged
# Database=postgres-only (two instances, Redis, nginx, Hangfire on PostgreSQL) run only here.
pg_filter="Database!=sqlite-only"
TAPROOM_TEST_DATABASE=postgres run_tests tests/TapRoom.Server.Tests/TapRoom.Server.Tests.csproj TapRoom.Server.Tests.postgres \
  --filter "$pg_filter"

# ---- Web (Vitest), once the web app exists ----
if [ -f web/package.json ]; then
  web_out="$out/vitest.json"
  (cd web && { [ -d node_modules ] || npm ci --no-audit --no-fund --loglevel=error; } && npx vitest run --reporter=default --reporter=json --outputFile="$web_out") 2>&1 | tee "$out/web.log" | tail -15
  rc=${PIPESTATUS[0]}
  if [ -f "$web_out" ]; then
    read -r p f < <(node -e 'const r=require(process.argv[1]);console.log(r.numPassedTests+" "+(r.numFailedTests+(r.numRuntimeErrorTestSuites||0)))' "$web_out")
    add_counts "$p" "$f"
  else
    add_counts 0 1; echo "web: no Vitest results (see test-output/web.log)"
  fi
  [ "$rc" -eq 0 ] || status=1
fi

[ "$failed" -eq 0 ] || status=1
echo "$passed passed, $failed failed"
exit $status
