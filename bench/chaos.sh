#!/usr/bin/env bash
# Faults injected under load, with what the clients saw, and what was kept.
#   redis-stop   the Redis store's redis-server hung with SIGSTOP for STOP_SECONDS (5) while wrk claims
#                (64 connections, users cycled, a key each), then SIGCONT. Reports every answer's
#                status, wrk's latency (its maximum bounds how long any request, failed ones
#                included, waited), the 503s by how long they took (from the service's own request
#                histogram: at once, with the breaker open, or at the timeout), and the time from
#                SIGCONT to the first claim that succeeds again; and the coupons issued against the
#                201s (more only by claims that timed out and ran when Redis went on). That nothing
#                is half-applied and a key never gets two coupons is HungRedisTests' check.
#   bench/chaos.sh [redis-stop]       # about a minute
#   redis-delay  the same with the service reaching Redis through bench/scripts/delayproxy.py, which
#                holds every chunk DELAY_MS (50) both ways for STOP_SECONDS: slower answers, the
#                timeout not reached (a claim is one round trip), nothing refused
#   cluster      the faults of the scale-out deployment (deploy/local-cluster.sh), one after another:
#                cluster-redis-stop, master-kill, pg-stop, persister-kill, api-kill (each may be
#                named alone, or several in quotes); see bench/scripts/chaos-cluster.sh for what each
#                does and checks (no acknowledged claim lost, no oversell, reconcile agrees, the
#                error window). Settings: DURATION (20), FAULT_AT (3), STOP_SECONDS (5),
#                PG_STOP_SECONDS (20), STOCK, TAKE_OVER_AFTER (00:00:05), RECONCILE_SECONDS (120).
#   bench/chaos.sh cluster            # about 4 minutes; exits 1 when a check fails
# PROTECTIONS=on: the limits and signals on, their buckets in the same Redis (limits far above the
# load, so every request takes from them and none is refused).
# Settings: STOP_SECONDS (5), CONNECTIONS (64), TIMEOUT (Coupons:Redis:Timeout, 00:00:00.200), PORT_BASE (5400).
# Needs wrk, redis-server, python3 (cluster: PostgreSQL's binaries and nginx too). Results in bench/results/chaos-<time>/.
set -euo pipefail
cd "$(dirname "$0")/.."
scenario=${1:-redis-stop}
cluster_scenarios="cluster-redis-stop master-kill pg-stop persister-kill api-kill"
if [ "$scenario" = cluster ]; then scenario=$cluster_scenarios; fi
for name in $scenario; do
  [ "$name" = redis-stop ] || [ "$name" = redis-delay ] || [[ " $cluster_scenarios " == *" $name "* ]] ||
    { echo "unknown scenario $name (redis-stop, redis-delay, cluster, $cluster_scenarios)" >&2; exit 2; }
done
stop_seconds=${STOP_SECONDS:-5}; connections=${CONNECTIONS:-64}; timeout=${TIMEOUT:-00:00:00.200}
protection_args=(--Coupons:Protection:Enabled=false)
if [ "${PROTECTIONS:-off}" = on ]; then
  protection_args=(--Coupons:Protection:Ip:Limit=1000000000 --Coupons:Protection:User:Limit=1000000000 --Coupons:Protection:Device:Limit=1000000000)
