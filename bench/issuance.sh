#!/usr/bin/env bash
# Pushed issuance at scale: starts the real API (Release, embedded store, a fresh data dir), creates
# a campaign with enough stock, uploads a list of N users as text/csv (streamed), and waits for the
# job to finish; prints the upload time, the total time and the job (its results by code), then
# checks through the stats that exactly N coupons were issued.
#   bench/issuance.sh [users=1000000]
set -euo pipefail
cd "$(dirname "$0")/.."
users=${1:-1000000}
out=$(mktemp -d)
port=${ISSUANCE_PORT:-5191}
api_url="http://127.0.0.1:$port"
key="issuance-bench-signing-key-0123456789abcdef"
trap 'kill "$pid" 2>/dev/null || true; rm -rf "$out"' EXIT

dotnet build -c Release src/Coupons.Api --artifacts-path "$out/build" >/dev/null
api="$out/build/bin/Coupons.Api/release/Coupons.Api.dll"
dotnet "$api" --urls "$api_url" --Coupons:Embedded:DataDir="$out/data" --Coupons:Auth:SigningKey="$key" >"$out/log" 2>&1 &
pid=$!
for _ in $(seq 300); do curl -sf "$api_url/health/ready" >/dev/null && break; sleep 0.1; done
admin=$(dotnet "$api" token --sub bench --role admin --Coupons:Auth:SigningKey="$key")
json() { python3 -c "import sys,json; print(json.load(sys.stdin)$1)"; }

campaign=$(curl -sf -X POST "$api_url/v1/campaigns" -H "Authorization: Bearer $admin" -H 'Content-Type: application/json' \
  -d "{\"name\":\"push\",\"discount\":{\"type\":\"amount_off\",\"amountOff\":100},\"totalStock\":$users,\"validity\":{\"days\":30}}" | json "['id']")
seq -f "user-%.0f" 1 "$users" >"$out/users.csv"

start=$(date +%s.%N)
job=$(curl -sf -X POST "$api_url/v1/campaigns/$campaign/issuances" -H "Authorization: Bearer $admin" \
  -H 'Content-Type: text/csv' --data-binary @"$out/users.csv" | json "['id']")
uploaded=$(date +%s.%N)
while true; do
  state=$(curl -sf "$api_url/v1/jobs/$job" -H "Authorization: Bearer $admin")
  # Matched in the shell: a python a poll would take a share of the two cores from the job it times.
  case $state in *'"status":"succeeded"'* | *'"status":"failed"'* | *'"status":"cancelled"'*) break ;; esac
  sleep 0.5
done
end=$(date +%s.%N)
echo "users $users: upload $(echo "$uploaded - $start" | bc) s, done after $(echo "$end - $start" | bc) s"
echo "job: $state"
issued=$(curl -sf "$api_url/v1/campaigns/$campaign/stats" -H "Authorization: Bearer $admin" | json "['issued']")
echo "issued: $issued"
[ "$issued" -eq "$users" ]
