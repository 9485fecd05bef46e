# Sourced by the scripts that run the service twice side by side on one build (protection.sh,
# metrics.sh): the signing key, a results folder, a work folder removed at exit (with the servers and
# the Redis it started), the ramp's settings, the builds, the store's arguments, wait_ready, and
# bench (one claim ramp of one of the two services into the results folder).
# Before sourcing: name (the results folder's prefix) and redis_port (used with STORE=redis).
key="bench-signing-key-0123456789abcdef0123456789abcdef"
out=${OUT:-bench/results/$name-$(date -u +%Y%m%d-%H%M%S)}
work=$(mktemp -d)
started_redis=""
trap 'kill $(jobs -p) 2>/dev/null || true; [ -n "$started_redis" ] && redis-cli -p "$redis_port" shutdown nosave >/dev/null 2>&1; wait 2>/dev/null || true; rm -rf "$work"' EXIT
mkdir -p "$out"
store=${STORE:-embedded}
from=${FROM:-2000}; to=${TO:-20000}; steps=${STEPS:-10}; step_seconds=${STEP_SECONDS:-5}
if [ -n "${QUICK:-}" ]; then steps=${STEPS:-4}; step_seconds=${STEP_SECONDS:-2}; fi

echo "building (Release)" >&2
dotnet build -c Release src/Coupons.Api -o "$work/api" -v q --nologo >/dev/null
dotnet build -c Release tools/Coupons.Bench -o "$work/bench" -v q --nologo >/dev/null

store_args=()
if [ "$store" = redis ]; then
  started_redis=1
  redis-server --port "$redis_port" --bind 127.0.0.1 --dir "$work" --appendonly yes --appendfsync always --save "" \
    --daemonize yes --logfile "$work/redis.log"
  store_args=(--Coupons:Store=redis --Coupons:Redis:Configuration=127.0.0.1:$redis_port)
fi

wait_ready() { for _ in $(seq 1 600); do curl -sf "$1" >/dev/null 2>&1 && return 0; sleep 0.1; done; echo "$1 not ready" >&2; return 1; }

bench() { # name, url, pid
  echo "== $1" >&2
  dotnet "$work/bench/Coupons.Bench.dll" ramp --workload claim --url "$2" --server-pid "$3" --signing-key "$key" \
    --from "$from" --to "$to" --steps "$steps" --step-duration "$step_seconds" --warmup 2 --slo-ms 5 --quiet \
    --out "$out/$1" >"$out/$1.md"
}
