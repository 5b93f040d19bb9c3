// `rollout-guard fix`: the mutating defaults (policy/mutation.h) for files.
//
// Reads manifests exactly as `check` does (server/cli/inputs.h), puts every
// object of the run into one inventory, mutates each object and prints the
// defaulted documents (YAML or JSON), the JSON Patches, or a unified diff.
// The pieces are exposed so tests can run them in process.
#pragma once

#include <iosfwd>
#include <string>
#include <vector>

#include "manifests/documents.h"
#include "policy/object.h"

namespace rg::cli {

enum class FixOutput { Yaml, Json, Patch, Diff };

struct FixOptions {
  std::vector<std::string> paths;  // files, directories, "-" for stdin
  std::string policy_file;         // "" = the embedded default policy
  FixOutput output = FixOutput::Yaml;
  LoadLimits limits;
};

// One document as YAML through yaml-cpp's emitter: keys sorted (json order),
// no comments; strings that a YAML 1.1 or 1.2 reader would take for another
// type ("50", "true", "yes", "null", "") are double-quoted, multi-line strings
// use a literal block where that reads back exactly. Ends with a newline.
std::string to_yaml(const json& doc);

// Runs `fix`: writes the output to `out`, notes ("file:line: Kind ns/name:
// set ...") and errors to `err`. Returns 0 when nothing needed defaulting, 1
// when something was defaulted, 2 on input, policy or mutation errors (wins).
// Never throws.
int run_fix(const FixOptions& opts, std::istream& in, std::ostream& out, std::ostream& err);

}  // namespace rg::cli
