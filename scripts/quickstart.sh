#!/usr/bin/env bash
# Quick start: installs what is missing, builds rollout-guard, starts the
# admission webhook on 127.0.0.1 with the embedded default policy and a
# generated development certificate, sends it the sample AdmissionReviews
# (samples/admission-reviews/*.json) and prints each decision, then checks the
# sample manifests with the CLI. The webhook keeps serving until Ctrl-C;
# pass --once to stop after the demonstration.
#   bash scripts/quickstart.sh [--once] [--port N]
set -euo pipefail
cd "$(dirname "$0")/.."
ONCE=0
PORT=8443
while [ $# -gt 0 ]; do
  case "$1" in
    --once) ONCE=1 ;;
    --port) PORT="$2"; shift ;;
    *) echo "usage: bash scripts/quickstart.sh [--once] [--port N]" >&2; exit 2 ;;
  esac
  shift
done

if [ -n "${RG_BIN:-}" ]; then
  BIN=$RG_BIN  # an already built binary (the ctest "quickstart" runs the demonstration this way)
else
  bash scripts/deps.sh
  BUILD_DIR=${RG_BUILD_DIR:-build}
  cmake -S . -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
  cmake --build "$BUILD_DIR" --target rollout-guard -j"$(nproc)"
  BIN="$BUILD_DIR/rollout-guard"
fi

CERT_DIR=$(mktemp -d /tmp/rollout-guard-quickstart.XXXXXX)
LOG="$CERT_DIR/serve.log"
"$BIN" serve --dev-self-signed --cert-dir "$CERT_DIR" --listen "127.0.0.1:$PORT" >"$LOG" 2>&1 &
PID=$!
cleanup() {
  kill "$PID" 2>/dev/null || true
  wait "$PID" 2>/dev/null || true
  if [ "$ONCE" = 1 ]; then rm -rf "$CERT_DIR"; fi
}
trap cleanup EXIT INT TERM

URL="https://127.0.0.1:$PORT"
for _ in $(seq 1 100); do
  if curl -fsS --cacert "$CERT_DIR/ca.crt" "$URL/readyz" >/dev/null 2>&1; then break; fi
  if ! kill -0 "$PID" 2>/dev/null; then echo "rollout-guard serve exited:" >&2; cat "$LOG" >&2; exit 1; fi
  sleep 0.1
done
curl -fsS --cacert "$CERT_DIR/ca.crt" "$URL/readyz" >/dev/null || { echo "webhook not ready:" >&2; cat "$LOG" >&2; exit 1; }

echo "== rollout-guard serve is listening on $URL (certificates in $CERT_DIR)"
echo
# One line per review: the decision, then the first lines kubectl would show
# ("admission webhook ... denied the request: <message>") and any warnings.
shopt -s nullglob
reviews=(samples/admission-reviews/good/*.json samples/admission-reviews/bad/*.json)
if [ ${#reviews[@]} -eq 0 ]; then
  echo "quickstart: no AdmissionReviews found in samples/admission-reviews/{good,bad}/" >&2
  exit 1
fi
echo "== POST /validate: ${#reviews[@]} AdmissionReviews from samples/admission-reviews/ (good/, then bad/)"
allowed=0 denied=0
for review in "${reviews[@]}"; do
  answer=$(curl -sS --cacert "$CERT_DIR/ca.crt" -H 'Content-Type: application/json' \
    --data-binary "@$review" "$URL/validate?timeout=10s")
  decision=$(printf '%s' "$answer" | python3 -c '
import json, sys
name = sys.argv[1]
try:
    r = json.load(sys.stdin)["response"]
except Exception as e:  # not an AdmissionReview: show it, count it as a failure
    print("error " + name + ": bad answer: " + str(e))
    sys.exit(0)
print(("allowed" if r.get("allowed") else "DENIED ") + " " + name)
msg = (r.get("status") or {}).get("message") or ""
lines = msg.splitlines()
for line in lines[:2]:
    print("          " + (line if len(line) <= 160 else line[:157] + "..."))
if len(lines) > 2:
    print("          (%d more lines)" % (len(lines) - 2))
for w in (r.get("warnings") or [])[:2]:
    print("          warning: " + (w if len(w) <= 150 else w[:147] + "..."))
' "${review#samples/admission-reviews/}")
  echo "$decision"
  case "$decision" in
    allowed*) allowed=$((allowed + 1)) ;;
    DENIED*) denied=$((denied + 1)) ;;
    *) echo "quickstart: the webhook gave a bad answer for $review" >&2; exit 1 ;;
  esac
done
echo "== $allowed allowed, $denied denied"
echo

echo "== rollout-guard check samples/bookstore samples/bookstore-keda (the good samples)"
"$BIN" check samples/bookstore samples/bookstore-keda || true
echo
echo "== rollout-guard check samples/bad (one bad variant per rule; see samples/README.md)"
"$BIN" check samples/bad | tail -n 1 || true
echo

if [ "$ONCE" = 1 ]; then
  exit 0
fi
echo "== The webhook keeps serving on $URL; Ctrl-C stops it. Its CA: $CERT_DIR/ca.crt"
wait "$PID"
