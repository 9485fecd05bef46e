# bench/chaos.sh's faults on the whole scale-out deployment (deploy/local-cluster.sh: a 3-master
# Redis Cluster with AOF fsync'd on every write, two PostgreSQL shards, API nodes with their
# persisters, nginx), one cluster for every scenario in turn, each on a campaign of its own.
# Sourced by bench/chaos.sh with: scenarios (names), out, work, port (PORT_BASE), connections, key.
#
# Per scenario: wrk claims through nginx (users cycled, an Idempotency-Key each, every answer
# counted by status) for DURATION seconds; the fault from FAULT_AT seconds; after it, claims probed
# until one succeeds (the recovery time). Then the deployment made whole again, and checked:
#   - no acknowledged claim lost: the campaign's issued count ≥ the 201s wrk saw (a claim that
#     timed out may have run too: more, never fewer);
#   - no oversell: issued ≤ the stock (set below what the run asks for, so that it sells out and
#     issued = stock exactly once a 409 sold_out was seen);
#   - Redis and PostgreSQL agree: `reconcile <campaign>` exits 0 (retried while the persisters
#     catch up, up to RECONCILE_SECONDS);
#   - the error window: answers other than 201 and 409 sold_out, wrk's slowest request, and the
#     time from the repair to the first claim that succeeds.
# Scenarios:
#   cluster-redis-stop  one Redis master hung (SIGSTOP) for STOP_SECONDS, then SIGCONT
#   master-kill         one Redis master killed (SIGKILL), started again from its AOF after STOP_SECONDS
#   pg-stop             PostgreSQL stopped for PG_STOP_SECONDS (claims go on; the persisters wait)
#   persister-kill      API node 0 (its persister with it) killed and started again at once
#   api-kill            API node 0 killed and left dead: nginx sends everything to node 1, whose
#                       persister takes over node 0's unstored events after TAKE_OVER_AFTER
chmod 755 "$work" # PostgreSQL runs as its own user under it
cluster_state=$work/cluster
cluster_base=$((port + 10))
cluster_url=http://127.0.0.1:$cluster_base
duration=${DURATION:-20}; fault_at=${FAULT_AT:-3}; stop_seconds=${STOP_SECONDS:-5}; pg_stop_seconds=${PG_STOP_SECONDS:-20}
reconcile_seconds=${RECONCILE_SECONDS:-120}
redis_ports=($((cluster_base + 11)) $((cluster_base + 12)) $((cluster_base + 13))); pg_port=$((cluster_base + 20))
pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
as_pg() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
cluster() { STATE=$cluster_state BASE_PORT=$cluster_base SIGNING_KEY=$key TAKE_OVER_AFTER=${TAKE_OVER_AFTER:-00:00:05} \
  API_ARGS="--Coupons:Protection:Enabled=false ${API_ARGS:-}" bash deploy/local-cluster.sh "$@"; }
cluster_cleanup() {
  cp "$cluster_state"/api-*.log "$out/" 2>/dev/null || true # the nodes' logs, kept with the results
  for p in "${redis_ports[@]}"; do kill -CONT "$(cat "$cluster_state/redis/$p/redis.pid" 2>/dev/null)" 2>/dev/null || true; done
  [ -d "$cluster_state/pg/data" ] && as_pg "$pg_bin/pg_ctl" -D "$cluster_state/pg/data" -w -l "$cluster_state/pg/log" \
    -o "-p $pg_port -c listen_addresses=127.0.0.1 -c unix_socket_directories=$cluster_state/pg" start >/dev/null 2>&1 || true
  cluster stop >/dev/null 2>&1 || true
}
trap 'cluster_cleanup; cleanup' EXIT

echo "== starting the local cluster" >&2
cluster start >"$out/cluster-start.log" 2>&1 || { cat "$out/cluster-start.log" >&2; exit 1; }
api_dll=$cluster_state/api/Coupons.Api.dll
store_settings=(--Coupons:Store=redis --Coupons:Redis:Configuration="$(IFS=,; echo "${redis_ports[*]/#/127.0.0.1:}")"
  --Coupons:Postgres:Shards:0="Host=127.0.0.1;Port=$pg_port;Username=postgres;Database=shard0"
  --Coupons:Postgres:Shards:1="Host=127.0.0.1;Port=$pg_port;Username=postgres;Database=shard1")
admin=$(python3 bench/scripts/tokens.py "$key" 1 admin)
python3 bench/scripts/tokens.py "$key" 5000 >"$work/tokens"
node_pid() { cat "$cluster_state/api-$((cluster_base + 1 + $1)).pid"; }
redis_pid() { cat "$cluster_state/redis/${redis_ports[$1]}/redis.pid"; }
# The master that holds the campaign's first stock bucket's slot... any master serves some of every
# campaign's keys (coupons spread over all slots), so the first one will do.
victim=0

fault() { # scenario: what to break now
  case $1 in
    cluster-redis-stop) kill -STOP "$(redis_pid $victim)" ;;
    master-kill) kill -9 "$(redis_pid $victim)" ;;
    pg-stop) as_pg "$pg_bin/pg_ctl" -D "$cluster_state/pg/data" -m fast -w stop >/dev/null ;;
    persister-kill|api-kill) kill -9 "$(node_pid 0)" ;;
  esac
}
repair() { # scenario: what makes it whole again, after the fault's time (api-kill: nothing until the end)
  case $1 in
    cluster-redis-stop) sleep "$stop_seconds"; kill -CONT "$(redis_pid $victim)" ;;
    master-kill) sleep "$stop_seconds"; cluster start-redis $victim >/dev/null ;;
    pg-stop) sleep "$pg_stop_seconds"; as_pg "$pg_bin/pg_ctl" -D "$cluster_state/pg/data" -w -l "$cluster_state/pg/log" \
      -o "-p $pg_port -c listen_addresses=127.0.0.1 -c unix_socket_directories=$cluster_state/pg" start >/dev/null ;;
    persister-kill) cluster start-node 0 >/dev/null ;;
    api-kill) ;;
  esac
}

