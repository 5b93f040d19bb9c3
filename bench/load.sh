#!/usr/bin/env bash
# Load test: nginx answering a fixed JSON body over the same TLS settings vs
# `rollout-guard serve` deciding the Bookstore Rollout review, both driven by
# wrk with the same body at 16 and 64 connections, plus one sequential
# connection for latency. Prints req/s, p50, p99, server RSS and the ratio.
# The rg-transport row is the same server, body and connections POSTing to a
# path with no handler (/load-transport): cpp-httplib reads the whole body and
# the server answers a small JSON 404, with no review parsed or decided. It is
# the ceiling the transport (TLS, HTTP parsing, threads) allows; its errors
# column leaves out the 404s, which are its answer by design.
# cpu_us is the server's CPU time (user + system, all threads or nginx
# workers) per answered request during the run: what each answer costs the
# server, apart from wrk's share of the two CPUs.
#
#   bench/load.sh [build-dir]     (default: build)   DURATION=10s to change the run length
#
# Installs nginx and wrk from Debian when missing (needs root or sudo).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${1:-$ROOT/build}
BIN=$BUILD/rollout-guard
DURATION=${DURATION:-10s}
BODY=$ROOT/samples/admission-reviews/good/bookstore-rollout-catalog-create.json
[ -x "$BIN" ] || { echo "load.sh: build rollout-guard first ($BIN missing)" >&2; exit 2; }
[ -f "$BODY" ] || { echo "load.sh: $BODY missing (python3 samples/admission-reviews/generate.py)" >&2; exit 2; }

if ! command -v nginx >/dev/null || ! command -v wrk >/dev/null; then
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
  $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends nginx wrk >/dev/null
fi
NGINX=$(command -v nginx || echo /usr/sbin/nginx)

WORK=$(mktemp -d /tmp/rg-load-XXXXXX)
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; [ -f "$WORK/nginx.pid" ] && kill "$(cat "$WORK/nginx.pid")" 2>/dev/null; rm -rf "$WORK"; }
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
RG_PORT=$(free_port); NG_PORT=$(free_port)

# rollout-guard: generated certificates, info logs off so the run measures serving, not stderr; glibc's
# allocator settings as the image and the chart set them (docs/webhook.md), unless GLIBC_TUNABLES is set.
GLIBC_TUNABLES=${GLIBC_TUNABLES-glibc.malloc.tcache_count=256} \
  "$BIN" serve --dev-self-signed --cert-dir "$WORK/certs" --listen 127.0.0.1:$RG_PORT --log-level warn \
  --max-connections 256 >"$WORK/rg.out" 2>"$WORK/rg.err" &
RG_PID=$!; PIDS+=($RG_PID)
for _ in $(seq 100); do curl -sf --cacert "$WORK/certs/ca.crt" https://localhost:$RG_PORT/readyz >/dev/null && break; sleep 0.1; done

# The answer nginx returns: what rollout-guard answers for this review.
curl -sf --cacert "$WORK/certs/ca.crt" -H 'Content-Type: application/json' --data-binary @"$BODY" \
  https://localhost:$RG_PORT/validate >"$WORK/answer.json"

# nginx: same certificate, TLS 1.2/1.3, the same AEAD cipher list, keep-alive without a request cap.
cat >"$WORK/nginx.conf" <<CONF
worker_processes 1;
pid $WORK/nginx.pid;
error_log $WORK/nginx.err;
daemon on;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path $WORK/nginx-body;
  server {
    listen 127.0.0.1:$NG_PORT ssl;
    ssl_certificate $WORK/certs/tls.crt;
    ssl_certificate_key $WORK/certs/tls.key;
    ssl_protocols TLSv1.2 TLSv1.3;
    ssl_ciphers ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305;
    ssl_prefer_server_ciphers on;
    keepalive_requests 1000000;
    keepalive_timeout 30s;
    client_max_body_size 3m;
    location / {
      default_type application/json;
      return 200 '$(sed "s/'/\\\\'/g" "$WORK/answer.json")';
    }
  }
}
CONF
"$NGINX" -c "$WORK/nginx.conf" -e "$WORK/nginx.err" 2>/dev/null || "$NGINX" -c "$WORK/nginx.conf"
for _ in $(seq 50); do curl -sfk https://127.0.0.1:$NG_PORT/validate >/dev/null && break; sleep 0.1; done

