#!/usr/bin/env bash
# Issue 17's bar: a spike at FACTOR (10) times the node's measured capacity for SPIKE_SECONDS (20),
# open model. Every answer must be 2xx, 409 or 503 overloaded; the p99 of admitted claims under
# 50 ms; the node back to full rate within 2 s after the spike.
#
# A node using both cores cannot be offered 10× its capacity by a load tool on the same 2 cores, so
# the node runs confined to QUOTA of a core by a cgroup v1 cpu controller (cpu.cfs_quota_us over a
# short cpu.cfs_period_us, so a throttled node stalls for at most PERIOD_US), and the tool runs
# outside it. Steps:
#   1. builds the service and the load tool; starts the node in the cgroup (embedded store, fresh
#      data dir, protections off);
#   2. measures its capacity closed-loop with wrk (CAP_CONNECTIONS connections, claims by id, 5,000
#      users cycled, CAP_SECONDS after a warm-up run): the rate it answers when it always has work;
#   3. restarts it (fresh data dir) with Coupons:Admission:MaxInFlight = capacity × BUDGET_MS (Little's
#      law: what is in flight waits about that long), unless MAX_IN_FLIGHT is given;
#   4. runs the tool's `spike`: claims by id at BEFORE_FRACTION (0.5) of the capacity for WARMUP +
#      BEFORE_SECONDS, FACTOR × capacity for SPIKE_SECONDS, then the before rate for AFTER_SECONDS,
#      over CONNECTIONS connections (more than MaxInFlight, or the tool would queue the spike itself).
# Prints the tool's report (per phase: answers, admitted p99, arrivals the tool sent late; the seconds
# after the spike; each bar met or missed) and the cgroup's throttling. Exit: the tool's (0 every bar
# met, 1 a bar missed), 2 if the cgroup cannot be made (needs root and a writable cgroup v1 cpu).
#   bench/spike.sh                  # about 90 s: the figures of README's "Load shedding"
#   QUICK=1 bench/spike.sh          # a smoke run (~30 s): short phases, the timing bars advisory
# Settings: QUOTA (0.25 of a core), PERIOD_US (10000), FACTOR (10), BEFORE_FRACTION (0.5), SPIKE_SECONDS
# (20), BEFORE_SECONDS (10), AFTER_SECONDS (10), WARMUP (5), BUDGET_MS (25), MAX_IN_FLIGHT, CONNECTIONS
# (2000), CAP_CONNECTIONS (32), CAP_SECONDS (10), USERS (10000), PORT_BASE (5450), OUT. Needs wrk, curl,
# python3. Results in bench/results/spike-<time>/ (summary.md, result.json, timeline.csv, chart.svg).
set -euo pipefail
cd "$(dirname "$0")/.."
quick=${QUICK:-0}
if [ "$quick" = 1 ]; then
  d_spike=3 d_before=2 d_after=3 d_warmup=2 d_cap=3
else
  d_spike=20 d_before=10 d_after=10 d_warmup=5 d_cap=10
