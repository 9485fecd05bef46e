#!/usr/bin/env bash
# Recovery after kill -9: fills a fresh embedded store with N issued coupons through the HTTP API,
# kills the process with SIGKILL, restarts it on the same data dir and times start → /health/ready.
#   bench/recovery.sh [coupons=1000000]
# Needs wrk and python3.
set -euo pipefail
cd "$(dirname "$0")/.."
coupons=${1:-1000000}
key="bench-signing-key-0123456789abcdef0123456789abcdef"
out=$(mktemp -d)
data="$out/data"
trap 'kill -9 $(jobs -p) 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$out"' EXIT
command -v wrk >/dev/null || { echo "wrk not found: apt-get install wrk" >&2; exit 1; }
dotnet build -c Release src/Coupons.Api -o "$out/api" >/dev/null

start() {
  dotnet "$out/api/Coupons.Api.dll" --urls http://127.0.0.1:5102 --Coupons:Embedded:DataDir="$data" \
    --Coupons:Auth:SigningKey="$key" --Logging:LogLevel:Default=Warning \
    --Logging:LogLevel:Coupons.Api.Hosting=Information >>"$out/api.log" 2>&1 &
  pid=$!
}
wait_ready() {
  for _ in $(seq 1 3000); do
    curl -sf http://127.0.0.1:5102/health/ready >/dev/null && return 0
    sleep 0.01
  done
  echo "not ready after 30 s" >&2; tail -20 "$out/api.log" >&2; return 1
}

start; wait_ready
admin=$(python3 bench/scripts/tokens.py "$key" 1 admin)
python3 bench/scripts/tokens.py "$key" 5000 >"$out/tokens"
campaign=$(curl -sf -X POST http://127.0.0.1:5102/v1/campaigns -H "Authorization: Bearer $admin" \
  -H 'Content-Type: application/json' \
  -d "{\"name\":\"recovery\",\"discount\":{\"type\":\"amount_off\",\"amountOff\":500},\"totalStock\":$coupons,\"perUserLimit\":1000,\"validity\":{\"days\":30}}" |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
issued() { curl -sf "http://127.0.0.1:5102/v1/campaigns/$campaign/stats" -H "Authorization: Bearer $admin" | python3 -c 'import json,sys; print(json.load(sys.stdin)["issued"])'; }

fill_started=$(date +%s.%N)
for _ in $(seq 1 200); do
  [ "$(issued)" -ge "$coupons" ] && break
  TOKENS="$out/tokens" CAMPAIGN="$campaign" wrk -t2 -c64 -d10s -s bench/scripts/claim.lua http://127.0.0.1:5102 >/dev/null 2>&1
done
fill_seconds=$(python3 -c "import time; print(f'{time.time() - $fill_started:.0f}')")
before=$(issued)
echo "issued $before coupons in ${fill_seconds} s; database: $(du -sh "$data" | cut -f1)"

kill -9 "$pid"; wait "$pid" 2>/dev/null || true
t0=$(date +%s.%N)
start; wait_ready
t1=$(date +%s.%N)
after=$(issued)
echo "after kill -9: issued $after; start → ready $(python3 -c "print(f'{$t1 - $t0:.2f}')") s"
grep -h "recovered" "$out/api.log" | tail -1
[ "$after" -eq "$before" ] || { echo "MISMATCH: $before before the kill, $after after" >&2; exit 1; }
