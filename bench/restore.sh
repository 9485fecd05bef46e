#!/usr/bin/env bash
# Restoring Redis from PostgreSQL, timed: bench/restore.sh [N] (default 1,000,000 coupons).
#   1. starts redis-server (AOF, appendfsync always, as in production), PostgreSQL (one shard
#      database) and the service on them; creates a campaign of N + 100 units in one bucket
#      (Coupons:Redis:MaxBuckets=1) and claims one coupon over HTTP, so that PostgreSQL holds the
#      campaign and a coupon as the persister writes them;
#   2. fills the shard with N - 1 more coupons by one INSERT … SELECT in the persister's schema,
#      each as a claim would leave it (its id carrying the bucket's slot, a user of its own, its own
#      code's hash; one in ten used, one in ten locked), the fastest honest way to have N rows
#      there: making them through the service would take minutes of claims;
#   3. stops the service, empties Redis (FLUSHALL), times `restore`, then runs `reconcile` on the
#      campaign (it must agree) and prints the seconds.
# One shard: a row's shard is XxHash32 of its user, which SQL cannot compute; the restore reads
# shards one after the other, so N rows on one shard are the same work as N over several.
# Settings: PORT_BASE (5400: the service, Redis +1, PostgreSQL +2), OUT (bench/results/restore-<time>),
# API_DIR (a folder with Coupons.Api.dll built already; built into a temporary folder otherwise).
# Needs redis-server, redis-cli, curl, python3 and PostgreSQL's binaries (Debian: redis-server, postgresql).
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-1000000}
[ "$n" -ge 1 ] || { echo "usage: bench/restore.sh [N ≥ 1]" >&2; exit 2; }
key="bench-signing-key-0123456789abcdef0123456789abcdef"
out=${OUT:-bench/results/restore-$(date -u +%Y%m%d-%H%M%S)}
port=${PORT_BASE:-5400}; redis_port=$((port + 1)); pg_port=$((port + 2))
work=$(mktemp -d)
pg_bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
as_pg() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
cleanup() {
  kill $(jobs -p) 2>/dev/null || true
  redis-cli -p $redis_port shutdown nosave >/dev/null 2>&1 || true
  as_pg "$pg_bin/pg_ctl" -D "$work/pg" -m immediate stop >/dev/null 2>&1 || true
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
mkdir -p "$out"

if [ -n "${API_DIR:-}" ]; then
  api="$API_DIR/Coupons.Api.dll"
else
  echo "building (Release)" >&2
  dotnet build -c Release src/Coupons.Api -o "$work/api" -v q --nologo >/dev/null
  api="$work/api/Coupons.Api.dll"
fi

echo "starting redis-server (AOF, appendfsync always) and PostgreSQL" >&2
mkdir -p "$work/redis"
redis-server --port $redis_port --bind 127.0.0.1 --dir "$work/redis" --save "" --appendonly yes --appendfsync "${APPENDFSYNC:-always}" >"$work/redis.log" 2>&1 &
mkdir -p "$work/pg"; [ "$(id -u)" -eq 0 ] && chown postgres:postgres "$work" "$work/pg"
as_pg "$pg_bin/initdb" -D "$work/pg" -U postgres --auth=trust -E UTF8 --no-instructions >/dev/null
as_pg "$pg_bin/pg_ctl" -D "$work/pg" -w -l "$work/pg/log" -o "-p $pg_port -c listen_addresses=127.0.0.1 -c unix_socket_directories=$work/pg" start >/dev/null
as_pg "$pg_bin/createdb" -h 127.0.0.1 -p $pg_port -U postgres shard0
shard="Host=127.0.0.1;Port=$pg_port;Username=postgres;Database=shard0"
psql_shard() { "$pg_bin/psql" -h 127.0.0.1 -p $pg_port -U postgres -d shard0 -v ON_ERROR_STOP=1 -qAt "$@"; }
settings=(--Coupons:Redis:Configuration=127.0.0.1:$redis_port --Coupons:Redis:KeyPrefix=coupons: --Coupons:Postgres:Shards:0="$shard")

dotnet "$api" --urls http://127.0.0.1:$port --Coupons:Store=redis "${settings[@]}" --Coupons:Redis:MaxBuckets=1 \
  --Coupons:Embedded:DataDir="$work/data" --Coupons:Auth:SigningKey="$key" --Coupons:Protection:Enabled=false \
  --Logging:LogLevel:Default=Warning >"$work/api.log" 2>&1 &
api_pid=$!
for _ in $(seq 1 600); do curl -sf http://127.0.0.1:$port/health/ready >/dev/null 2>&1 && break; sleep 0.1; done
curl -sf http://127.0.0.1:$port/health/ready >/dev/null || { echo "the service did not start" >&2; cat "$work/api.log" >&2; exit 1; }

token() { dotnet "$api" token --sub "$1" ${2:+--role "$2"} --Coupons:Auth:SigningKey="$key"; }
admin=$(token bench-admin admin)
# POST and print one field of the JSON answer; on anything but 2xx, the answer and the service's log, and stop.
post_field() { local field=$1 url=$2 token=$3 body=${4:-}; local answer status
  for _ in 1 2 3 4 5; do
    answer=$(curl -s -w '\n%{http_code}' -X POST "$url" -H "Authorization: Bearer $token" ${body:+-H 'Content-Type: application/json' -d "$body"})
    status=${answer##*$'\n'}; answer=${answer%$'\n'*}
    case $status in 2??) python3 -c "import json,sys; print(json.load(sys.stdin)['$field'])" <<<"$answer"; return 0 ;; 503) sleep 1 ;; *) break ;; esac
  done
  echo "POST $url answered $status: $answer" >&2; tail -20 "$work/api.log" >&2; exit 1; }
