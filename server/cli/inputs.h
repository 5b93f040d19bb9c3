// Reading the manifests and the policy a file command (check, fix) was given:
// PATH arguments (files, directories walked recursively in sorted order, "-"
// for stdin) into loaded objects, and --policy into a Policy. Shared so every
// file front end reads its input the same way; the parsing itself is the
// core's (manifests/documents.h, policy/policy.h).
#pragma once

#include <iosfwd>
#include <string>
#include <vector>

#include "manifests/documents.h"
#include "policy/policy.h"

namespace rg::cli {

// An input's error: the loader's own (with line and column), or one about a
// whole file or directory (line 0). str() is what is printed:
// "file:line:col: message" or "path: message".
using InputError = LoadError;

// One input as named on the command line or found in a directory.
struct Input {
  std::string name;  // as shown in messages ("<stdin>" for -)
  std::string path;  // "" for stdin
};

// PATH arguments -> inputs, in argument order (directories sorted inside,
// only *.yaml, *.yml, *.json; an explicit file whatever its extension).
// Missing paths and unreadable directories go to *errors; a directory reached
// twice (symlink loop) to *notes.
std::vector<Input> expand_inputs(const std::vector<std::string>& paths, std::vector<InputError>* errors,
                                 std::vector<std::string>* notes);

// Reads one input (stdin from `stdin_stream`), refusing more than max_bytes.
bool read_input(const Input& input, std::istream& stdin_stream, size_t max_bytes, std::string* text,
                std::vector<InputError>* errors);

// How large a --policy file the long-running commands (serve, reconcile)
// accept; check and fix use their --max-bytes limit.
inline constexpr size_t kMaxPolicyFileBytes = 16u << 20;

// --policy: "" = the embedded default policy. On failure *error names the
// file and field; reading the policy from stdin is refused.
bool load_policy_file(const std::string& file, size_t max_bytes, Policy* policy, std::string* error);

// The objects of one input, in document order.
struct LoadedFile {
  std::string name;
  std::vector<Object> objects;
  int skipped = 0;      // documents that are not Kubernetes objects
  bool failed = false;  // unreadable, too large or a syntax error (objects before the error are kept)
};

struct LoadedInputs {
  std::vector<LoadedFile> files;   // input order
  std::vector<InputError> errors;  // in the order met
  std::vector<std::string> notes;
  int skipped = 0;
};

// expand_inputs + read_input + load_documents for every PATH. Never throws
// for bad input (errors are collected). Files are read and parsed by `jobs`
// threads (0: one per core, at most 8); results, errors included, keep the
// input order, so the output does not depend on `jobs`.
LoadedInputs load_inputs(const std::vector<std::string>& paths, std::istream& stdin_stream, const LoadLimits& limits,
                         unsigned jobs = 0);

}  // namespace rg::cli
