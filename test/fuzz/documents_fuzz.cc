// Fuzz target for manifest loading (manifests/documents.h): YAML and JSON text,
// one or many documents, under small limits so that the fuzzer reaches them.
// Never crashes or throws; every error names the file and says what is wrong;
// every object it returns is a mapping with apiVersion and kind. The same
// bytes through parse_single_document (the policy file's reader) likewise.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "manifests/documents.h"

namespace {

[[noreturn]] void fail(const char* what, const std::string& detail) {
  std::fprintf(stderr, "documents_fuzz: %s: %s\n", what, detail.c_str());
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  rg::LoadLimits limits;
  limits.max_bytes = 1 << 20;
  limits.max_depth = 64;
  limits.max_nodes = 20'000;

  rg::LoadResult r = rg::load_documents(text, "in.yaml", limits);
  for (const rg::LoadError& e : r.errors) {
    if (e.file != "in.yaml" || e.message.empty() || e.line < 0 || e.column < 0) fail("error without place or message", e.str());
    if (e.str().rfind("in.yaml", 0) != 0) fail("error text does not start with the file", e.str());
  }
  for (const rg::Object& o : r.objects) {
    if (o.api_version().empty() || o.kind().empty()) fail("object without apiVersion or kind", std::string(o.kind()));
  }
  if (r.skipped < 0) fail("negative skipped count", std::to_string(r.skipped));

  rg::json doc;
  std::string error;
  if (!rg::parse_single_document(text, "in.yaml", &doc, &error, limits)) {
    if (error.rfind("in.yaml", 0) != 0) fail("single-document error does not start with the file", error);
  }
  return 0;
}