fi
quota=${QUOTA:-0.25}; period=${PERIOD_US:-10000}; factor=${FACTOR:-10}; fraction=${BEFORE_FRACTION:-0.5}
spike_seconds=${SPIKE_SECONDS:-$d_spike}; before=${BEFORE_SECONDS:-$d_before}; after=${AFTER_SECONDS:-$d_after}
warmup=${WARMUP:-$d_warmup}; budget=${BUDGET_MS:-25}; connections=${CONNECTIONS:-2000}
cap_connections=${CAP_CONNECTIONS:-32}; cap_seconds=${CAP_SECONDS:-$d_cap}; users=${USERS:-10000}
port=${PORT_BASE:-5450}; url=http://127.0.0.1:$port
key="coupons-bench-signing-key-0123456789abcdef" # the load tool's default
out=${OUT:-bench/results/spike-$(date -u +%Y%m%d-%H%M%S)}
cg=/sys/fs/cgroup/cpu/coupons-spike-$$
work=$(mktemp -d)
node_pid=
stop_node() {
  if [ -n "$node_pid" ]; then kill "$node_pid" 2>/dev/null || true; wait "$node_pid" 2>/dev/null || true; node_pid=; fi
}
cleanup() {
  stop_node
  [ -d "$cg" ] && rmdir "$cg" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

if ! mkdir "$cg" 2>/dev/null || ! echo "$period" >"$cg/cpu.cfs_period_us" 2>/dev/null; then
  echo "bench/spike.sh: cannot make the cgroup $cg (needs root and a writable cgroup v1 cpu controller at /sys/fs/cgroup/cpu);" \
    "without it the node cannot be confined to a fraction of a core and offered ${factor}× its capacity" >&2
  exit 2
fi
quota_us=$(python3 -c "print(max(1000, round($quota * $period)))")
echo "$quota_us" >"$cg/cpu.cfs_quota_us"
for tool in wrk curl python3; do command -v $tool >/dev/null || { echo "$tool not found" >&2; exit 1; }; done
mkdir -p "$out"

echo "building (Release)" >&2
dotnet build -c Release src/Coupons.Api -o "$work/api" -v q --nologo >/dev/null
dotnet build -c Release tools/Coupons.Bench -o "$work/bench" -v q --nologo >/dev/null

start_node() { # data dir name, more settings...
  local name=$1; shift
  # The shell puts itself in the cgroup, then becomes the node: every thread the runtime makes is
  # in it, and the runtime sizes itself for the quota (one processor) as in a container.
  bash -c 'echo $$ >"$0/cgroup.procs" && exec "$@"' "$cg" dotnet "$work/api/Coupons.Api.dll" --urls "$url" \
    --Coupons:Embedded:DataDir="$work/$name" --Coupons:Protection:Enabled=false --Coupons:Auth:SigningKey="$key" \
    --Logging:LogLevel:Default=Warning "$@" >"$work/$name.log" 2>&1 &
  node_pid=$!
  for _ in $(seq 1 1200); do
    curl -sf "$url/health/ready" >/dev/null 2>&1 && return 0
    kill -0 "$node_pid" 2>/dev/null || { cat "$work/$name.log" >&2; echo "the node exited" >&2; exit 1; }
    sleep 0.1
  done
  echo "the node did not become ready" >&2; exit 1
}

echo "node confined to $quota of a core (cfs_quota_us $quota_us per cfs_period_us $period)" | tee "$out/settings.txt"
start_node capacity
admin=$(python3 bench/scripts/tokens.py "$key" 1 admin)
campaign=$(curl -sf -X POST "$url/v1/campaigns" -H "Authorization: Bearer $admin" -H 'Content-Type: application/json' \
  -d '{"name":"capacity","discount":{"type":"amount_off","amountOff":500},"totalStock":1000000000,"perUserLimit":1000,"validity":{"days":30}}' |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
python3 bench/scripts/tokens.py "$key" 5000 >"$work/users"
wrk_claims() { # seconds, run name
  TOKENS="$work/users" METHOD=POST TARGET="/v1/campaigns/$campaign/claim" KEYS=none RUN="$2" THREADS=1 \
    wrk -t1 -c"$cap_connections" -d"$1s" --latency -s bench/scripts/wrk.lua "$url"
}
wrk_claims 2 warm >/dev/null
wrk_claims "$cap_seconds" capacity >"$out/capacity.txt"
capacity=$(awk '/Requests\/sec/ {printf "%d", $2}' "$out/capacity.txt")
non2xx=$(awk '/^non-2xx/ {print $2}' "$out/capacity.txt")
if [ "${non2xx:-0}" != 0 ] || [ "${capacity:-0}" -lt 10 ]; then
  cat "$out/capacity.txt" >&2; echo "the capacity run failed: ${non2xx:-0} non-2xx answers, ${capacity:-0} claims/s" >&2; exit 1
fi
max_in_flight=${MAX_IN_FLIGHT:-$(python3 -c "import math; print(max(2, math.ceil($capacity * $budget / 1000)))")}
echo "capacity (wrk closed loop, $cap_connections connections, ${cap_seconds}s): $capacity claims/s; MaxInFlight $max_in_flight (${budget} ms at capacity)" | tee -a "$out/settings.txt"
stop_node

start_node spike --Coupons:Admission:MaxInFlight="$max_in_flight"
throttled_before=$(awk '/^nr_throttled|^throttled_time/ {print $2}' "$cg/cpu.stat" | paste -sd' ')
advisory=()
[ "$quick" = 1 ] && advisory=(--advisory-timing)
status=0
dotnet "$work/bench/Coupons.Bench.dll" spike --url "$url" --server-pid "$node_pid" --capacity "$capacity" --factor "$factor" \
  --before-fraction "$fraction" --before "$before" --spike-duration "$spike_seconds" --after "$after" --warmup "$warmup" \
  --connections "$connections" --users "$users" --max-in-flight "$max_in_flight" --out "$out" "${advisory[@]}" || status=$?
read -r periods_before throttled_ns_before <<<"$throttled_before"
read -r periods_after throttled_ns_after <<<"$(awk '/^nr_throttled|^throttled_time/ {print $2}' "$cg/cpu.stat" | paste -sd' ')"
echo "cgroup during the spike run: throttled $((periods_after - periods_before)) periods, $(((throttled_ns_after - throttled_ns_before) / 1000000)) ms in all" | tee -a "$out/settings.txt"
echo "results in $out" >&2
exit $status
