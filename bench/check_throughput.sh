#!/usr/bin/env bash
# Times the real `rollout-guard check` over a generated directory of N
# manifests (default 10000: copies of the Bookstore Rollout, AnalysisTemplates,
# HPA and Services as distinct apps in one namespace, one file each), and prints manifests/s next to the bare
# yaml-cpp parse rate of the same kind of files (evaluate_bench's
# BM_YamlCppParse, in-process, no file I/O).
#
#   bench/check_throughput.sh BUILD_DIR [N]
# BUILD_DIR must hold rollout-guard and evaluate_bench (configure with
# -DCMAKE_BUILD_TYPE=Release -DRG_BUILD_BENCH=ON).
set -euo pipefail
build=${1:?usage: bench/check_throughput.sh BUILD_DIR [N]}
n=${2:-10000}
root=$(cd "$(dirname "$0")/.." && pwd)
bin="$build/rollout-guard"
[ -x "$bin" ] || { echo "check_throughput: $bin not found (build the rollout-guard target)" >&2; exit 2; }

dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
python3 - "$root/samples/bookstore" "$dir" "$n" <<'PY'
import os, re, sys
src, out, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
docs = []
for f in ("rollout.yaml", "analysis-templates.yaml", "hpa.yaml", "services.yaml"):
    text = open(os.path.join(src, f)).read()
    docs += [d for d in re.split(r"\n---", text) if d.strip()]
i = 0
written = 0
while written < n:
    for d in docs:
        if written == n:
            break
        doc = d.replace("catalog", "catalog-%d" % i)  # app i, all in one namespace
        sub = os.path.join(out, str(written // 1000))
        os.makedirs(sub, exist_ok=True)
        with open(os.path.join(sub, "m%05d.yaml" % written), "w") as fh:
            fh.write(doc.lstrip("\n") + "\n")
        written += 1
    i += 1
PY
echo "corpus: $n manifests, $(du -sh "$dir" | cut -f1) in $dir"

best=""
for run in 1 2 3; do
  start=$(date +%s.%N)
  rc=0
  "$bin" check -o json "$dir" > "$dir.out" || rc=$?
  end=$(date +%s.%N)
  [ "$rc" -le 1 ] || { echo "check_throughput: check exited $rc" >&2; head -c 2000 "$dir.out" >&2; exit 1; }
  secs=$(python3 -c "print(f'{$end - $start:.3f}')")
  echo "run $run: ${secs}s"
  if [ -z "$best" ] || python3 -c "import sys; sys.exit(0 if $secs < $best else 1)"; then best=$secs; fi
done
objects=$(python3 -c "import json; print(json.load(open('$dir.out'))['summary']['objects'])")
rm -f "$dir.out"
rate=$(python3 -c "print(int($n / $best))")
echo "rollout-guard check: $n manifests ($objects objects evaluated) in ${best}s (best of 3) = $rate manifests/s"

if [ -x "$build/evaluate_bench" ]; then
  "$build/evaluate_bench" --benchmark_filter='YamlCpp|Libfyaml|LoadDocuments|LoadAndEvaluate' 2>/dev/null \
    | grep -E '^BM_' | sed 's/^/in-process: /'
else
  echo "(build evaluate_bench for the bare yaml-cpp parse rate)"
fi