run_scenario() {
  local scenario=$1 stock campaign
  echo "== $scenario" >&2
  # Below what wrk asks for in the run at the rate this machine serves through nginx (a few
  # thousand a second): it sells out in the run's second half.
  stock=${STOCK:-$((duration * 1500))}
  campaign=$(curl -sf -X POST "$cluster_url/v1/campaigns" -H "Authorization: Bearer $admin" -H 'Content-Type: application/json' \
    -d "{\"name\":\"chaos $scenario\",\"discount\":{\"type\":\"amount_off\",\"amountOff\":500},\"totalStock\":$stock,\"perUserLimit\":1000,\"validity\":{\"days\":30}}" |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
  TOKENS="$work/tokens" METHOD=POST TARGET=/v1/campaigns/$campaign/claim BODY='{}' KEYS=each RUN="$scenario" THREADS=2 STATUSES=1 \
    wrk -t2 -c"$connections" -d"${duration}s" --latency -s bench/scripts/wrk.lua "$cluster_url" >"$out/$scenario-wrk.txt" 2>&1 &
  local wrk_pid=$!
  sleep "$fault_at"
  fault "$scenario"
  repair "$scenario"
  # Recovered: 20 users in a row (their keys in different slots) each answered 201, or 409
  # sold_out (an answer from a working store too).
  local recovered
  recovered=$(python3 bench/scripts/probe.py "$cluster_url" "$campaign" "$work/tokens" 20)
  wait $wrk_pid
  [ "$scenario" = api-kill ] && cluster start-node 0 >/dev/null # whole again for the next scenario
  local reconciled="" started=$SECONDS
  while [ $((SECONDS - started)) -lt "$reconcile_seconds" ]; do
    if dotnet "$api_dll" reconcile "$campaign" "${store_settings[@]}" >"$out/$scenario-reconcile.txt" 2>&1; then reconciled=$((SECONDS - started)); break; fi
    sleep 2
  done
  local stats
  stats=$(curl -sf "$cluster_url/v1/campaigns/$campaign/stats" -H "Authorization: Bearer $admin")
  python3 - "$scenario" "$stock" "$stats" "$out/$scenario-wrk.txt" "${recovered:-}" "${reconciled:-}" <<'PY' | tee -a "$out/summary.txt"
import json, re, sys
scenario, stock, stats, wrk, recovered, reconciled = sys.argv[1], int(sys.argv[2]), json.loads(sys.argv[3]), open(sys.argv[4]).read(), sys.argv[5], sys.argv[6]
statuses = {int(s): int(n) for s, n in re.findall(r"status (\d+): (\d+)", wrk)}
socket = re.search(r"socket errors: (\d+)", wrk)
latency_max = re.search(r"Latency\s+\S+\s+\S+\s+(\S+)", wrk)
acked, issued = statuses.get(201, 0), stats["issued"]
sold_out = statuses.get(409, 0)
failed = sum(n for s, n in statuses.items() if s not in (201, 409))
problems = []
if issued < acked: problems.append(f"acknowledged claims lost: {acked} answered 201, {issued} issued")
if issued > stock: problems.append(f"oversold: {issued} issued of {stock}")
if sold_out and issued != stock: problems.append(f"sold out with {issued} of {stock} issued")
if not reconciled: problems.append("reconcile did not agree")
if not recovered: problems.append("claims did not come back within 30 s of the repair")
print(f"{scenario}: 201 {acked}, 409 {sold_out}, failed {failed} ({', '.join(f'{s}: {n}' for s, n in sorted(statuses.items()) if s not in (201, 409)) or 'none'}; "
      f"socket errors {socket.group(1) if socket else '?'}), slowest {latency_max.group(1) if latency_max else '?'}; issued {issued} of {stock}; "
      f"20 claims in a row served {recovered or '–'} ms after the repair; reconcile agreed after {reconciled or '–'} s: "
      + ("OK" if not problems else "FAILED: " + "; ".join(problems)))
PY
}

read -r -a scenario_list <<<"$scenarios"
for scenario in "${scenario_list[@]}"; do run_scenario "$scenario"; done
! grep -q FAILED "$out/summary.txt"
