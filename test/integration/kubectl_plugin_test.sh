#!/usr/bin/env bash
# rollout-guard as the kubectl plugin `kubectl rollout-guard`: the built binary, linked as
# kubectl-rollout_guard in a temporary folder put first on PATH (as docs/cli.md installs it),
# answers `rules`, `check` and `--help` by that name and otherwise works as `rollout-guard`.
# When kubectl is installed, `kubectl rollout-guard ...` is run through kubectl's own plugin lookup
# too; without kubectl that part is skipped (it is not needed to use the binary as a plugin).
#
# Usage: kubectl_plugin_test.sh PATH-TO-rollout-guard   (ctest: cli_kubectl_plugin)
set -euo pipefail

BIN=$(realpath "$1")
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
BAD=$ROOT/samples/bad/rollout_spec.yaml

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
ln -s "$BIN" "$tmp/kubectl-rollout_guard"
export PATH="$tmp:$PATH"
failed=0

fail() {
  echo "FAIL $*" >&2
  failed=1
}

# run NAME CMD...: runs CMD, keeps stdout, stderr and the exit code in $tmp/NAME.{out,err,code}.
run() {
  local name=$1 code=0
  shift
  "$@" >"$tmp/$name.out" 2>"$tmp/$name.err" </dev/null || code=$?
  echo "$code" >"$tmp/$name.code"
}

# expect NAME CODE TEXT-IN-STDOUT [TEXT-IN-STDERR]; an empty text is not looked for.
expect() {
  local name=$1 code=$2 out=$3 err=${4:-}
  [ "$(cat "$tmp/$name.code")" = "$code" ] ||
    fail "$name: exit code $(cat "$tmp/$name.code"), want $code; stderr: $(head -c 2000 "$tmp/$name.err")"
  if [ -n "$out" ]; then
    grep -qF -- "$out" "$tmp/$name.out" || fail "$name: stdout lacks \"$out\": $(head -c 2000 "$tmp/$name.out")"
  fi
  if [ -n "$err" ]; then
    grep -qF -- "$err" "$tmp/$name.err" || fail "$name: stderr lacks \"$err\": $(head -c 2000 "$tmp/$name.err")"
  fi
}

[ "$(command -v kubectl-rollout_guard)" = "$tmp/kubectl-rollout_guard" ] || fail "kubectl-rollout_guard is not found on PATH"

# The same catalog and the same findings as under its own name.
run rules kubectl-rollout_guard rules
expect rules 0 "rollout/spec"
run rules_direct "$BIN" rules
cmp -s "$tmp/rules.out" "$tmp/rules_direct.out" || fail "rules: output differs from rollout-guard rules"

run check kubectl-rollout_guard check "$BAD"
expect check 1 "deny rollout/spec: "
grep -Eq "^$BAD:[0-9]+: deny rollout/spec: " "$tmp/check.out" || fail "check: the finding does not name $BAD:LINE"
run check_direct "$BIN" check "$BAD"
cmp -s "$tmp/check.out" "$tmp/check_direct.out" || fail "check: output differs from rollout-guard check"

run explain kubectl-rollout_guard explain rollout/spec
expect explain 0 "rollout/spec (default: deny)"

# Help, usage and errors name the program as kubectl users type it.
run help kubectl-rollout_guard --help
expect help 0 "kubectl rollout-guard"
grep -q "^Usage: kubectl rollout-guard " "$tmp/help.out" || fail "help: usage line does not name kubectl rollout-guard"
grep -q "kubectl-rollout_guard" "$tmp/help.out" && fail "help: names the executable instead of the command"
# The file commands lead; the in-cluster servers come after, under their own heading.
check_line=$(grep -n "^  check " "$tmp/help.out" | cut -d: -f1)
serve_line=$(grep -n "^  serve " "$tmp/help.out" | cut -d: -f1)
[ -n "$check_line" ] && [ -n "$serve_line" ] && [ "$check_line" -lt "$serve_line" ] ||
  fail "help: check is not listed before serve"
grep -q "^Server subcommands" "$tmp/help.out" || fail "help: no heading for the server subcommands"

run check_help kubectl-rollout_guard check --help
expect check_help 0 "Usage: kubectl rollout-guard check "
grep -q "junit" "$tmp/check_help.out" || fail "check --help: -o does not list junit"

run explain_unknown kubectl-rollout_guard explain rollout/spek
expect explain_unknown 2 "" "kubectl rollout-guard explain: unknown rule id \"rollout/spek\""

run usage kubectl-rollout_guard check --no-such-flag "$BAD"
expect usage 2 "" "--no-such-flag"

# Under its own name nothing says kubectl.
run own_help "$BIN" --help
grep -q "^Usage: rollout-guard " "$tmp/own_help.out" || fail "own_help: usage line does not name rollout-guard"
grep -q "kubectl" "$tmp/own_help.out" && fail "own_help: mentions kubectl"

# Through kubectl's plugin lookup, when kubectl is here.
if command -v kubectl >/dev/null; then
  run kubectl_rules kubectl rollout-guard rules
  expect kubectl_rules 0 "rollout/spec"
  run kubectl_check kubectl rollout-guard check "$BAD"
  expect kubectl_check 1 "deny rollout/spec: "
  run kubectl_help kubectl rollout-guard --help
  expect kubectl_help 0 "Usage: kubectl rollout-guard "
else
  echo "kubectl_plugin_test: kubectl is not installed; skipping the runs through kubectl"
fi

if [ "$failed" != 0 ]; then
  echo "kubectl_plugin_test: FAILED" >&2
  exit 1
fi
echo "kubectl_plugin_test: passed"
