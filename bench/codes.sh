#!/usr/bin/env bash
# Unique codes at scale: asks the real service for N generated codes (one job: derived, sealed with
# AES-GCM, indexed by HMAC, durable) and times the job from the request to its end; then exports
# the codes as CSV and checks that there are N, all distinct.
#   bench/codes.sh [count=1000000]                  # embedded store, a fresh data dir
#   STORE=cluster bench/codes.sh [count=1000000]    # deploy/local-cluster.sh (API_NODES=1 for one node): Redis Cluster (AOF,
#                                                   # fsync always) + PostgreSQL, two API nodes
# On the cluster it also waits until the persisters have written every code to PostgreSQL and
# prints that time too.
set -euo pipefail
cd "$(dirname "$0")/.."
count=${1:-1000000}
store=${STORE:-embedded}
out=$(mktemp -d)
json() { python3 -c "import sys,json; print(json.load(sys.stdin)$1)"; }

if [ "$store" = cluster ]; then
  export STATE=${STATE:-/tmp/coupons-codes-bench} BASE_PORT=${BASE_PORT:-7300}
  trap 'deploy/local-cluster.sh stop >/dev/null 2>&1 || true; rm -rf "$out"' EXIT
  deploy/local-cluster.sh start >/dev/null
  api_url="http://127.0.0.1:$BASE_PORT"
  key=${SIGNING_KEY:-local-cluster-signing-key-0123456789abcdef}
  api="$STATE/api/Coupons.Api.dll"
else
  port=${CODES_PORT:-5193}
  api_url="http://127.0.0.1:$port"
  key="codes-bench-signing-key-0123456789abcdef"
  trap 'kill "$pid" 2>/dev/null || true; rm -rf "$out"' EXIT
  dotnet build -c Release src/Coupons.Api -o "$out/api" -v q --nologo >/dev/null
  api="$out/api/Coupons.Api.dll"
  dotnet "$api" --urls "$api_url" --Coupons:Embedded:DataDir="$out/data" --Coupons:Auth:SigningKey="$key" >"$out/log" 2>&1 &
  pid=$!
  for _ in $(seq 300); do curl -sf "$api_url/health/ready" >/dev/null && break; sleep 0.1; done
fi
admin=$(dotnet "$api" token --sub bench --role admin --Coupons:Auth:SigningKey="$key")

campaign=$(curl -sf -X POST "$api_url/v1/campaigns" -H "Authorization: Bearer $admin" -H 'Content-Type: application/json' \
  -d '{"name":"printed","discount":{"type":"amount_off","amountOff":100},"totalStock":1000,"validity":{"days":30}}' | json "['id']")

start=$(date +%s.%N)
job=$(curl -sf -X POST "$api_url/v1/campaigns/$campaign/codes" -H "Authorization: Bearer $admin" -H 'Content-Type: application/json' \
  -d "{\"count\":$count,\"prefix\":\"BN\"}" | json "['id']")
while true; do
  state=$(curl -sf "$api_url/v1/jobs/$job" -H "Authorization: Bearer $admin")
  case $(echo "$state" | json "['status']") in succeeded|failed|cancelled) break ;; esac
  sleep 0.2
done
end=$(date +%s.%N)
echo "codes $count ($store): job done after $(echo "$end - $start" | bc) s"
echo "job: $state"

if [ "$store" = cluster ]; then
  pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
  while true; do
    stored=0
    for db in shard0 shard1; do
      n=$("$pg_bin/psql" -h 127.0.0.1 -p $((BASE_PORT + 20)) -U postgres -d "$db" -tAc "select count(*) from codes" 2>/dev/null || echo 0)
      stored=$((stored + n))
    done
    [ "$stored" -ge "$count" ] && break
    sleep 0.5
  done
  persisted=$(date +%s.%N)
  echo "in PostgreSQL after $(echo "$persisted - $start" | bc) s ($stored rows)"
fi

curl -sf "$api_url/v1/campaigns/$campaign/codes" -H "Authorization: Bearer $admin" -H 'Accept: text/csv' >"$out/codes.csv"
exported=$(tail -n +2 "$out/codes.csv" | wc -l)
distinct=$(tail -n +2 "$out/codes.csv" | cut -d, -f1 | sort -u | wc -l)
echo "exported $exported codes, $distinct distinct"
[ "$exported" -eq "$count" ] && [ "$distinct" -eq "$count" ]
