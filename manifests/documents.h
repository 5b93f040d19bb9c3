// Reading manifests: text (YAML or JSON, one or many documents) into Objects
// that remember their file and starting line. Pure: the caller reads the
// bytes; this never touches the file system.
//
// - Scalars and keys mean what kubectl would send: YAML 1.1 as go-yaml v2
//   resolves it, converted to JSON (yaml_scalars.h).
// - Multi-document YAML ("---"), JSON (an object or an array of objects), and
//   `kind: List` / `*List` with `items` (each item becomes an object).
// - Documents that are not mappings, or have no apiVersion/kind, are counted
//   as skipped, not errors.
// - Syntax errors are reported as "file:line:col: message"; documents before
//   the error are kept.
// - Bounded: input size, nesting depth, node count and the text aliases add
//   (alias expansion) are limited, with a clear error instead of a crash.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "policy/object.h"

namespace rg {

struct LoadLimits {
  size_t max_bytes = 64u << 20;     // per input
  int max_depth = 200;              // nested mappings/sequences
  size_t max_nodes = 5'000'000;     // after alias expansion, per input
  // The text (scalar and key bytes) that alias expansion may add, per input:
  // expansion_ratio times the input's size, at least expanded_bytes_floor,
  // at most max_expanded_bytes. One alias of a 1 MiB scalar adds 1 MiB.
  size_t expansion_ratio = 10;
  size_t expanded_bytes_floor = 1u << 20;
  size_t max_expanded_bytes = 128u << 20;
};

struct LoadError {
  std::string file;
  int line = 0;    // 1-based, 0 when unknown
  int column = 0;  // 1-based, 0 when unknown
  std::string message;
  std::string str() const;  // "file:line:col: message"
};

struct LoadResult {
  std::vector<Object> objects;
  std::vector<LoadError> errors;
  int skipped = 0;  // documents that are not Kubernetes objects
};

LoadResult load_documents(std::string_view text, std::string_view file, const LoadLimits& limits = {});

// Parses exactly one YAML/JSON document into json (for policy files). Errors
// are returned in *error as "file:line:col: message".
bool parse_single_document(std::string_view text, std::string_view file, json* out, std::string* error,
                           const LoadLimits& limits = {});

}  // namespace rg
