#!/usr/bin/env bash
# Installs what the tests need (Debian's openarena-server, fauxqs from npm), builds everything, publishes both
# binaries the way the Dockerfiles expect, runs every test, and ends with the line "N passed, N failed" counted from
# the test results. Exit status: 0 only when every test passed.
set -euo pipefail
cd "$(dirname "$0")/.."

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

missing=()
[ -x /usr/games/openarena-server ] || missing+=(openarena-server)
command -v node >/dev/null || missing+=(nodejs)
command -v npm >/dev/null || missing+=(npm)
if [ ${#missing[@]} -gt 0 ]; then
  echo "==> installing Debian packages: ${missing[*]}"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi

echo "==> installing fauxqs (npm ci, pinned in tests/tools/package-lock.json)"
npm ci --prefix tests/tools --no-audit --no-fund --loglevel=error

echo "==> building"
dotnet build agent.sln -c Release -warnaserror -nologo -clp:ErrorsOnly

echo "==> publishing launcher and spot-agent (trimmed, self-contained, ReadyToRun: the leanest form this machine builds)"
dotnet publish launcher -c Release -r linux-x64 -o artifacts/publish/launcher -nologo -clp:ErrorsOnly
dotnet publish spot-agent -c Release -r linux-x64 -o artifacts/publish/spot-agent -nologo -clp:ErrorsOnly

results="artifacts/test-results"
rm -rf "$results"
echo "==> testing"
status=0
# One test project at a time: the launcher's 200-process port test saturates both cores for a while, and the
# spot-agent's end-to-end test measures a 2-second reaction; run side by side they would disturb each other.
for project in tests/*.Tests/*.Tests.csproj; do
  dotnet test "$project" -c Release --no-build --logger trx --results-directory "$results" -nologo || status=$?
done

passed=0
failed=0
shopt -s nullglob
trx_files=("$results"/*.trx)
for trx in "${trx_files[@]}"; do
  counters=$(grep -o '<Counters [^>]*>' "$trx" | head -n 1)
  p=$(sed -n 's/.* passed="\([0-9]*\)".*/\1/p' <<<"$counters")
  f=$(sed -n 's/.* failed="\([0-9]*\)".*/\1/p' <<<"$counters")
  passed=$((passed + ${p:-0}))
  failed=$((failed + ${f:-0}))
done
if [ ${#trx_files[@]} -eq 0 ]; then
  echo "no test results found in $results" >&2
  status=1
fi
echo "${passed} passed, ${failed} failed"
if [ "$failed" -gt 0 ] || [ "$passed" -eq 0 ]; then
  status=1
fi
exit "$status"