campaign=$(post_field id http://127.0.0.1:$port/v1/campaigns "$admin" \
  "{\"name\":\"restore bench\",\"discount\":{\"type\":\"amount_off\",\"amountOff\":500},\"totalStock\":$((n + 100)),\"perUserLimit\":1,\"validity\":{\"days\":30}}")
coupon=$(post_field id http://127.0.0.1:$port/v1/campaigns/$campaign/claim "$(token bench-user-0)")
echo "campaign $campaign, first coupon $coupon; waiting for the persister" >&2
for _ in $(seq 1 300); do
  [ "$(psql_shard -c "SELECT count(*) FROM coupons WHERE id = '$coupon'" 2>/dev/null || echo 0)" = 1 ] \
    && [ "$(psql_shard -c "SELECT count(*) FROM campaigns WHERE id = '$campaign'" 2>/dev/null || echo 0)" = 1 ] && break
  sleep 0.1
done
kill $api_pid; wait $api_pid 2>/dev/null || true

# The bucket's slot, in the last 14 bits of every coupon id (CouponIds); version-7-like ids, time first.
slot_hex=$(printf '%04x' $(( 0x${coupon: -4} & 0x3fff )))
echo "filling PostgreSQL with $((n - 1)) more coupons" >&2
fill_start=$(date +%s.%N)
psql_shard <<SQL
INSERT INTO coupons (id, campaign_id, user_id, claimed_at, idempotency_key, valid_from, valid_to, status,
                     order_id, order_amount, lock_expires_at, used_at, refunded_order_id, version, code_hash, order_shipping, order_discount)
SELECT (lpad(to_hex(now_ms + i), 12, '0') || '7' || substr(h, 1, 3) || '8' || substr(h, 4, 11) || '$slot_hex')::uuid,
       '$campaign', 'bench-user-' || i, now_ms + i, NULL, now_ms, now_ms + 2592000000,
       CASE i % 10 WHEN 0 THEN 'used' WHEN 1 THEN 'locked' ELSE 'unused' END,
       CASE WHEN i % 10 < 2 THEN 'bench-order-' || i END, CASE WHEN i % 10 < 2 THEN 2000 ELSE 0 END,
       CASE WHEN i % 10 = 1 THEN now_ms + 86400000 ELSE 0 END, CASE WHEN i % 10 = 0 THEN now_ms + i ELSE 0 END, NULL,
       CASE i % 10 WHEN 0 THEN 3 WHEN 1 THEN 2 ELSE 1 END,
       translate(rtrim(encode(decode(substr(h, 15, 32), 'hex'), 'base64'), '='), '+/', '-_'), 0,
       CASE WHEN i % 10 < 2 THEN 500 END
FROM (SELECT i, md5(i::text) || md5((-i)::text) AS h, (extract(epoch FROM clock_timestamp()) * 1000)::bigint AS now_ms
      FROM generate_series(1, $((n - 1))) AS i) AS rows;
SQL
echo "filled in $(echo "$(date +%s.%N) - $fill_start" | bc) s" >&2

redis-cli -p $redis_port flushall >/dev/null
echo "restoring $n coupons into an empty Redis" >&2
redis_cpu() { redis-cli -p $redis_port info cpu | tr -d '\r' | awk -F: '/^used_cpu_(user|sys):/ { s += $2 } END { print s }'; }
redis_before=$(redis_cpu)
start=$(date +%s.%N)
/usr/bin/time -f "%U %S" -o "$work/restore.cpu" dotnet "$api" restore "${settings[@]}" | tee "$out/restore.txt"
seconds=$(echo "$(date +%s.%N) - $start" | bc)
redis_seconds=$(echo "$(redis_cpu) - $redis_before" | bc)
read -r cpu_user cpu_sys <"$work/restore.cpu"
dotnet "$api" reconcile "$campaign" "${settings[@]}" | tail -1 | tee "$out/reconcile.txt"
printf 'restore of %d coupons: %.2f s (the command, start to exit); CPU: the command %.2f s, redis-server %.2f s; load average %s\n' \
  "$n" "$seconds" "$(echo "$cpu_user + $cpu_sys" | bc)" "$redis_seconds" "$(cut -d' ' -f1 /proc/loadavg)" | tee "$out/summary.txt"
