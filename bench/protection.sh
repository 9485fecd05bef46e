#!/usr/bin/env bash
# What the abuse protections cost a claim, one command: the service twice on the embedded store,
# protections off and on, ramped alternately (off, on, off, on) with the same load tool and settings
# in one run. "On" is everything a claim goes through with nothing refused: a blocklist of 1,000
# entries to match, the address, user and campaign buckets (limits set far above the load, which
# comes from one address) and the three fraud signals counted on every claim.
#   bench/protection.sh            # about 6 minutes
#   QUICK=1 bench/protection.sh    # shorter steps, for a smoke test
#   STORE=redis bench/protection.sh  # the same on the Redis store (one redis-server, AOF always)
# Needs python3 and curl (and redis-server for STORE=redis).
set -euo pipefail
cd "$(dirname "$0")/.."
name=protection redis_port=6391
source bench/scripts/side-by-side.sh
big=1000000000
dotnet "$work/api/Coupons.Api.dll" --urls http://127.0.0.1:5301 --Coupons:Embedded:DataDir="$work/off" "${store_args[@]}" \
  --Coupons:Redis:KeyPrefix=off: --Coupons:Auth:SigningKey="$key" --Coupons:Protection:Enabled=false \
  --Logging:LogLevel:Default=Warning >"$work/off.log" 2>&1 &
off_pid=$!
dotnet "$work/api/Coupons.Api.dll" --urls http://127.0.0.1:5302 --Coupons:Embedded:DataDir="$work/on" "${store_args[@]}" \
  --Coupons:Redis:KeyPrefix=on: --Coupons:Auth:SigningKey="$key" \
  --Coupons:Protection:Ip:Limit=$big --Coupons:Protection:User:Limit=$big --Coupons:Protection:CampaignClaims:Limit=$big \
  --Logging:LogLevel:Default=Warning >"$work/on.log" 2>&1 &
on_pid=$!
wait_ready http://127.0.0.1:5301/health/ready
wait_ready http://127.0.0.1:5302/health/ready

echo "filling the blocklist with 1,000 entries" >&2
admin=$(python3 bench/scripts/tokens.py "$key" 1 admin)
python3 - "$admin" <<'PY'
import json, sys, urllib.request
admin = sys.argv[1]
def block(kind, value):
    body = json.dumps({"kind": kind, "value": value, "reason": "bench"}).encode()
    request = urllib.request.Request("http://127.0.0.1:5302/v1/blocklist", body, {"Authorization": "Bearer " + admin, "Content-Type": "application/json"})
    urllib.request.urlopen(request).read()
for i in range(400): block("user", f"blocked-user-{i}")
for i in range(200): block("ip", f"198.51.{i // 200}.{i % 200}")
for i in range(200): block("ip", f"10.{i}.0.0/16")
for i in range(200): block("device", f"blocked-device-{i}")
PY

bench off-1 http://127.0.0.1:5301 "$off_pid"
bench on-1 http://127.0.0.1:5302 "$on_pid"
bench off-2 http://127.0.0.1:5301 "$off_pid"
bench on-2 http://127.0.0.1:5302 "$on_pid"

python3 - "$out" "$store" <<'PY' | tee "$out/summary.md"
import json, os, sys
out, store = sys.argv[1], sys.argv[2]
def load(name):
    with open(os.path.join(out, name, "result.json")) as f:
        return json.load(f)
rows = {}
for name in ("off-1", "on-1", "off-2", "on-2"):
    steps = load(name)["steps"]
    best = max(s["result"]["achievedPerSecond"] for s in steps)
    held = [s["result"]["targetPerSecond"] for s in steps
            if s["result"]["achievedPerSecond"] >= 0.95 * s["result"]["targetPerSecond"] and s["result"]["dropped"] == 0 and s["result"]["all"]["p99Ms"] <= 5]
    errors = sum(s["result"]["errors"] for s in steps)
    rows[name] = (best, max(held) if held else 0, errors)
print(f"### Claims on the {store} store, protections off and on (same run, alternating)\n")
print("| run | max claims/s | held with p99 ≤ 5 ms | errors |")
print("|---|---:|---:|---:|")
for name, (best, held, errors) in rows.items():
    print(f"| {name} | {best:.0f} | {held:.0f} | {errors} |")
off = (rows["off-1"][0] + rows["off-2"][0]) / 2
on = (rows["on-1"][0] + rows["on-2"][0]) / 2
print(f"\n- mean max: off {off:.0f}/s, on {on:.0f}/s: the protections cost {1 - on / off:.1%} of the claim throughput")
PY
