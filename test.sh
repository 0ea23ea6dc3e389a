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

# ---- .NET: build once, then run each test project ----
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
if ! dotnet build TapRoom.sln -c Release -nologo -v q 2>&1 | tee "$out/build.log" | grep -E "error|Build succeeded" | tail -20; then :; fi
if ! grep -q "Build succeeded" "$out/build.log"; then
  echo "The .NET build failed (see test-output/build.log)."
  echo "0 passed, 1 failed"
  exit 1
fi

for proj in tests/*/*.csproj; do
  name=$(basename "$proj" .csproj)
  grep -q '<IsTestProject>true</IsTestProject>' "$proj" || continue
  log="$out/$name.log"
  dotnet test "$proj" -c Release --no-build --nologo 2>&1 | tee "$log" | grep -E "^\s*(Failed|Passed!|Failed!)|\[FAIL\]" || true
  rc=${PIPESTATUS[0]}
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
done

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
