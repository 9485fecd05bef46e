#!/usr/bin/env bash
# Side by side with wrk (issue 18): a bare Kestrel endpoint, an authenticated GET, claims by id and
# claims by code, every one sent by the same Lua script (bench/scripts/wrk.lua: a bearer token, the
# same JSON body on every POST, the same headers), so the load generator costs the same on every side
# and only the servers differ. Rounds interleave the targets (the first rotates) so whatever else the
# machine does falls on all alike. Prints each run, then per target the median requests/s, its ratio
# to the baseline's, p99 and the server's CPU per request (µs, from /proc; Redis and PostgreSQL too).
#   bench/wrk.sh                                    # embedded, 5,000 users cycled, protections off
#   USERS=crowd bench/wrk.sh                        # a flash crowd: every claim by a user never seen
#   USERS=crowd PROTECTIONS=on bench/wrk.sh         # limits and signals on, each user behind its own address
#   STORE=redis bench/wrk.sh   STORE=redis-pg bench/wrk.sh   # one redis-server (AOF always); + persister to 2 PostgreSQL shards
#   TARGETS="claim code" ROUNDS=6 bench/wrk.sh      # claims by id against claims by code (issue 14's bar)
#   TARGETS="claim nometrics" ROUNDS=10 bench/wrk.sh # what the metrics cost a claim (issue 16's bar): claims on a
#                                                   # second service with Coupons:Metrics:Enabled=false, same store kind
# Settings: PORT_BASE (5300: the baseline, the service +1, Redis +2, PostgreSQL +3, the service without metrics +4), ROUNDS (3), DURATION seconds per run (10), CONNECTIONS (64), CROWD_USERS (tokens per crowd
# run, 250,000), KEYS (each | none | code: an Idempotency-Key on every request, on none, or on claims
# by code only, the others sending a header of the same length the service ignores; default each
# with cycled users, so that a claim by code is a new claim, none with a crowd). Needs wrk and python3; the Redis
# stores redis-server, PostgreSQL's binaries too. Results in bench/results/wrk-<time>/.
set -euo pipefail
cd "$(dirname "$0")/.."
store=${STORE:-embedded}; users=${USERS:-cycled}; protections=${PROTECTIONS:-off}
targets=${TARGETS:-baseline get claim code}
rounds=${ROUNDS:-3}; duration=${DURATION:-10}; connections=${CONNECTIONS:-64}; threads=2
crowd=${CROWD_USERS:-250000}
if [ "$users" = crowd ]; then keys=${KEYS:-none}; else keys=${KEYS:-each}; fi
key="bench-signing-key-0123456789abcdef0123456789abcdef"
out=${OUT:-bench/results/wrk-$(date -u +%Y%m%d-%H%M%S)}
work=$(mktemp -d)
port=${PORT_BASE:-5300} # the baseline; the service +1, Redis +2, PostgreSQL +3
redis_port=$((port + 2)); pg_port=$((port + 3)); base_url=http://127.0.0.1:$port; api_url=http://127.0.0.1:$((port + 1))
pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)
as_pg() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
cleanup() {
  kill $(jobs -p) 2>/dev/null || true
  [ "$store" != embedded ] && redis-cli -p $redis_port shutdown nosave >/dev/null 2>&1
  [ "$store" = redis-pg ] && as_pg "$pg_bin/pg_ctl" -D "$work/pg" -m immediate stop >/dev/null 2>&1
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
mkdir -p "$out"
command -v wrk >/dev/null || { echo "wrk not found: apt-get install wrk" >&2; exit 1; }

echo "building (Release)" >&2
dotnet build -c Release src/Coupons.Api -o "$work/api" -v q --nologo >/dev/null
dotnet build -c Release bench/Coupons.Baseline -o "$work/baseline" -v q --nologo >/dev/null

store_args=()
if [ "$store" != embedded ]; then
  mkdir -p "$work/redis"
  redis-server --port $redis_port --bind 127.0.0.1 --dir "$work/redis" --save "" --appendonly yes --appendfsync always \
    --auto-aof-rewrite-percentage 0 --daemonize yes --logfile "$work/redis.log"
  store_args=(--Coupons:Store=redis --Coupons:Redis:Configuration=127.0.0.1:$redis_port)
fi
if [ "$store" = redis-pg ]; then
  mkdir -p "$work/pg"; [ "$(id -u)" -eq 0 ] && chown postgres:postgres "$work" "$work/pg"
  as_pg "$pg_bin/initdb" -D "$work/pg" -U postgres --auth=trust -E UTF8 --no-instructions >/dev/null
  as_pg "$pg_bin/pg_ctl" -D "$work/pg" -w -l "$work/pg/log" -o "-p $pg_port -c listen_addresses=127.0.0.1 -c unix_socket_directories=$work/pg" start >/dev/null
  for db in shard0 shard1; do as_pg "$pg_bin/createdb" -h 127.0.0.1 -p $pg_port -U postgres $db; done
  store_args+=(--Coupons:Postgres:Shards:0="Host=127.0.0.1;Port=$pg_port;Username=postgres;Database=shard0"
    --Coupons:Postgres:Shards:1="Host=127.0.0.1;Port=$pg_port;Username=postgres;Database=shard1")
fi
protection_args=(--Coupons:Protection:Enabled=false)
address=none
if [ "$protections" = on ]; then protection_args=(--Coupons:Protection:TrustedProxies:0=127.0.0.1); address=user; fi

export DOTNET_gcServer=${DOTNET_gcServer:-1}
dotnet "$work/baseline/Coupons.Baseline.dll" --urls $base_url >"$work/baseline.log" 2>&1 &
baseline_pid=$!
start_api() { # url, data dir and key prefix, more settings...
  local url=$1 name=$2; shift 2
  dotnet "$work/api/Coupons.Api.dll" --urls "$url" "${store_args[@]}" --Coupons:Embedded:DataDir="$work/$name" \
    --Coupons:Redis:KeyPrefix="$name:" "${protection_args[@]}" \
    --Coupons:Auth:SigningKey="$key" --Logging:LogLevel:Default=Warning "$@" >"$work/$name.log" 2>&1 &
}
start_api $api_url data; api_pid=$!
quiet_url=http://127.0.0.1:$((port + 4)) quiet_pid=
if [[ " $targets " == *" nometrics "* ]]; then
  # NOMETRICS_ARGS="--Coupons:Metrics:Enabled=true" makes the pair alike: an A/A run, to see what
  # two processes differ by with nothing changed between them.
  start_api $quiet_url quiet ${NOMETRICS_ARGS:---Coupons:Metrics:Enabled=false}; quiet_pid=$!
  # Prometheus's part: the service with metrics is scraped every 5 s while it runs.
  (while true; do curl -s -o /dev/null $api_url/metrics; sleep 5; done) &
fi
wait_ready() { for _ in $(seq 1 600); do curl -sf "$1" >/dev/null 2>&1 && return 0; sleep 0.1; done; echo "$1 did not answer" >&2; return 1; }
wait_ready $base_url/constant
wait_ready $api_url/health/ready
[ -z "$quiet_pid" ] || wait_ready $quiet_url/health/ready

admin=$(python3 bench/scripts/tokens.py "$key" 1 admin)
code="BENCH-WRK-$RANDOM"
create_campaign() { # service url
  curl -sf -X POST "$1/v1/campaigns" -H "Authorization: Bearer $admin" -H 'Content-Type: application/json' \
    -d "{\"name\":\"wrk\",\"code\":\"$code\",\"discount\":{\"type\":\"amount_off\",\"amountOff\":500},\"totalStock\":1000000000,\"perUserLimit\":1000,\"validity\":{\"days\":30}}" |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])'
}
campaign=$(create_campaign $api_url)
[ -z "$quiet_pid" ] || quiet_campaign=$(create_campaign $quiet_url)
body="{\"code\":\"$code\"}"
python3 bench/scripts/tokens.py "$key" 5000 >"$work/cycled"
next_user=5000 # a crowd's users come after the cycled ones, each run's new

