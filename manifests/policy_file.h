// Policy files as text -> Policy, for every front end (CLI --policy, webhook).
#pragma once

#include <string_view>

#include "policy/policy.h"
#include "policy/status.h"

namespace rg {

// Reads a policy file's text (YAML or JSON, one document; empty = defaults)
// and parses it. Errors are prefixed with `file` ("policy.yaml:3:1: ..." for
// syntax, "policy.yaml: rules.foo/bar: unknown rule id" for fields). Never throws.
Status load_policy_text(std::string_view text, std::string_view file, Policy* out);

}  // namespace rg
