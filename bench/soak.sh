#!/usr/bin/env bash
# Soak: `rollout-guard serve` at saturation for MINUTES (default 10) with mixed
# AdmissionReviews (every good and bad sample review, a large one of about
# 1 MiB, malformed ones), driven by wrk over 16 keep-alive connections, while
# its RSS and open file descriptors are sampled every 10 s. Passes when no
# request failed (no socket error, every answer the expected status: 200, or
# 400 for the malformed), RSS does not grow after the first fifth of the run
# (the last third of the samples against the first third, mean and peak,
# within 10%), and the descriptor count does not grow.
#
#   bench/soak.sh [MINUTES] [build-dir]      (default: 10, build)
#
# Installs wrk from Debian when missing (needs root or sudo). Not a CI test.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
MINUTES=${1:-10}
BUILD=${2:-$ROOT/build}
BIN=$BUILD/rollout-guard
CONNECTIONS=${CONNECTIONS:-16}
[ -x "$BIN" ] || { echo "soak.sh: build rollout-guard first ($BIN missing)" >&2; exit 2; }
if ! command -v wrk >/dev/null; then
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
  $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends wrk >/dev/null
fi

WORK=$(mktemp -d /tmp/rg-soak-XXXXXX)
RG_PID=""
cleanup() { [ -n "$RG_PID" ] && kill "$RG_PID" 2>/dev/null; rm -rf "$WORK"; }
trap cleanup EXIT

# The bodies.
mkdir -p "$WORK/bodies"
n=0
for f in "$ROOT"/samples/admission-reviews/good/*.json; do cp "$f" "$WORK/bodies/good-$((n++)).json"; done
for f in "$ROOT"/samples/admission-reviews/bad/*.json; do cp "$f" "$WORK/bodies/bad-$((n++)).json"; done
python3 - "$ROOT/samples/admission-reviews/good/bookstore-rollout-catalog-create.json" "$WORK/bodies" <<'PY'
import json, sys
review = json.load(open(sys.argv[1]))
meta = review["request"]["object"].setdefault("metadata", {})
meta.setdefault("annotations", {})["soak.rollout-guard.io/padding"] = "x" * (1 << 20)
open(sys.argv[2] + "/large-0.json", "w").write(json.dumps(review))
body = json.dumps(review)
open(sys.argv[2] + "/malformed-0.json", "w").write(body[: len(body) // 2])
open(sys.argv[2] + "/malformed-1.json", "w").write('{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview"}')
PY

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
PORT=$(free_port)
# glibc's allocator settings as the image and the chart set them (docs/webhook.md),
# unless GLIBC_TUNABLES is set.
GLIBC_TUNABLES=${GLIBC_TUNABLES-glibc.malloc.tcache_count=256} \
  "$BIN" serve --dev-self-signed --cert-dir "$WORK/certs" --listen 127.0.0.1:$PORT --log-level error \
  >"$WORK/rg.out" 2>"$WORK/rg.err" &
RG_PID=$!
for _ in $(seq 100); do curl -sf --cacert "$WORK/certs/ca.crt" https://localhost:$PORT/readyz >/dev/null && break; sleep 0.1; done
curl -sf --cacert "$WORK/certs/ca.crt" https://localhost:$PORT/readyz >/dev/null || { echo "soak.sh: serve not ready" >&2; cat "$WORK/rg.err" >&2; exit 1; }

echo "soak: $MINUTES min, $CONNECTIONS connections, $(ls "$WORK/bodies" | wc -l) bodies, serve pid $RG_PID"
RG_SOAK_DIR="$WORK/bodies" wrk -t"$CONNECTIONS" -c"$CONNECTIONS" -d"${MINUTES}m" --timeout 5s \
  -s "$ROOT/bench/soak.lua" "https://127.0.0.1:$PORT/validate" >"$WORK/wrk.out" 2>&1 &
WRK_PID=$!
samples="$WORK/samples"
: >"$samples"
start=$(date +%s)
while kill -0 "$WRK_PID" 2>/dev/null; do
  rss=$(awk '/^VmRSS:/ {print $2}' "/proc/$RG_PID/status" 2>/dev/null || echo 0)
  fds=$(ls "/proc/$RG_PID/fd" 2>/dev/null | wc -l)
  echo "$(( $(date +%s) - start )) $rss $fds" >>"$samples"
  sleep 10
done
wait "$WRK_PID" || true
kill -0 "$RG_PID" 2>/dev/null || { echo "soak: FAIL: serve exited during the run" >&2; cat "$WORK/rg.err" >&2; exit 1; }

grep RESULT "$WORK/wrk.out" || { cat "$WORK/wrk.out" >&2; exit 1; }
echo "seconds rss_kib fds"
cat "$samples"
python3 - "$samples" "$WORK/wrk.out" "$MINUTES" <<'PY'
import re, sys
rows = [tuple(map(int, l.split())) for l in open(sys.argv[1]) if l.strip()]
result = dict(re.findall(r"(\w+)=(\d+)", [l for l in open(sys.argv[2]) if l.startswith("RESULT")][0]))
warm = float(sys.argv[3]) * 60 / 5
after = [r for r in rows if r[0] >= warm] or rows[-1:]
rss = [r[1] for r in after]
fds = [r[2] for r in after]
# In-flight reviews (the 1 MiB one parses into several MiB, freed when answered)
# make single samples swing; growth is what a leak shows: the last third of the
# samples after warm-up against the first third, by mean and by peak.
third = max(len(rss) // 3, 1)
first, last = rss[:third], rss[-third:]
mean_growth = (sum(last) / len(last)) / (sum(first) / len(first)) - 1
peak_growth = max(last) / max(first) - 1
spread = (max(rss) - min(rss)) / min(rss)
ok = True
def check(cond, what):
    global ok
    print(("ok   " if cond else "FAIL ") + what)
    ok = ok and cond
check(int(result["socket_errors"]) == 0, "socket errors: %s" % result["socket_errors"])
check(int(result["unexpected_status"]) == 0, "unexpected statuses: %s of %s requests (%s malformed answered 400)"
      % (result["unexpected_status"], result["requests"], result["malformed_400"]))
print("info RSS after warm-up %d..%d KiB (%.1f%% spread between samples)" % (min(rss), max(rss), spread * 100))
check(mean_growth <= 0.10 and peak_growth <= 0.10,
      "RSS flat: last third against first third after warm-up, mean %+.1f%%, peak %+.1f%%"
      % (mean_growth * 100, peak_growth * 100))
check(max(fds) <= min(fds) + 2, "open descriptors after warm-up %d..%d" % (min(fds), max(fds)))
sys.exit(0 if ok else 1)
PY
