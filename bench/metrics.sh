#!/usr/bin/env bash
# What the metrics cost a claim, one command: the service twice on the embedded store, metrics off
# (Coupons:Metrics:Enabled=false: no /metrics, nothing listens to the meters) and on (the default:
# every series of README "Operating it", scraped every 5 s as Prometheus would), ramped
# alternately (off, on, off, on) with the same load tool and settings in one run; protections off
# on both, so that the claim path is all that differs. Prints each run's max claims/s and the
# server's CPU per claim at the rates every run held.
#   bench/metrics.sh               # about 6 minutes
#   QUICK=1 bench/metrics.sh       # shorter steps, for a smoke test
#   STORE=redis bench/metrics.sh   # the same on the Redis store (one redis-server, AOF always)
# Needs python3 and curl (and redis-server for STORE=redis).
set -euo pipefail
cd "$(dirname "$0")/.."
name=metrics redis_port=6390
source bench/scripts/side-by-side.sh
start() { # name, port, settings...
  local name=$1 port=$2; shift 2
  dotnet "$work/api/Coupons.Api.dll" --urls "http://127.0.0.1:$port" --Coupons:Embedded:DataDir="$work/$name" "${store_args[@]}" \
    --Coupons:Redis:KeyPrefix="$name:" --Coupons:Auth:SigningKey="$key" --Coupons:Protection:Enabled=false \
    --Logging:LogLevel:Default=Warning "$@" >"$work/$name.log" 2>&1 &
}
start off 5311 --Coupons:Metrics:Enabled=false; off_pid=$!
start on 5312; on_pid=$!
wait_ready http://127.0.0.1:5311/health/ready
wait_ready http://127.0.0.1:5312/health/ready
# Prometheus's part: a scrape of each every 5 s (the one without metrics answers 404).
(while true; do curl -s -o /dev/null http://127.0.0.1:5311/metrics; curl -s -o /dev/null http://127.0.0.1:5312/metrics; sleep 5; done) &

bench off-1 http://127.0.0.1:5311 "$off_pid"
bench on-1 http://127.0.0.1:5312 "$on_pid"
bench off-2 http://127.0.0.1:5311 "$off_pid"
bench on-2 http://127.0.0.1:5312 "$on_pid"

python3 - "$out" "$store" <<'PY' | tee "$out/summary.md"
import json, os, statistics, sys
out, store = sys.argv[1], sys.argv[2]
runs = {}
for name in ("off-1", "on-1", "off-2", "on-2"):
    with open(os.path.join(out, name, "result.json")) as f:
        runs[name] = json.load(f)["steps"]
def held(step):
    r = step["result"]
    return r["achievedPerSecond"] >= 0.95 * r["targetPerSecond"] and r["dropped"] == 0
# The rates every run held: there the server did the same work in each, and its CPU per claim compares.
common = set.intersection(*({s["result"]["targetPerSecond"] for s in steps if held(s)} for steps in runs.values()))
print(f"### Claims on the {store} store, metrics off and on (same run, alternating)\n")
print("| run | max claims/s | server CPU µs/claim at the rates all held (median) |")
print("|---|---:|---:|")
cpu = {}
for name, steps in runs.items():
    best = max(s["result"]["achievedPerSecond"] for s in steps)
    per = [s["serverCpuMicrosecondsPerRequest"] for s in steps if s["result"]["targetPerSecond"] in common and s.get("serverCpuMicrosecondsPerRequest")]
    cpu[name] = statistics.median(per) if per else float("nan")
    runs[name] = best
    print(f"| {name} | {best:.0f} | {cpu[name]:.1f} |")
off = (runs["off-1"] + runs["off-2"]) / 2
on = (runs["on-1"] + runs["on-2"]) / 2
off_cpu = (cpu["off-1"] + cpu["off-2"]) / 2
on_cpu = (cpu["on-1"] + cpu["on-2"]) / 2
print(f"\n- mean max: off {off:.0f}/s, on {on:.0f}/s: the metrics cost {1 - on / off:.1%} of the claim throughput")
if common:
    print(f"- server CPU per claim at the {len(common)} rate(s) every run held ({', '.join(str(int(r)) for r in sorted(common))}/s): off {off_cpu:.1f} µs, on {on_cpu:.1f} µs: {on_cpu / off_cpu - 1:+.1%}")
else:
    print("- no rate was held by every run: no CPU per claim to set side by side (start lower: FROM=500)")
PY
