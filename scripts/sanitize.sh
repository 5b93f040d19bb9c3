#!/usr/bin/env bash
# Builds the project with sanitizers in its own build directory and runs tests
# under them. Any sanitizer report fails the run.
#   scripts/sanitize.sh asan [ctest args]   ASan+UBSan, build-asan, the whole suite
#   scripts/sanitize.sh tsan [gtest args]   ThreadSanitizer, build-tsan, the server,
#                                           cache and reconciler test binaries and the
#                                           policy cache tests, run directly
# Tests that cannot run under a sanitizer (e.g. RLIMIT_AS caps, which ASan's
# shadow memory exceeds) read RG_SANITIZER and skip with their reason.
set -euo pipefail
cd "$(dirname "$0")/.."
mode=${1:-}
shift || true
case "$mode" in
  asan)
    sanitize=address,undefined
    export RG_SANITIZER=address
    export ASAN_OPTIONS=halt_on_error=1:abort_on_error=0:detect_leaks=1:print_stacktrace=1:strict_string_checks=1:detect_stack_use_after_return=1
    export LSAN_OPTIONS="suppressions=$PWD/test/lsan.supp:print_suppressions=0"
    export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
    targets=(all)
    ;;
  tsan)
    sanitize=thread
    export RG_SANITIZER=thread
    export TSAN_OPTIONS="halt_on_error=1:second_deadlock_stack=1:suppressions=$PWD/test/tsan.supp"
    targets=(rollout-guard test_server_webhook test_server_kube test_server_reconcile test_policy)
    ;;
  *)
    echo "usage: scripts/sanitize.sh asan|tsan [ctest args]" >&2
    exit 2
    ;;
esac
BUILD_DIR=${RG_SANITIZE_BUILD_DIR:-build-$mode}
launcher=()
if command -v ccache >/dev/null; then launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache); fi
cmake -S . -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g" \
      -DRG_WERROR=ON -DRG_BUILD_BENCH=OFF -DRG_SANITIZE="$sanitize" "${launcher[@]}" >/dev/null
cmake --build "$BUILD_DIR" -j"$(nproc)" --target "${targets[@]}"
cd "$BUILD_DIR"
if [ "$mode" = asan ]; then
  exec ctest --output-on-failure -j"$(nproc)" --timeout 900 "$@"
fi
failed=()
run() {
  echo "== tsan: $*" >&2
  "$@" || failed+=("$1")
}
run ./test_server_webhook "$@"
run ./test_server_kube "$@"
run ./test_server_reconcile "$@"
run ./test_policy --gtest_filter='EvalCache*:MemoryInventory*' "$@"
if [ ${#failed[@]} -gt 0 ]; then
  echo "tsan: failed: ${failed[*]}" >&2
  exit 1
fi
echo "tsan: all passed" >&2
