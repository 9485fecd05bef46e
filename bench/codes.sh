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
# CPU seconds (own and reaped children's: AOF rewrites, exited backends) of the processes named $1 (pgrep -f for $2 = f).
cpu_of() {
  local total=0 pid f
  for pid in $(pgrep "-${2:-x}" "$1"); do
    read -r -a f < <(sed 's/^.*) //' "/proc/$pid/stat" 2>/dev/null) || continue
    total=$((total + f[11] + f[12] + f[13] + f[14]))
  done
  echo "scale=1; $total / $(getconf CLK_TCK)" | bc
}
cpu_all() { echo "$(cpu_of Coupons.Api.dll f) $(cpu_of redis-server) $(cpu_of postgres) $(awk '/^cpu /{print ($2+$3+$4+$7+$8)/100}' /proc/stat)"; }
cpu_report() {
  read -r api0 redis0 pg0 all0 <<<"$1"
  read -r api1 redis1 pg1 all1 <<<"$(cpu_all)"
  echo "CPU meanwhile: API $(echo "$api1 - $api0" | bc) s, Redis $(echo "$redis1 - $redis0" | bc) s (AOF rewrites included), PostgreSQL $(echo "$pg1 - $pg0" | bc) s; the machine $(echo "$all1 - $all0" | bc) s"
}

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

cpu_start=$(cpu_all)
start=$(date +%s.%N)
job=$(curl -sf -X POST "$api_url/v1/campaigns/$campaign/codes" -H "Authorization: Bearer $admin" -H 'Content-Type: application/json' \
  -d "{\"count\":$count,\"prefix\":\"BN\"}" | json "['id']")
while true; do
  state=$(curl -sf "$api_url/v1/jobs/$job" -H "Authorization: Bearer $admin")
  # Matched in the shell: a python a poll would take a share of the two cores from the job it times.
  case $state in *'"status":"succeeded"'* | *'"status":"failed"'* | *'"status":"cancelled"'*) break ;; esac
  sleep 0.2
done
end=$(date +%s.%N)
echo "codes $count ($store): job done after $(echo "$end - $start" | bc) s"
echo "job: $state"
[ "$store" = cluster ] || cpu_report "$cpu_start"

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
  cpu_report "$cpu_start"
fi

curl -sf "$api_url/v1/campaigns/$campaign/codes" -H "Authorization: Bearer $admin" -H 'Accept: text/csv' >"$out/codes.csv"
exported=$(tail -n +2 "$out/codes.csv" | wc -l)
distinct=$(tail -n +2 "$out/codes.csv" | cut -d, -f1 | sort -u | wc -l)
echo "exported $exported codes, $distinct distinct"
[ "$exported" -eq "$count" ] && [ "$distinct" -eq "$count" ]
