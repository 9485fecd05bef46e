#!/usr/bin/env bash
# A whole scale-out deployment on this machine, on loopback: a 3-master Redis Cluster (AOF, fsync on
# every write), PostgreSQL with two shard databases, two API nodes on the Redis store (each with its
# persister), and nginx in front of both nodes.
#   deploy/local-cluster.sh start     # builds Release, starts everything, prints the URL
#   deploy/local-cluster.sh status    # what is running
#   deploy/local-cluster.sh stop      # stops everything and deletes the state folder
#   deploy/local-cluster.sh start-node I    # API node I (0-based) started again (after a kill), same settings
#   deploy/local-cluster.sh start-redis I   # Redis node I (0-based) started again from its AOF and nodes.conf
# Environment: STATE (folder, default /tmp/coupons-local-cluster), BASE_PORT (default 7100):
#   nginx BASE_PORT, API nodes BASE_PORT+1 and +2, Redis BASE_PORT+11..+13 (cluster bus +10000),
#   PostgreSQL BASE_PORT+20. SIGNING_KEY (at least 32 bytes; a fixed development key by default).
#   CODE_ENCRYPTION_KEY, CODE_LOOKUP_KEY (base64 of 32 bytes; fixed development keys by default):
#   both nodes must share them, so they are given here rather than created per node.
#   TAKE_OVER_AFTER: how long a dead node's unstored events wait for the other's persister (00:00:30).
#   API_NODES: how many API nodes (2; each BASE_PORT+1.., all behind nginx).
#   API_ARGS: more settings for both API nodes, e.g. "--Coupons:Protection:Ip:Limit=0" to load-test
#   from this one address (the nodes trust nginx's X-Forwarded-For, so the client address counts).
# Needs redis-server, redis-cli, PostgreSQL's binaries and nginx (Debian: redis-server postgresql nginx).
set -euo pipefail
cd "$(dirname "$0")/.."
state=${STATE:-/tmp/coupons-local-cluster}
base=${BASE_PORT:-7100}
key=${SIGNING_KEY:-local-cluster-signing-key-0123456789abcdef}
code_key=${CODE_ENCRYPTION_KEY:-bG9jYWwtY2x1c3Rlci1jb2RlLWVuY3J5cHRpb24tazA=}
lookup_key=${CODE_LOOKUP_KEY:-bG9jYWwtY2x1c3Rlci1jb2RlLWxvb2t1cC1rZXktazA=}
take_over=${TAKE_OVER_AFTER:-00:00:30}
api_nodes=${API_NODES:-2}
nginx_port=$base; api_ports=($(seq $((base + 1)) $((base + api_nodes)))); redis_ports=($((base + 11)) $((base + 12)) $((base + 13))); pg_port=$((base + 20))
pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
as_pg() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
shard() { echo "Host=127.0.0.1;Port=$pg_port;Username=postgres;Database=$1"; }
redis_config() { local IFS=,; echo "${redis_ports[*]/#/127.0.0.1:}"; }

wait_for() { # what, command...
  local what=$1; shift
  for _ in $(seq 1 300); do "$@" >/dev/null 2>&1 && return 0; sleep 0.1; done
  echo "timed out waiting for $what" >&2; return 1
}

# Redis Cluster node i (0-based), from its own folder: its AOF and nodes.conf, so a node started
# again after a kill rejoins with what it had acknowledged.
start_redis() {
  local port=${redis_ports[$1]}
  mkdir -p "$state/redis/$port"
  redis-server --port "$port" --bind 127.0.0.1 --dir "$state/redis/$port" --cluster-enabled yes \
    --cluster-config-file nodes.conf --appendonly yes --appendfsync always --save "" \
    --daemonize yes --pidfile "$state/redis/$port/redis.pid" --logfile "$state/redis/$port/redis.log"
  wait_for "redis $port" redis-cli -p "$port" PING
}

# API node i (0-based) with its persister (consumer node-i); waits until ready unless told "nowait".
start_node() {
  local i=$1 port=${api_ports[$1]}
  nohup dotnet "$state/api/Coupons.Api.dll" --urls "http://127.0.0.1:$port" --Coupons:Store=redis \
    --Coupons:Redis:Configuration="$(redis_config)" \
    --Coupons:Postgres:Shards:0="$(shard shard0)" --Coupons:Postgres:Shards:1="$(shard shard1)" \
    --Coupons:Postgres:Persister:Consumer="node-$i" --Coupons:Postgres:Persister:TakeOverAfter="$take_over" \
    --Coupons:Protection:TrustedProxies:0=127.0.0.1 \
    --Coupons:Auth:SigningKey="$key" --Coupons:Codes:EncryptionKey="$code_key" --Coupons:Codes:LookupKey="$lookup_key" \
    --Logging:LogLevel:Default=Warning ${API_ARGS:-} >>"$state/api-$port.log" 2>&1 &
  echo $! >"$state/api-$port.pid"
  [ "${2:-}" = nowait ] || wait_for "API node $port" curl -sf "http://127.0.0.1:$port/health/ready"
}