cpu_ticks() { # utime + stime of the given processes, in clock ticks
  local total=0 pid
  for pid in "$@"; do [ -r "/proc/$pid/stat" ] && total=$((total + $(awk '{print $14 + $15}' "/proc/$pid/stat"))); done
  echo $total
}
pg_pids() { if [ "$store" = redis-pg ]; then pgrep -u postgres -d ' ' postgres || true; fi; }
redis_pid() { if [ "$store" != embedded ]; then pgrep -f "redis-server 127.0.0.1:$redis_port" || true; fi; }
hz=$(getconf CLK_TCK)

run() { # target, round
  local target=$1 round=$2 url=$api_url method=POST path tokens="$work/cycled" pid=$api_pid
  case $target in
    baseline) url=$base_url; path=/v1/campaigns/$campaign/claim; pid=$baseline_pid ;;
    get) method=GET; path=/v1/campaigns/$campaign ;;
    claim) path=/v1/campaigns/$campaign/claim ;;
    code) path=/v1/codes/claim ;;
    nometrics) url=$quiet_url; path=/v1/campaigns/$quiet_campaign/claim; pid=$quiet_pid ;;
    *) echo "unknown target $target" >&2; exit 2 ;;
  esac
  if [ "$users" = crowd ] && [ "$target" != baseline ]; then
    tokens="$work/crowd"
    python3 bench/scripts/tokens.py "$key" "$crowd" - "$next_user" >"$tokens"
    next_user=$((next_user + crowd))
  fi
  local key_mode=$keys key_header=Idempotency-Key
  if [ "$keys" = code ]; then key_mode=each; [ "$target" = code ] || key_header=X-Request-Id-00; fi
  local rpid; rpid=$(redis_pid); local pgp; pgp=$(pg_pids)
  local before_api before_redis before_pg
  before_api=$(cpu_ticks "$pid"); before_redis=$(cpu_ticks $rpid); before_pg=$(cpu_ticks $pgp)
  TOKENS="$tokens" METHOD=$method TARGET=$path BODY="$body" KEYS=$key_mode KEY_HEADER=$key_header ADDRESS=$address RUN="$round$target" THREADS=$threads \
    wrk -t$threads -c"$connections" -d"${duration}s" --latency -s bench/scripts/wrk.lua "$url" >"$out/$target-$round.txt" 2>&1
  local api redis pg requests rps p99 non2xx
  api=$(( $(cpu_ticks "$pid") - before_api )); redis=$(( $(cpu_ticks $rpid) - before_redis )); pg=$(( $(cpu_ticks $pgp) - before_pg ))
  requests=$(awk '/requests in/ {print $1}' "$out/$target-$round.txt")
  rps=$(awk '/Requests\/sec/ {print $2}' "$out/$target-$round.txt")
  p99=$(awk '$1 == "99%" {print $2}' "$out/$target-$round.txt")
  non2xx=$(awk '/^non-2xx/ {print $2}' "$out/$target-$round.txt")
  if [ "$users" = crowd ] && [ "$target" != baseline ] && [ "$requests" -gt "$crowd" ]; then
    echo "warning: $target round $round sent $requests requests for $crowd users: some users came twice (raise CROWD_USERS)" >&2
  fi
  python3 -c "