cpu_ticks() { # user + system clock ticks of pids (all their threads)
  local total=0; for p in "$@"; do total=$((total + $(awk '{print $14 + $15}' /proc/$p/stat 2>/dev/null || echo 0))); done; echo $total; }
TICK=$(getconf CLK_TCK)

rss_kb() { # total RSS of a pid and its children
  local total=0; for p in "$@"; do total=$((total + $(awk '/VmRSS/{print $2}' /proc/$p/status 2>/dev/null || echo 0))); done; echo $total; }
nginx_pids() { local m; m=$(cat "$WORK/nginx.pid"); echo "$m $(pgrep -P "$m" | tr '\n' ' ')"; }

run() { # name url connections threads
  local out; out=$(RG_BODY=$BODY wrk -t"$4" -c"$3" -d"$DURATION" --latency -s "$ROOT/bench/post.lua" "$2" 2>&1 | grep RESULT)
  echo "$out"
}

printf "%-14s %5s %10s %8s %8s %7s %8s %7s\n" server conns req/s p50_us p99_us errors rss_MB cpu_us
declare -A RPS
for conns in 16 64 1; do
  threads=$([ "$conns" = 1 ] && echo 1 || echo 2)
  for name in nginx rollout-guard rg-transport; do
    case $name in
      nginx) url=https://127.0.0.1:$NG_PORT/validate; pids=$(nginx_pids) ;;
      rollout-guard) url=https://127.0.0.1:$RG_PORT/validate?timeout=10s; pids=$RG_PID ;;
      rg-transport) url=https://127.0.0.1:$RG_PORT/load-transport?timeout=10s; pids=$RG_PID ;;
    esac
    before=$(cpu_ticks $pids)
    line=$(run $name "$url" $conns $threads)
    after=$(cpu_ticks $pids)
    rps=$(sed -E 's/.*rps=([0-9]+).*/\1/' <<<"$line"); p50=$(sed -E 's/.*p50_us=([0-9]+).*/\1/' <<<"$line")
    p99=$(sed -E 's/.*p99_us=([0-9]+).*/\1/' <<<"$line"); err=$(sed -E 's/.*errors=([0-9]+).*/\1/' <<<"$line")
    if [ $name = rg-transport ]; then err=$((err - $(sed -E 's/.*status=([0-9]+).*/\1/' <<<"$line"))); fi
    # shellcheck disable=SC2086
    requests=$(sed -E 's/.*requests=([0-9]+).*/\1/' <<<"$line")
    cpu=$(( (after - before) * 1000000 / TICK / (requests > 0 ? requests : 1) ))
    rss=$(rss_kb $pids)
    RPS[$name$conns]=$rps
    printf "%-14s %5s %10s %8s %8s %7s %8.1f %7s\n" $name $conns "$rps" "$p50" "$p99" "$err" "$(echo "$rss/1024" | bc -l)" "$cpu"
  done
  printf "%-14s %5s %10.2f\n" "ratio rg/nginx" $conns "$(echo "${RPS[rollout-guard$conns]}/${RPS[nginx$conns]}" | bc -l)"
  printf "%-14s %5s %10.2f   (transport ceiling; rollout-guard/rg-transport %.2f)\n" "ratio tr/nginx" $conns \
    "$(echo "${RPS[rg-transport$conns]}/${RPS[nginx$conns]}" | bc -l)" \
    "$(echo "${RPS[rollout-guard$conns]}/${RPS[rg-transport$conns]}" | bc -l)"
done
echo "(body: $(wc -c <"$BODY") bytes, $DURATION per run, $(nproc) CPUs shared by wrk and the server)"