start() {
  if [ -e "$state" ]; then echo "$state exists: stop first" >&2; exit 1; fi
  mkdir -p "$state"
  echo "building the API (Release)" >&2
  dotnet build -c Release src/Coupons.Api -o "$state/api" -v q --nologo >/dev/null

  for i in "${!redis_ports[@]}"; do start_redis "$i"; done
  redis-cli --cluster create $(printf '127.0.0.1:%s ' "${redis_ports[@]}") --cluster-replicas 0 --cluster-yes >"$state/redis/create.log"
  for port in "${redis_ports[@]}"; do
    wait_for "redis cluster on $port" sh -c "redis-cli -p $port CLUSTER INFO | grep -q cluster_state:ok"
  done

  mkdir -p "$state/pg"
  [ "$(id -u)" -eq 0 ] && chown postgres:postgres "$state" "$state/pg"
  as_pg "$pg_bin/initdb" -D "$state/pg/data" -U postgres --auth=trust -E UTF8 --no-instructions >/dev/null
  as_pg "$pg_bin/pg_ctl" -D "$state/pg/data" -w -l "$state/pg/log" \
    -o "-p $pg_port -c listen_addresses=127.0.0.1 -c unix_socket_directories=$state/pg" start >/dev/null
  for db in shard0 shard1; do as_pg "$pg_bin/createdb" -h 127.0.0.1 -p "$pg_port" -U postgres "$db"; done

  for i in "${!api_ports[@]}"; do start_node "$i" nowait; done
  for port in "${api_ports[@]}"; do wait_for "API node $port" curl -sf "http://127.0.0.1:$port/health/ready"; done

  mkdir -p "$state/nginx/logs"
  cat >"$state/nginx/nginx.conf" <<CONF
worker_processes 1;
pid $state/nginx/nginx.pid;
error_log $state/nginx/logs/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path $state/nginx/body;
  proxy_temp_path $state/nginx/proxy;
  fastcgi_temp_path $state/nginx/fastcgi;
  uwsgi_temp_path $state/nginx/uwsgi;
  scgi_temp_path $state/nginx/scgi;
  upstream coupons {
$(for port in "${api_ports[@]}"; do echo "    server 127.0.0.1:$port max_fails=1 fail_timeout=5s;"; done)
    keepalive 128;
  }
  server {
    listen 127.0.0.1:$nginx_port;
    location / {
      proxy_pass http://coupons;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host \$host;
      proxy_set_header X-Forwarded-For \$remote_addr;
      # A node that is down or not ready: the other one answers (every request is safe to send
      # again: claims with an Idempotency-Key, redemptions per order).
      proxy_next_upstream error timeout http_502 http_503;
    }
  }
}
CONF
  nginx -c "$state/nginx/nginx.conf" -p "$state/nginx"
  wait_for "nginx" curl -sf "http://127.0.0.1:$nginx_port/health/ready"
  echo "http://127.0.0.1:$nginx_port  (API nodes ${api_ports[*]}, Redis Cluster ${redis_ports[*]}, PostgreSQL $pg_port; signing key: $key)"
}

stop() {
  [ -e "$state" ] || { echo "nothing running ($state does not exist)"; return 0; }
  [ -f "$state/nginx/nginx.pid" ] && nginx -c "$state/nginx/nginx.conf" -p "$state/nginx" -s stop 2>/dev/null || true
  for port in "${api_ports[@]}"; do [ -f "$state/api-$port.pid" ] && kill "$(cat "$state/api-$port.pid")" 2>/dev/null || true; done
  # The nodes stop gracefully while Redis and PostgreSQL are still there; after 30 s, SIGKILL.
  for port in "${api_ports[@]}"; do
    pid=$(cat "$state/api-$port.pid" 2>/dev/null || true)
    [ -n "$pid" ] || continue
    for _ in $(seq 1 300); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
  done
  for port in "${redis_ports[@]}"; do redis-cli -p "$port" SHUTDOWN NOSAVE >/dev/null 2>&1 || true; done
  [ -d "$state/pg/data" ] && as_pg "$pg_bin/pg_ctl" -D "$state/pg/data" -m fast -w stop >/dev/null 2>&1 || true
  sleep 0.5
  rm -rf "$state"
  echo "stopped"
}

status() {
  curl -s -o /dev/null -w "nginx $nginx_port: %{http_code}\n" "http://127.0.0.1:$nginx_port/health/ready" || true
  for port in "${api_ports[@]}"; do curl -s -o /dev/null -w "API $port: %{http_code}\n" "http://127.0.0.1:$port/health/ready" || true; done
  for port in "${redis_ports[@]}"; do echo "redis $port: $(redis-cli -p "$port" CLUSTER INFO 2>/dev/null | grep cluster_state || echo down)"; done
  echo "postgresql $pg_port: $(as_pg "$pg_bin/pg_isready" -h 127.0.0.1 -p "$pg_port" 2>&1 || true)"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) status ;;
  start-node) start_node "${2:?node index}" ;;
  start-redis) start_redis "${2:?redis node index}" ;;
  *) echo "usage: $0 start|status|stop|start-node I|start-redis I" >&2; exit 2 ;;
esac
