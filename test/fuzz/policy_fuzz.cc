// Fuzz target for the policy file loader (policy/policy.h): any text gives a
// Policy or an error naming the file, never a crash or an exception.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "manifests/policy_file.h"
#include "policy/policy.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  rg::Policy policy;
  const rg::Status s = rg::load_policy_text(text, "policy.yaml", &policy);
  if (!s.ok() && s.message().rfind("policy.yaml", 0) != 0) {
    std::fprintf(stderr, "policy_fuzz: error does not name the file: %s\n", s.message().c_str());
    std::abort();
  }
  return 0;
}
