#!/usr/bin/env bash
# Side-by-side benchmark, one command: builds Release, starts the service on a fresh embedded data
# dir and the bare-Kestrel baseline (bench/Coupons.Baseline), drives both with the same load tool
# (tools/Coupons.Bench) and settings in the same run, and prints the ratios and the p99 at 70% of
# each one's maximum. Then a flash sale: 100,000 users on a stock of 10,000, verified.
#   bench/run.sh            # full run, about 6 minutes
#   QUICK=1 bench/run.sh    # shorter steps, for a smoke test
# Environment: FROM, TO, STEPS, STEP_SECONDS, CONNECTIONS, FLASH_USERS, FLASH_STOCK, FLASH_RATE.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
key="bench-signing-key-0123456789abcdef0123456789abcdef"
out=${OUT:-bench/results/run-$(date -u +%Y%m%d-%H%M%S)}
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$work"' EXIT
mkdir -p "$out"

from=${FROM:-2000}; to=${TO:-40000}; steps=${STEPS:-12}; step_seconds=${STEP_SECONDS:-6}
connections=${CONNECTIONS:-64}
flash_users=${FLASH_USERS:-100000}; flash_stock=${FLASH_STOCK:-10000}; flash_rate=${FLASH_RATE:-5000}
if [ -n "${QUICK:-}" ]; then steps=${STEPS:-5}; step_seconds=${STEP_SECONDS:-3}; flash_users=${FLASH_USERS:-20000}; flash_stock=${FLASH_STOCK:-2000}; fi

echo "building (Release)" >&2
dotnet build -c Release src/Coupons.Api -o "$work/api" -v q --nologo >/dev/null
dotnet build -c Release bench/Coupons.Baseline -o "$work/baseline" -v q --nologo >/dev/null
dotnet build -c Release tools/Coupons.Bench -o "$work/bench" -v q --nologo >/dev/null

wait_ready() { # url
  for _ in $(seq 1 600); do curl -sf "$1" >/dev/null 2>&1 && return 0; sleep 0.1; done
  echo "$1 did not answer within 60 s" >&2; return 1
}
dotnet "$work/baseline/Coupons.Baseline.dll" --urls http://127.0.0.1:5200 >"$work/baseline.log" 2>&1 &
baseline_pid=$!
dotnet "$work/api/Coupons.Api.dll" --urls http://127.0.0.1:5201 --Coupons:Embedded:DataDir="$work/data" \
  --Coupons:Auth:SigningKey="$key" --Coupons:Protection:Enabled=false --Logging:LogLevel:Default=Warning >"$work/api.log" 2>&1 &
api_pid=$!
wait_ready http://127.0.0.1:5200/constant
wait_ready http://127.0.0.1:5201/health/ready

bench() { # name, then tool arguments
  local name=$1; shift
  echo "== $name" >&2
  dotnet "$work/bench/Coupons.Bench.dll" "$@" --signing-key "$key" --connections "$connections" --warmup 2 --quiet \
    --out "$out/$name" >"$out/$name.md"
}
ramp=(ramp --from "$from" --to "$to" --steps "$steps" --step-duration "$step_seconds" --slo-ms 5 --then-at 0.7)
bench baseline "${ramp[@]}" --workload constant --url http://127.0.0.1:5200 --server-pid "$baseline_pid"
bench claims "${ramp[@]}" --workload claim --url http://127.0.0.1:5201 --server-pid "$api_pid"
bench mix "${ramp[@]}" --workload mix --ratio 3:7 --url http://127.0.0.1:5201 --server-pid "$api_pid"
flash_status=0
bench flash flash --flash-users "$flash_users" --stock "$flash_stock" --rate "$flash_rate" --url http://127.0.0.1:5201 --server-pid "$api_pid" || flash_status=$?

python3 - "$out" "$flash_status" <<'PY' | tee "$out/summary.md"
import json, os, platform, sys
out, flash_status = sys.argv[1], int(sys.argv[2])
def load(name):
    with open(os.path.join(out, name, "result.json")) as f:
        return json.load(f)
rows = {}
for name in ("baseline", "claims", "mix"):
    r = load(name)
    steps = r["steps"]
    ramp, last = steps[:-1], steps[-1]["result"]
    best = max(s["result"]["achievedPerSecond"] for s in ramp)
    held = [s["result"]["targetPerSecond"] for s in ramp
            if s["result"]["achievedPerSecond"] >= 0.95 * s["result"]["targetPerSecond"] and s["result"]["dropped"] == 0 and s["result"]["all"]["p99Ms"] <= 5]
    rows[name] = (best, max(held) if held else 0, last["targetPerSecond"], last["all"]["p50Ms"], last["all"]["p99Ms"], last["all"]["p999Ms"], last["errors"] + sum(s["result"]["errors"] for s in ramp))
m = load("baseline")["machine"]
print(f"### Side by side ({m['cores']} cores, {m['memoryMb'] // 1024} GiB, {m['os']}, {m['runtime']}; load tool on the same machine)\n")
print("| target | max req/s | held with p99 ≤ 5 ms | 70% of max | p50 ms | p99 ms | p99.9 ms | errors |")
print("|---|---:|---:|---:|---:|---:|---:|---:|")
for name, (best, held, rate, p50, p99, p999, errors) in rows.items():
    print(f"| {name} | {best:.0f} | {held:.0f} | {rate:.0f} | {p50:.2f} | {p99:.2f} | {p999:.2f} | {errors} |")
base = rows["baseline"][0]
print()
print(f"- claims ÷ baseline: {rows['claims'][0] / base:.0%} (goal ≥ 75%)")
print(f"- mix ÷ baseline: {rows['mix'][0] / base:.0%} (goal ≥ 60%)")
print(f"- p99 at 70% of max: claims {rows['claims'][4]:.2f} ms, mix {rows['mix'][4]:.2f} ms (goal ≤ 5 ms)")
f = load("flash")
print(f"- flash: {'PASSED' if flash_status == 0 else 'FAILED'}: " + "; ".join(f["findings"][:2] + f["failures"]))
PY
echo "details: $out/{baseline,claims,mix,flash}.md, result.json and chart.svg per run" >&2
exit "$flash_status"
