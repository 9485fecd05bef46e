#!/usr/bin/env bash
# Side-by-side: claims/s of the service (embedded store, durable group commit) against bare Kestrel
# returning a constant, with the same load generator and settings in the same run, on loopback.
#   bench/claims.sh [duration=20s] [connections=64]
# Needs wrk (apt-get install wrk) and python3. Prints a Markdown table.
set -euo pipefail
cd "$(dirname "$0")/.."
duration=${1:-20s}
connections=${2:-64}
threads=2
key="bench-signing-key-0123456789abcdef0123456789abcdef"
out=$(mktemp -d)
data="$out/data"
trap 'kill $(jobs -p) 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$out"' EXIT

command -v wrk >/dev/null || { echo "wrk not found: apt-get install wrk" >&2; exit 1; }
dotnet build -c Release src/Coupons.Api -o "$out/api" >/dev/null
dotnet build -c Release bench/Coupons.Baseline -o "$out/baseline" >/dev/null

export DOTNET_gcServer=${DOTNET_gcServer:-1}
dotnet "$out/baseline/Coupons.Baseline.dll" --urls http://127.0.0.1:5100 >/dev/null 2>&1 &
dotnet "$out/api/Coupons.Api.dll" --urls http://127.0.0.1:5101 --Coupons:Embedded:DataDir="$data" \
  --Coupons:Auth:SigningKey="$key" --Coupons:Protection:Enabled=false --Logging:LogLevel:Default=Warning >"$out/api.log" 2>&1 &
for _ in $(seq 1 100); do
  curl -sf http://127.0.0.1:5101/health/ready >/dev/null && curl -sf http://127.0.0.1:5100/constant >/dev/null && break
  sleep 0.2
done

admin=$(python3 bench/scripts/tokens.py "$key" 1 admin)
python3 bench/scripts/tokens.py "$key" 5000 >"$out/tokens"
campaign=$(curl -sf -X POST http://127.0.0.1:5101/v1/campaigns -H "Authorization: Bearer $admin" \
  -H 'Content-Type: application/json' \
  -d '{"name":"bench","discount":{"type":"amount_off","amountOff":500},"totalStock":1000000000,"perUserLimit":1000,"validity":{"days":30}}' |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')

run() { # name, then wrk arguments
  local name=$1; shift
  wrk -t"$threads" -c"$connections" -d5s "$@" >/dev/null 2>&1 # warm-up, not counted
  wrk -t"$threads" -c"$connections" -d"$duration" --latency "$@" >"$out/$name.txt" 2>&1
  local rps p50 p99
  rps=$(awk '/Requests\/sec/ {print $2}' "$out/$name.txt")
  p50=$(awk '$1 == "50%" {print $2}' "$out/$name.txt")
  p99=$(awk '$1 == "99%" {print $2}' "$out/$name.txt")
  echo "$name $rps $p50 $p99"
}

# The baseline gets the same requests from the same script (a bearer token each, POST), and ignores them.
baseline=$(TOKENS="$out/tokens" TARGET_PATH=/constant run baseline -s bench/scripts/claim.lua http://127.0.0.1:5100)
claims=$(TOKENS="$out/tokens" CAMPAIGN="$campaign" run claims -s bench/scripts/claim.lua http://127.0.0.1:5101)
stats=$(curl -sf "http://127.0.0.1:5101/v1/campaigns/$campaign/stats" -H "Authorization: Bearer $admin")

echo
echo "| endpoint | requests/s | p50 | p99 |"
echo "|---|---|---|---|"
for line in "$baseline" "$claims"; do
  read -r name rps p50 p99 <<<"$line"
  echo "| $name | $rps | $p50 | $p99 |"
done
read -r _ base_rps _ _ <<<"$baseline"
read -r _ claim_rps _ _ <<<"$claims"
echo
echo "claims / baseline = $(python3 -c "print(f'{$claim_rps / $base_rps:.0%}')")  (wrk -t$threads -c$connections -d$duration, loopback, $(nproc) cores)"
echo "stats after the run: $stats"
grep -h "non-2xx" "$out/claims.txt" || true
