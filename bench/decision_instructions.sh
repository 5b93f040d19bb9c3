#!/bin/bash
# Instructions per webhook decision under callgrind: builds
# bench/decision_instructions.cc against BUILD_DIR's core libraries (a Release
# build-perf, say) and runs each scenario twice (N and 2N decisions), so the
# warm-up cancels out. Usage: bench/decision_instructions.sh BUILD_DIR [N] [SCENARIO...]
set -euo pipefail
build=$(cd "$1" && pwd); n=${2:-100}; shift $(( $# >= 2 ? 2 : 1 ))
src=$(cd "$(dirname "$0")/.." && pwd)
scenarios=("$@"); [ ${#scenarios[@]} -gt 0 ] || scenarios=(validate validate-reused validate-update validate-denied mutate mutate-bare evaluate parse)
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
nice g++ -std=c++20 -O2 -I"$src" -DRG_SOURCE_DIR="\"$src\"" "$src/bench/decision_instructions.cc" -o "$tmp/d" \
  "$build/librg_admission.a" "$build/librg_manifests.a" "$build/librg_policy.a" "$build/librg_promql.a" "$build/librg_condition.a" "$build/librg_certs.a" $(pkg-config --libs libfyaml re2) -lcrypto
count() {  # scenario decisions -> total instructions collected
  valgrind --tool=callgrind --callgrind-out-file="$tmp/cg" --collect-atstart=no --toggle-collect='measured*' \
    "$tmp/d" "$1" "$2" >/dev/null 2>"$tmp/err"
  awk '/^(summary|totals):/ {print $2; exit}' "$tmp/cg"
}
for s in "${scenarios[@]}"; do
  a=$(count "$s" "$n"); b=$(count "$s" $((2 * n)))
  echo "$s: $(( (b - a) / n )) instructions per decision"
done