fi
port=${PORT_BASE:-5400}; api=http://127.0.0.1:$((port + 1)); redis_port=$((port + 2))
key="bench-signing-key-0123456789abcdef0123456789abcdef"
out=${OUT:-bench/results/chaos-$(date -u +%Y%m%d-%H%M%S)}
work=$(mktemp -d)
cleanup() {
  [ -n "${redis_pid:-}" ] && kill -CONT "$redis_pid" 2>/dev/null
  kill $(jobs -p) 2>/dev/null || true
  redis-cli -p $redis_port shutdown nosave >/dev/null 2>&1 || true
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
mkdir -p "$out"

if [ "$scenario" != redis-stop ] && [ "$scenario" != redis-delay ]; then
  scenarios=$scenario
  source bench/scripts/chaos-cluster.sh
  exit $?
fi

echo "building (Release)" >&2
dotnet build -c Release src/Coupons.Api -o "$work/api" -v q --nologo >/dev/null
mkdir -p "$work/redis"
redis-server --port $redis_port --bind 127.0.0.1 --dir "$work/redis" --save "" --appendonly yes --appendfsync always \
  --auto-aof-rewrite-percentage 0 >"$work/redis.log" 2>&1 &
redis_pid=$!
store_port=$redis_port
if [ "$scenario" = redis-delay ]; then # the service reaches Redis through the delaying proxy
  store_port=$((port + 3))
  python3 bench/scripts/delayproxy.py $store_port $redis_port "${DELAY_MS:-50}" &
  proxy_pid=$!
  for _ in $(seq 1 100); do redis-cli -p $store_port PING >/dev/null 2>&1 && break; sleep 0.1; done
fi
export DOTNET_gcServer=${DOTNET_gcServer:-1}
dotnet "$work/api/Coupons.Api.dll" --urls $api --Coupons:Store=redis --Coupons:Redis:Configuration=127.0.0.1:$store_port \
  --Coupons:Redis:Timeout="$timeout" "${protection_args[@]}" --Coupons:Auth:SigningKey="$key" \
  --Logging:LogLevel:Default=Warning >"$work/api.log" 2>&1 &
for _ in $(seq 1 600); do curl -sf $api/health/ready >/dev/null 2>&1 && break; sleep 0.1; done

admin=$(python3 bench/scripts/tokens.py "$key" 1 admin)
campaign=$(curl -sf -X POST $api/v1/campaigns -H "Authorization: Bearer $admin" -H 'Content-Type: application/json' \
  -d '{"name":"chaos","discount":{"type":"amount_off","amountOff":500},"totalStock":1000000000,"perUserLimit":1000,"validity":{"days":30}}' |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
python3 bench/scripts/tokens.py "$key" 5000 >"$work/tokens"
user_token=$(sed -n 1p "$work/tokens")
metric() { curl -s $api/metrics | awk -v name="$1" '$1 ~ "^"name {sum += $2} END {print sum + 0}'; }

duration=$((stop_seconds + 8))
echo "== wrk ${duration}s, $scenario from 3 s for ${stop_seconds} s" >&2
TOKENS="$work/tokens" METHOD=POST TARGET=/v1/campaigns/$campaign/claim BODY='{}' KEYS=each RUN=chaos THREADS=2 STATUSES=1 \
  wrk -t2 -c"$connections" -d"${duration}s" --latency -s bench/scripts/wrk.lua $api >"$out/wrk.txt" 2>&1 &
wrk_pid=$!
sleep 3
openings_before=$(metric coupons_redis_breaker_openings)
if [ "$scenario" = redis-delay ]; then kill -USR1 $proxy_pid; else kill -STOP $redis_pid; fi
sleep "$stop_seconds"
if [ "$scenario" = redis-delay ]; then kill -USR2 $proxy_pid; else kill -CONT $redis_pid; fi
resumed=$(date +%s%N)
recovered=""
for _ in $(seq 1 3000); do
  status=$(curl -s -o /dev/null -w '%{http_code}' -X POST $api/v1/campaigns/$campaign/claim -H "Authorization: Bearer $user_token" -H "Idempotency-Key: probe-$RANDOM$RANDOM")
  if [ "$status" = 201 ]; then recovered=$(( ($(date +%s%N) - resumed) / 1000000 )); break; fi
  sleep 0.01
done
wait $wrk_pid
openings=$(( $(metric coupons_redis_breaker_openings) - openings_before ))
stats=$(curl -sf $api/v1/campaigns/$campaign/stats -H "Authorization: Bearer $admin")
{
  echo "scenario: $scenario${DELAY_MS:+ ($DELAY_MS ms)}, ${stop_seconds} s, timeout $timeout, $connections connections, protections ${PROTECTIONS:-off}"
  grep -E "requests in|Requests/sec|Latency|99%|non-2xx|socket errors|^status" "$out/wrk.txt"
  awk '/Latency/ && !/Distribution/ {print "latency max (any request, failed ones included): " $4}' "$out/wrk.txt"
  echo "breaker openings: $openings"
  echo "first claim that succeeded after the repair: ${recovered:-none within 30 s} ms"
  echo "stats after: $stats"
  curl -s $api/metrics | python3 -c '
import re, sys
buckets = {}
for line in sys.stdin:
    m = re.match(r"http_server_request_duration_seconds_bucket\{(.*)\} (\S+)", line)
    if m and "http_response_status_code=\"503\"" in m.group(1):
        le = re.search(r"le=\"([^\"]+)\"", m.group(1)).group(1)
        buckets[le] = buckets.get(le, 0) + float(m.group(2))
if buckets:
    total = buckets.get("+Inf", 0)
    for le in sorted((b for b in buckets if b != "+Inf"), key=float):
        print(f"503s within {float(le) * 1000:g} ms: {buckets[le]:.0f} of {total:.0f}")
'

} | tee "$out/summary.txt"
