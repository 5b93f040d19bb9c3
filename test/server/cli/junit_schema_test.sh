#!/usr/bin/env bash
# `rollout-guard check -o junit` as a CI server would read it: over every sample (good and bad, each
# file and each folder), bad YAML, hostile text, empty stdin and a missing path, the output
# - validates against test/server/cli/junit.xsd (xmllint --schema),
# - has counts attributes (tests, failures, errors, skipped) equal to the elements they count, on
#   <testsuites> and on every <testsuite> (XPath; XSD 1.0 cannot say it),
# - comes with the exit code `check -o text` gives for the same input.
#
# Usage: junit_schema_test.sh PATH-TO-rollout-guard   (ctest: cli_junit_schema)
# Needs xmllint (Debian: libxml2-utils, installed by scripts/deps.sh).
set -euo pipefail

BIN=$(realpath "$1")
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../../.." && pwd)
XSD=$HERE/junit.xsd
command -v xmllint >/dev/null ||
  { echo "junit_schema_test: xmllint is missing (Debian: libxml2-utils, installed by scripts/deps.sh)" >&2; exit 1; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failed=0
cases=0

fail() {
  echo "FAIL $*" >&2
  failed=1
}

# The number of suites (or the root) whose counts differ from their elements.
SUITE_MISMATCH='count(/testsuites/testsuite[count(testcase) != @tests or count(testcase/failure) != @failures
  or count(testcase/error) != @errors or count(testcase/skipped) != sum(@skipped)])'
ROOT_MISMATCH='count(/testsuites[count(//testcase) != @tests or count(//testcase/failure) != @failures
  or count(//testcase/error) != @errors or count(//testcase/skipped) != @skipped])'

# check_junit NAME STDIN-FILE ARGS...: runs `check -o junit ARGS` and `check -o text ARGS` and
# checks the JUnit document. Leaves it in $tmp/NAME.xml.
check_junit() {
  local name=$1 input=$2
  shift 2
  local xml=$tmp/$name.xml code=0 text_code=0
  cases=$((cases + 1))
  "$BIN" check -o junit "$@" <"$input" >"$xml" 2>"$tmp/$name.err" || code=$?
  "$BIN" check -o text "$@" <"$input" >/dev/null 2>&1 || text_code=$?
  [ "$code" = "$text_code" ] || fail "$name: exit code $code with -o junit, $text_code with -o text"
  if [ "$code" -gt 2 ]; then
    fail "$name: exit code $code: $(cat "$tmp/$name.err")"
    return
  fi
  if ! xmllint --noout --schema "$XSD" "$xml" 2>"$tmp/$name.xmllint"; then
    fail "$name: not valid against junit.xsd:"
    sed 's/^/    /' "$tmp/$name.xmllint" >&2
    return
  fi
  local suites root
  suites=$(xmllint --xpath "$SUITE_MISMATCH" "$xml")
  root=$(xmllint --xpath "$ROOT_MISMATCH" "$xml")
  [ "$suites" = 0 ] || fail "$name: $suites testsuite(s) whose counts differ from their testcases"
  [ "$root" = 0 ] || fail "$name: the testsuites counts differ from the testcases"
  return 0
}

# xpath NAME EXPR: the string value of EXPR in $tmp/NAME.xml ("" when it selects nothing).
xpath() {
  xmllint --xpath "string($2)" "$tmp/$1.xml" 2>/dev/null || true
}

# Every sample file on its own, every sample folder, and all of samples/ at once.
while IFS= read -r -d '' f; do
  check_junit "file-$(basename "$f")" /dev/null "$f"
done < <(find "$ROOT/samples" -type f \( -name '*.yaml' -o -name '*.yml' -o -name '*.json' \) -print0 | sort -z)
while IFS= read -r -d '' d; do
  check_junit "dir-$(basename "$d")" /dev/null "$d"
done < <(find "$ROOT/samples" -mindepth 1 -type d -print0 | sort -z)
check_junit all /dev/null "$ROOT/samples"
[ "$(xpath all '/testsuites/@failures')" -gt 30 ] || fail "all: expected more than 30 failures over samples/"
[ "$(xpath all 'count(/testsuites/testsuite)')" -gt 40 ] || fail "all: expected a testsuite per sample file"
[ "$(xpath all 'count(//testcase[not(failure) and not(error)])')" -gt 0 ] || fail "all: expected passing testcases"

# A bad sample fails with its rule in the testcase name and its location in the failure's text.
check_junit rollout_spec /dev/null "$ROOT/samples/bad/rollout_spec.yaml"
[ "$(xpath rollout_spec '/testsuites/@failures')" -ge 1 ] || fail "rollout_spec: no failure"
xpath rollout_spec '//testcase[failure][1]/@name' | grep -q ': rollout/spec$' ||
  fail "rollout_spec: first failing testcase is not rollout/spec: $(xpath rollout_spec '//testcase[failure][1]/@name')"
xpath rollout_spec '//testcase/failure[1]' | grep -q "samples/bad/rollout_spec.yaml:[0-9]*: deny rollout/spec: " ||
  fail "rollout_spec: the failure's text does not name file:line and the rule"

# Bad YAML: an <error> naming file:line:col; the Rollout before it is still checked.
printf 'apiVersion: argoproj.io/v1alpha1\nkind: Rollout\nmetadata: {name: r}\nspec: {}\n---\na: [1\n' >"$tmp/bad.yaml"
check_junit bad_yaml /dev/null "$tmp/bad.yaml"
[ "$(xpath bad_yaml '/testsuites/@errors')" = 1 ] || fail "bad_yaml: want errors=1"
xpath bad_yaml '//testcase/error/@message' | grep -Eq "^$tmp/bad.yaml:[0-9]+:[0-9]+: " ||
  fail "bad_yaml: the error does not name file:line:col: $(xpath bad_yaml '//testcase/error/@message')"
[ "$(xpath bad_yaml '/testsuites/@failures')" -ge 1 ] || fail "bad_yaml: the Rollout before the error was not checked"

# Hostile text in names and messages: quotes, markup, controls XML 1.0 forbids, U+FFFE.
printf '%s\n' 'apiVersion: argoproj.io/v1alpha1' 'kind: Rollout' 'metadata:' \
  '  name: "q\"<&>]]>\x01\x1b\uFFFE"' '  namespace: "n\ts"' 'spec: {}' >"$tmp/hostile.yaml"
check_junit hostile /dev/null "$tmp/hostile.yaml"
[ "$(xpath hostile '/testsuites/@tests')" -ge 1 ] || fail "hostile: no testcase"

# Empty stdin: one empty suite, exit 0. A missing path: a suite with its error, exit 2.
check_junit empty_stdin /dev/null -
[ "$(xpath empty_stdin '/testsuites/testsuite/@name')" = "<stdin>" ] || fail "empty_stdin: no <stdin> suite"
[ "$(xpath empty_stdin '/testsuites/@tests')" = 0 ] || fail "empty_stdin: want tests=0"
check_junit missing /dev/null "$tmp/missing.yaml"
[ "$(xpath missing '/testsuites/testsuite/@name')" = "$tmp/missing.yaml" ] || fail "missing: no suite for the path"
[ "$(xpath missing '/testsuites/@errors')" = 1 ] || fail "missing: want errors=1"

if [ "$failed" != 0 ]; then
  echo "junit_schema_test: FAILED ($cases runs)" >&2
  exit 1
fi
echo "junit_schema_test: $cases runs of check -o junit valid against junit.xsd, counts and exit codes right"
