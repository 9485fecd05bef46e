#!/usr/bin/env bash
# Old build against new, one command: the service built from a git ref (BASE, required) and from
# this working tree, each on a fresh store of its own, ramped
# alternately (old, new, old, new) with the same load tool and settings in one run, for the claim
# workload and bench/run.sh's 3:7 mix. Prints each one's max req/s and the p99 at 70 % of its max.
#   BASE=d3b958c bench/compare.sh          # about 8 minutes
#   QUICK=1 BASE=HEAD~3 bench/compare.sh   # shorter steps, for a smoke test
#   STORE=redis BASE=... bench/compare.sh  # the same on the Redis store (one redis-server, AOF always)
# Environment: FROM, TO, STEPS, STEP_SECONDS, CONNECTIONS, WORKLOADS (default "claim mix").
# Needs git, python3 and curl (and redis-server for STORE=redis).
set -euo pipefail
cd "$(dirname "$0")/.."
base=${BASE:?set BASE to the git ref of the old build, e.g. BASE=HEAD~1}
key="bench-signing-key-0123456789abcdef0123456789abcdef"
out=${OUT:-bench/results/compare-$(date -u +%Y%m%d-%H%M%S)}
work=$(mktemp -d)
cleanup() {
  kill $(jobs -p) 2>/dev/null || true
  [ -n "${redis_port:-}" ] && redis-cli -p "$redis_port" shutdown nosave >/dev/null 2>&1
  wait 2>/dev/null || true
  git worktree remove --force "$work/old-src" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
mkdir -p "$out"
store=${STORE:-embedded}
from=${FROM:-2000}; to=${TO:-30000}; steps=${STEPS:-10}; step_seconds=${STEP_SECONDS:-5}
connections=${CONNECTIONS:-64}; workloads=${WORKLOADS:-claim mix}
if [ -n "${QUICK:-}" ]; then steps=${STEPS:-4}; step_seconds=${STEP_SECONDS:-2}; fi

echo "building $base and the working tree (Release)" >&2
git worktree add --detach "$work/old-src" "$base" >/dev/null 2>&1
dotnet build -c Release "$work/old-src/src/Coupons.Api" -o "$work/old" -v q --nologo >/dev/null
dotnet build -c Release src/Coupons.Api -o "$work/new" -v q --nologo >/dev/null
dotnet build -c Release tools/Coupons.Bench -o "$work/bench" -v q --nologo >/dev/null

store_args=()
if [ "$store" = redis ]; then
  redis_port=6392
  redis-server --port "$redis_port" --bind 127.0.0.1 --dir "$work" --appendonly yes --appendfsync always --save "" \
    --daemonize yes --logfile "$work/redis.log"
  store_args=(--Coupons:Store=redis --Coupons:Redis:Configuration=127.0.0.1:$redis_port)
fi

wait_ready() { for _ in $(seq 1 600); do curl -sf "$1" >/dev/null 2>&1 && return 0; sleep 0.1; done; echo "$1 not ready" >&2; return 1; }
start() { # name, port
  dotnet "$work/$1/Coupons.Api.dll" --urls "http://127.0.0.1:$2" --Coupons:Embedded:DataDir="$work/data-$1" "${store_args[@]}" \
    --Coupons:Redis:KeyPrefix="$1:" --Coupons:Auth:SigningKey="$key" --Coupons:Protection:Enabled=false \
    --Logging:LogLevel:Default=Warning >"$work/$1.log" 2>&1 &
}
start old 5401; old_pid=$!
start new 5402; new_pid=$!
wait_ready http://127.0.0.1:5401/health/ready
wait_ready http://127.0.0.1:5402/health/ready

bench() { # name, workload, url, pid
  echo "== $1" >&2
  local mix=()
  [ "$2" = mix ] && mix=(--ratio 3:7)
  dotnet "$work/bench/Coupons.Bench.dll" ramp --workload "$2" "${mix[@]}" --url "$3" --server-pid "$4" --signing-key "$key" \
    --connections "$connections" --from "$from" --to "$to" --steps "$steps" --step-duration "$step_seconds" --warmup 2 \
    --slo-ms 5 --then-at 0.7 --quiet --out "$out/$1" >"$out/$1.md"
}
names=()
for workload in $workloads; do
  for round in 1 2; do
    bench "$workload-old-$round" "$workload" http://127.0.0.1:5401 "$old_pid"
    bench "$workload-new-$round" "$workload" http://127.0.0.1:5402 "$new_pid"
    names+=("$workload-old-$round" "$workload-new-$round")
  done
done

python3 - "$out" "$store" "$base" "${names[@]}" <<'PY' | tee "$out/summary.md"
import json, os, sys
out, store, base, names = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
def load(name):
    with open(os.path.join(out, name, "result.json")) as f:
        return json.load(f)
print(f"### {base} (old) against the working tree (new), {store} store, same run, alternating\n")
print("| run | max req/s | held with p99 ≤ 5 ms | 70% of max | p50 ms | p99 ms | errors |")
print("|---|---:|---:|---:|---:|---:|---:|")
means = {}
for name in names:
    steps = load(name)["steps"]
    ramp, last = steps[:-1], steps[-1]["result"]
    best = max(s["result"]["achievedPerSecond"] for s in ramp)
    held = [s["result"]["targetPerSecond"] for s in ramp
            if s["result"]["achievedPerSecond"] >= 0.95 * s["result"]["targetPerSecond"] and s["result"]["dropped"] == 0 and s["result"]["all"]["p99Ms"] <= 5]
    errors = sum(s["result"]["errors"] for s in steps)
    print(f"| {name} | {best:.0f} | {max(held) if held else 0:.0f} | {last['targetPerSecond']:.0f} | {last['all']['p50Ms']:.2f} | {last['all']['p99Ms']:.2f} | {errors} |")
    workload, build, _ = name.rsplit("-", 2)
    means.setdefault((workload, build), []).append((best, last["all"]["p99Ms"]))
print()
for workload in dict.fromkeys(k[0] for k in means):
    old, new = means[(workload, "old")], means[(workload, "new")]
    mo, mn = sum(b for b, _ in old) / len(old), sum(b for b, _ in new) / len(new)
    print(f"- {workload}: mean max old {mo:.0f}/s, new {mn:.0f}/s ({mn / mo - 1:+.1%}); p99 at 70 %: old {', '.join(f'{p:.2f}' for _, p in old)} ms, new {', '.join(f'{p:.2f}' for _, p in new)} ms")
PY
