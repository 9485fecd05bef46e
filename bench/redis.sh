#!/usr/bin/env bash
# Scale-out benchmark, one command: the API on Redis (one node, AOF with fsync on every write) with
# its PostgreSQL persister (two shard databases), beside the bare-Kestrel baseline, in one run:
#   1. ramps of the baseline and of claims through the API on Redis, same tool and settings;
#   2. the claim script against a minimal stock-decrement script, both by EVALSHA with redis-benchmark;
#   3. a 3:7 mix at a fixed rate, with the persister's throughput (rows/s) and lag read each second.
#   bench/redis.sh                  # about 4 minutes
#   QUICK=1 bench/redis.sh          # shorter steps, for a smoke test
# Needs redis-server, redis-benchmark and PostgreSQL's binaries (Debian: redis-server, postgresql).
set -euo pipefail
cd "$(dirname "$0")/.."
key="bench-signing-key-0123456789abcdef0123456789abcdef"
out=${OUT:-bench/results/redis-$(date -u +%Y%m%d-%H%M%S)}
work=$(mktemp -d)
pg_bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
as_pg() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
cleanup() {
  kill $(jobs -p) 2>/dev/null || true
  as_pg "$pg_bin/pg_ctl" -D "$work/pg" -m immediate stop >/dev/null 2>&1 || true
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
mkdir -p "$out"
from=${FROM:-2000}; to=${TO:-40000}; steps=${STEPS:-12}; step_seconds=${STEP_SECONDS:-6}
mix_rate=${MIX_RATE:-6000}; mix_seconds=${MIX_SECONDS:-30}; requests=${REQUESTS:-200000}
if [ -n "${QUICK:-}" ]; then steps=${STEPS:-4}; step_seconds=${STEP_SECONDS:-3}; mix_seconds=${MIX_SECONDS:-8}; requests=${REQUESTS:-30000}; fi
redis_port=6391; pg_port=5441

echo "building (Release)" >&2
dotnet build -c Release src/Coupons.Api -o "$work/api" -v q --nologo >/dev/null
dotnet build -c Release bench/Coupons.Baseline -o "$work/baseline" -v q --nologo >/dev/null
dotnet build -c Release tools/Coupons.Bench -o "$work/bench" -v q --nologo >/dev/null

echo "starting redis-server (AOF, appendfsync always) and PostgreSQL" >&2
mkdir -p "$work/redis"
redis-server --port $redis_port --bind 127.0.0.1 --dir "$work/redis" --save "" --appendonly yes --appendfsync always >"$work/redis.log" 2>&1 &
mkdir -p "$work/pg"; [ "$(id -u)" -eq 0 ] && chown postgres:postgres "$work" "$work/pg"
as_pg "$pg_bin/initdb" -D "$work/pg" -U postgres --auth=trust -E UTF8 --no-instructions >/dev/null
as_pg "$pg_bin/pg_ctl" -D "$work/pg" -w -l "$work/pg/log" -o "-p $pg_port -c listen_addresses=127.0.0.1 -c unix_socket_directories=$work/pg" start >/dev/null
for db in shard0 shard1; do as_pg "$pg_bin/createdb" -h 127.0.0.1 -p $pg_port -U postgres $db; done
shard() { echo "Host=127.0.0.1;Port=$pg_port;Username=postgres;Database=$1"; }

wait_ready() { for _ in $(seq 1 600); do curl -sf "$1" >/dev/null 2>&1 && return 0; sleep 0.1; done; echo "$1 did not answer" >&2; return 1; }
dotnet "$work/baseline/Coupons.Baseline.dll" --urls http://127.0.0.1:5200 >"$work/baseline.log" 2>&1 &
baseline_pid=$!
dotnet "$work/api/Coupons.Api.dll" --urls http://127.0.0.1:5202 --Coupons:Store=redis \
  --Coupons:Redis:Configuration=127.0.0.1:$redis_port --Coupons:Postgres:Shards:0="$(shard shard0)" --Coupons:Postgres:Shards:1="$(shard shard1)" \
  --Coupons:Auth:SigningKey="$key" --Coupons:Protection:Enabled=false --Logging:LogLevel:Default=Warning >"$work/api.log" 2>&1 &
api_pid=$!
wait_ready http://127.0.0.1:5200/constant
wait_ready http://127.0.0.1:5202/health/ready

bench() { local name=$1; shift; echo "== $name" >&2
  dotnet "$work/bench/Coupons.Bench.dll" "$@" --signing-key "$key" --warmup 2 --quiet --out "$out/$name" >"$out/$name.md"; }
ramp=(ramp --from "$from" --to "$to" --steps "$steps" --step-duration "$step_seconds" --slo-ms 5)
bench baseline "${ramp[@]}" --workload constant --url http://127.0.0.1:5200 --server-pid "$baseline_pid"
bench claims-redis "${ramp[@]}" --workload claim --url http://127.0.0.1:5202 --server-pid "$api_pid"

echo "== redis-benchmark: EVALSHA of a minimal stock decrement and of claim.lua" >&2
cli() { redis-cli -p $redis_port "$@"; }
minimal_sha=$(cli SCRIPT LOAD "local s = tonumber(redis.call('GET', KEYS[1])) if s > 0 then redis.call('DECR', KEYS[1]) return 1 end return 0")
claim_sha=$(cli SCRIPT LOAD "$(cat src/Coupons.Redis/Scripts/claim.lua)")
cli SET "{rb}:stock" 1000000000 >/dev/null
cli HSET "{rb}:bucket" status active limit 1000000 total 1000000000 issued 0 >/dev/null
# -r: every claim by a new user for a new coupon id, as in a sale (without it, every request repeats one user and one coupon).
rb() { redis-benchmark -p $redis_port -r 1000000000 -n "$requests" -c 50 -q "$@" | tr '\r' '\n' | grep -E "requests per second" | tail -1 | sed -E 's/.*: ([0-9.]+) requests per second.*/\1/'; }
minimal_rps=$(rb EVALSHA "$minimal_sha" 1 "{rb}:stock")
claim_rps=$(rb EVALSHA "$claim_sha" 7 "{rb}:bucket" "{rb}:claimants" "{rb}:coupon:__rand_int__" "{rb}:events" "{rb}:validity" "{rb}:coupons" "{rb}:own-codes" \
  "u__rand_int__" "c:u__rand_int__" "" "__rand_int__" 1764000000000 1 1764000000000 1766592000000 c 0 "" 1 \
  '{"actor":"u__rand_int__","role":"user","ip":"127.0.0.1","at":1764000000000}' "h__rand_int__")
echo "minimal $minimal_rps claim $claim_rps" >"$out/redis-benchmark.txt"

echo "== mix at $mix_rate/s for $mix_seconds s, persister lag each second" >&2
dotnet "$work/bench/Coupons.Bench.dll" mix --rate "$mix_rate" --duration "$mix_seconds" --url http://127.0.0.1:5202 --server-pid "$api_pid" \
  --signing-key "$key" --warmup 2 --quiet --out "$out/mix-redis" >"$out/mix-redis.md" &
mix_pid=$!
: >"$out/persister.txt"
while kill -0 $mix_pid 2>/dev/null; do
  m=$(curl -s http://127.0.0.1:5202/metrics)
  echo "$(date +%s.%N) $(echo "$m" | awk '/^coupons_persister_lag/ {print $2}' | head -1) $(echo "$m" | awk '/^coupons_persister_stored/ {print $2}' | head -1)" >>"$out/persister.txt"
  sleep 1
done
wait $mix_pid
for _ in $(seq 1 60); do   # the backlog after the mix
  lag=$(curl -s http://127.0.0.1:5202/metrics | awk '/^coupons_persister_lag/ {print $2}' | head -1)
  echo "$(date +%s.%N) $lag $(curl -s http://127.0.0.1:5202/metrics | awk '/^coupons_persister_stored/ {print $2}' | head -1)" >>"$out/persister.txt"
  [ "${lag:-1}" = "0" ] && break; sleep 1
done

python3 - "$out" <<'PY' | tee "$out/summary.md"
import json, os, sys
out = sys.argv[1]
def best(name):
    with open(os.path.join(out, name, "result.json")) as f:
        return max(s["result"]["achievedPerSecond"] for s in json.load(f)["steps"])
base, claims = best("baseline"), best("claims-redis")
minimal, claim = (float(x) for x in open(os.path.join(out, "redis-benchmark.txt")).read().split()[1::2])
rows = [l.split() for l in open(os.path.join(out, "persister.txt")) if len(l.split()) == 3]
lags = [float(r[1]) for r in rows]
stored = [(float(r[0]), float(r[2])) for r in rows]
rate = max(((b[1] - a[1]) / (b[0] - a[0]) for a, b in zip(stored, stored[1:]) if b[0] > a[0]), default=0)
print("### Redis mode (one Redis node, AOF fsync always; PostgreSQL with two shards; load tool on the same machine)\n")
print(f"- claims through the API on Redis: {claims:.0f}/s; baseline {base:.0f}/s; ratio {claims / base:.0%} (goal ≥ 50%)")
print(f"- claim.lua by EVALSHA: {claim:.0f}/s; minimal stock decrement: {minimal:.0f}/s; ratio {claim / minimal:.0%} (goal ≥ 80%)")
print(f"- persister under the mix: up to {rate:.0f} rows/s; lag max {max(lags, default=0):.0f} entries, last {lags[-1] if lags else float('nan'):.0f}")
PY
