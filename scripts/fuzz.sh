#!/usr/bin/env bash
# Builds the libFuzzer targets (test/fuzz/*_fuzz.cc) with clang-14 and
# ASan+UBSan in build-fuzz, and runs each for SECONDS (default 60) from its
# seed corpus. Crashing inputs land in test/fuzz/regressions/<target>/.
#   scripts/fuzz.sh [SECONDS] [TARGET...]
# The seeds are test/fuzz/corpus/<target>/ plus, built at run time in
# build-fuzz/seeds/<target>/, the samples and the conformance corpora
# ($RG_CONFORMANCE_DIR, default ../shared/conformance) where they exist.
# What the fuzzer learns is kept in build-fuzz/corpus/<target>/.
# RG_FUZZ_RUNS=N stops each target after N executions (or SECONDS, whichever
# comes first): RG_FUZZ_RUNS=10000000 scripts/fuzz.sh 20000 policy.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
shift || true
BUILD_DIR=${RG_FUZZ_BUILD_DIR:-build-fuzz}
conformance=${RG_CONFORMANCE_DIR:-../shared/conformance}
launcher=()
if command -v ccache >/dev/null; then launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache); fi
cmake -S . -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g" \
      -DCMAKE_CXX_COMPILER=clang++-14 -DRG_FUZZ=ON -DRG_BUILD_TESTS=OFF -DRG_BUILD_BENCH=OFF \
      "${launcher[@]}" >/dev/null
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  for f in test/fuzz/*_fuzz.cc; do
    t=$(basename "$f" .cc)
    targets+=("${t%_fuzz}")
  done
fi
cmake --build "$BUILD_DIR" -j"$(nproc)" --target "${targets[@]/%/_fuzz}"

# copy_flat DIR: copies the files named on stdin into DIR, each named by its
# whole path (so equal base names do not collide).
copy_flat() {
  while read -r f; do cp "$f" "$1/$(echo "$f" | tr / _ | sed "s/^[._]*//")"; done
}

# seeds <target>: fills $BUILD_DIR/seeds/<target> from the samples and the
# conformance corpora (nothing for targets that have none).
seeds() {
  local out="$BUILD_DIR/seeds/$1"
  rm -rf "$out"
  mkdir -p "$out"
  case "$1" in
    review_reader)
      find samples/admission-reviews "$conformance/admission-reviews" -name '*.json' -size -256k 2>/dev/null |
        copy_flat "$out" ;;
    documents)
      find samples "$conformance/psa" "$conformance/argo-rollouts/examples" \( -name '*.yaml' -o -name '*.json' \) \
        -size -64k 2>/dev/null | sed -n 1,300p | copy_flat "$out" ;;  # sed reads to the end: no SIGPIPE under pipefail
    promql)
      if [ -f "$conformance/promql/queries.jsonl" ]; then
        python3 - "$conformance/promql/queries.jsonl" "$out" <<'PY'
import json, sys
for i, line in enumerate(open(sys.argv[1])):
    q = json.loads(line).get("query")
    if isinstance(q, str):
        open(f"{sys.argv[2]}/q{i:05d}", "w").write(q)
PY
      fi ;;
  esac
}

# libFuzzer's own handler, not ASan's, takes SIGSEGV: a crash inside an
# uninstrumented library (libfyaml) can kill ASan's report before the input
# is written; libFuzzer's handler writes it and prints the stack. Leaks
# inside libfyaml itself are suppressed (test/lsan.supp says why).
export ASAN_OPTIONS=${ASAN_OPTIONS:-handle_segv=0:detect_leaks=1}
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$PWD/test/lsan.supp:print_suppressions=0}
runs=()
if [ -n "${RG_FUZZ_RUNS:-}" ]; then runs=(-runs="$RG_FUZZ_RUNS"); fi
status=0
for t in "${targets[@]}"; do
  seeds "$t"
  corpus="$BUILD_DIR/corpus/$t"
  crashes="test/fuzz/regressions/$t"
  mkdir -p "$corpus" "$crashes"
  echo "== fuzz $t for ${seconds}s" >&2
  log="$BUILD_DIR/$t.log"
  if ! "$BUILD_DIR/${t}_fuzz" -max_total_time="$seconds" "${runs[@]}" -max_len=65536 -timeout=10 -rss_limit_mb=2048 \
       -print_final_stats=1 -artifact_prefix="$crashes/" \
       "$corpus" "test/fuzz/corpus/$t" "$BUILD_DIR/seeds/$t" >"$log" 2>&1; then
    echo "fuzz $t: FAILED, see $log and $crashes/" >&2
    status=1
  fi
  grep -E '^stat::number_of_executed_units|^stat::peak_rss_mb' "$log" | sed "s/^/$t /" >&2 || true
  rmdir "$crashes" 2>/dev/null || true  # keep only directories with findings
done
exit $status
