#!/usr/bin/env bash
# Installs the Debian 12 packages rollout-guard builds and tests with, when
# missing. Needs root or sudo. Idempotent: does nothing when all are present.
set -euo pipefail

PACKAGES=(
  build-essential cmake pkg-config
  libssl-dev libcpp-httplib-dev nlohmann-json3-dev libyaml-cpp-dev libfyaml-dev libre2-dev libspdlog-dev
  libgtest-dev libgmock-dev libbenchmark-dev prometheus-cpp-dev libcli11-dev
  prometheus curl openssl
  python3 python3-yaml python3-jsonschema
  libxml2-utils  # xmllint: the JUnit output against its schema (test/server/cli/junit_schema_test.sh)
  umoci skopeo podman  # the container image (scripts/image.sh) and its test (test/image/)
)
# Load baselines (bench/load.sh) need nginx and wrk too: RG_DEPS_BENCH=1.
if [ "${RG_DEPS_BENCH:-0}" = 1 ]; then PACKAGES+=(nginx wrk); fi

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
echo "deps: installing ${missing[*]}" >&2
SUDO=""
if [ "$(id -u)" != 0 ]; then
  command -v sudo >/dev/null || { echo "deps: need root or sudo to install: ${missing[*]}" >&2; exit 1; }
  SUDO="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
