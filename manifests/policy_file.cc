#include "manifests/policy_file.h"

#include <string>

#include "manifests/documents.h"

namespace rg {

Status load_policy_text(std::string_view text, std::string_view file, Policy* out) {
  json doc;
  std::string error;
  if (!parse_single_document(text, file, &doc, &error)) return Status::Error(error);
  Status st = parse_policy(doc, out);
  if (!st.ok()) return Status::Error(std::string(file) + ": " + st.message());
  return st;
}

}  // namespace rg
