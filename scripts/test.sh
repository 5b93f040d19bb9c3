#!/usr/bin/env bash
# Installs what is missing, builds with warnings as errors, and runs the whole
# test suite through ctest (which includes the replay of every fuzz corpus and
# regression, test/fuzz/), then the sanitizer lane: the same suite built with
# ASan+UBSan in build-asan (scripts/sanitize.sh asan). RG_ASAN_LANE=0 leaves
# the lane out. About an hour on 2 cores (docs/testing.md).
# The conformance corpora are read from $RG_CONFORMANCE_DIR (default
# ../shared/conformance); with CI=true a missing corpus fails the run instead
# of skipping.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh
bash scripts/build.sh -DRG_WERROR=ON
(cd "${RG_BUILD_DIR:-build}" && ctest --output-on-failure -j"$(nproc)" --timeout 900)
if [ "${RG_ASAN_LANE:-1}" != 0 ]; then
  bash scripts/sanitize.sh asan
fi