r=$requests; t=1e6/$hz
print('$target $round $rps $p99 ${non2xx:-0} %.1f %.1f %.1f' % ($api*t/r, $redis*t/r, $pg*t/r))" | tee -a "$out/runs.txt"
}

echo "store=$store users=$users protections=$protections keys=$keys rounds=$rounds duration=${duration}s connections=$connections" | tee "$out/settings.txt"
echo "target round requests/s p99 non-2xx api-µs/req redis-µs/req pg-µs/req" | tee "$out/runs.txt"
read -r -a list <<<"$targets"
for target in "${list[@]}"; do run "$target" warmup >/dev/null; done # JIT, caches, first files: not counted
sed -i '/ warmup /d' "$out/runs.txt"
for round in $(seq 1 "$rounds"); do
  n=${#list[@]}
  for i in $(seq 0 $((n - 1))); do run "${list[$(( (i + round - 1) % n ))]}" "$round"; done
done

python3 - "$out/runs.txt" "$targets" <<'PY' | tee "$out/summary.md"
import statistics, sys
rows = [line.split() for line in open(sys.argv[1]).read().splitlines()[1:]]
targets = sys.argv[2].split()
def col(t, i): return [float(r[i]) for r in rows if r[0] == t]
base = {r[1]: float(r[2]) for r in rows if r[0] == "baseline"}
print("| target | requests/s (median; each round) | ÷ baseline (median of rounds) | p99 | non-2xx | server CPU µs/req (API / Redis / PostgreSQL, median) |")
print("|---|---|---:|---|---:|---|")
for t in targets:
    rps = col(t, 2)
    ratios = [float(r[2]) / base[r[1]] for r in rows if r[0] == t and r[1] in base]
    ratio = f"{statistics.median(ratios):.0%}" if ratios else "–"
    p99 = ", ".join(r[3] for r in rows if r[0] == t)
    non = sum(int(r[4]) for r in rows if r[0] == t)
    cpu = " / ".join(f"{statistics.median(col(t, i)):.1f}" for i in (5, 6, 7))
    print(f"| {t} | {statistics.median(rps):,.0f} ({', '.join(f'{x:,.0f}' for x in rps)}) | {ratio} | {p99} | {non} | {cpu} |")
pairs = [(a, b) for a, b in (("code", "claim"), ("claim", "nometrics")) if a in targets and b in targets]
for a, b in pairs:
    ratios = [float(x[2]) / float(y[2]) for x in rows for y in rows if x[0] == a and y[0] == b and x[1] == y[1]]
    print(f"\n{a} ÷ {b}: median {statistics.median(ratios):.1%}, each round " + ", ".join(f"{r:.1%}" for r in ratios))
    cpu = [float(x[5]) / float(y[5]) for x in rows for y in rows if x[0] == a and y[0] == b and x[1] == y[1]]
    print(f"{a} ÷ {b}, API CPU µs per request: median {statistics.median(cpu):.1%}, each round " + ", ".join(f"{r:.1%}" for r in cpu))
PY
echo "results in $out" >&2
