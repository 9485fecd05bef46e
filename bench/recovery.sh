#!/usr/bin/env bash
# Recovery after kill -9. Fills a fresh data dir with N issued coupons through the embedded store
# itself (the code the service runs, so the files are what the service writes), claimed by many
# concurrent callers over U users; then starts the real API (Release) on it, kills it with SIGKILL
# under claim load, restarts it, times start → /health/ready, prints the RSS when ready and checks
# the issued count through the stats endpoint.
#   bench/recovery.sh [coupons=10000000] [users=coupons]
# RECOVERY_DATA=dir keeps the filled data dir there (and reuses it if it already holds a database);
# otherwise it is made in a temporary folder and deleted at the end (10M coupons: about 850 MB).
# RECOVERY_POLL_MS sets how often /health/ready is polled (10 ms: the answers cost the starting
# server some CPU, about half a second at 10M coupons; 100 ms costs less and blurs the figure).
set -euo pipefail
cd "$(dirname "$0")/.."
coupons=${1:-10000000}
users=${2:-$coupons}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
data=${RECOVERY_DATA:-$out/data}

dotnet build -c Release src/Coupons.Api --artifacts-path "$out/build" >/dev/null
dotnet build -c Release bench/Coupons.Recovery --artifacts-path "$out/build" >/dev/null
bench="$out/build/bin/Coupons.Recovery/release/Coupons.Recovery.dll"
api="$out/build/bin/Coupons.Api/release/Coupons.Api.dll"

if [ -f "$data/coupons.db" ]; then
  echo "reusing $data ($(du -sh "$data" | cut -f1))"
else
  dotnet "$bench" fill "$data" "$coupons" "$users"
fi
dotnet "$bench" measure "$data" "$api" "$coupons"
