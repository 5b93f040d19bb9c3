// `rollout-guard check`: the file front end of the policy core.
//
// Reads manifests (files, directories, stdin), puts every object of the run
// into one MemoryInventory, evaluates each object with rg::evaluate and
// renders the findings. The pieces are exposed so tests can run them in
// process; add_check_command (commands.h) wires them to CLI11.
#pragma once

#include <iosfwd>
#include <string>
#include <vector>

#include "manifests/documents.h"
#include "policy/finding.h"
#include "server/cli/inputs.h"
#include "server/cli/preflight.h"

namespace rg::cli {

enum class OutputFormat { Text, Json, Sarif, Junit };

struct CheckOptions {
  std::vector<std::string> paths;  // files, directories, "-" for stdin
  std::string policy_file;         // "" = the embedded default policy
  OutputFormat format = OutputFormat::Text;
  LoadLimits limits;
  PreflightOptions preflight;   // preflight.url "" = no live preflight
  bool preflight_fail = false;  // --preflight-fail: a Failed or Error preflight outcome exits 1
  unsigned jobs = 0;            // --jobs: threads reading and parsing files (0: one per core, at most 8)
  // The process exits when run_check returns (the CLI sets it; tests running
  // checks in process do not): the run's documents, inventory and caches are
  // then left for the exit to free instead of being freed one allocation at a
  // time, which took ~12% of a 10k-manifest run on one thread. As compilers
  // do (clang's -disable-free).
  bool exiting = false;
};

// An evaluated object and where its findings are, for renderers that list
// what passed as well as what did not (JUnit).
struct CheckedObject {
  std::string file;  // as named in messages ("<stdin>" for -); "" when unknown
  int line = 0;      // 1-based line where the object starts; 0 when unknown
  std::string kind, ns, name;
  size_t first_finding = 0;  // its findings are report.findings[first_finding, first_finding + finding_count)
  size_t finding_count = 0;
};

struct CheckReport {
  std::vector<Finding> findings;  // input order: file, then object, then catalog order
  std::vector<std::string> inputs;     // every input read or tried, input order, as named in messages
  std::vector<CheckedObject> checked;  // objects evaluated, input order
  std::vector<InputError> errors;
  std::vector<std::string> notes;  // said on stderr, not errors (a directory reached twice)
  int skipped = 0;  // documents not evaluated (not objects, or kinds no rule reads)
  bool preflight_ran = false;               // --prometheus was given
  std::vector<PreflightResult> preflight;   // per metric, input order
  bool preflight_fail = false;              // Failed/Error preflight outcomes count as deny for the exit code
  int deny() const;
  int warn() const;
  int preflight_count(analysis::Outcome o) const;
  // 0: no deny finding, 1: at least one deny (or, with preflight_fail, a
  // Failed or Error preflight outcome), 2: usage or input errors (wins).
  int exit_code() const;
  int objects() const { return static_cast<int>(checked.size()); }  // objects evaluated
};

std::string render_text(const CheckReport& report);
std::string render_json(const CheckReport& report);
std::string render_sarif(const CheckReport& report);
// JUnit XML for CI test reports (GitLab, Jenkins): one <testsuite> per input,
// one <testcase> per (object, rule) with findings and per object without;
// the model is in docs/cli.md ("JUnit output"). Always well-formed UTF-8
// XML 1.0, whatever bytes the input held.
std::string render_junit(const CheckReport& report);

// Runs a whole check: reads inputs (`in` for "-"), evaluates, writes the
// rendered report to `out` and errors to `err`. Returns the exit code. Never throws.
int run_check(const CheckOptions& opts, std::istream& in, std::ostream& out, std::ostream& err);

}  // namespace rg::cli
