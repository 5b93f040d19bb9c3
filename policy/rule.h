// Rule: one entry of the catalog. A rule is a stable id, a default action, a
// one-line summary, a doc paragraph, the kinds it reads, a pure check and,
// where safe, a default fix. Rules live one per file in policy/rules/ and are
// listed in policy/catalog.cc, the only place that knows them all.
#pragma once

#include <string_view>
#include <vector>

#include "policy/finding.h"
#include "policy/inventory.h"
#include "policy/object.h"
#include "policy/policy.h"

namespace rg {

struct Context {
  const Policy& policy;
  const Inventory& inventory;
};

// What a fix did, for warnings ("set spec.template.spec.securityContext.runAsNonRoot=true").
struct FixNote {
  std::string path;     // JSON-ish field path, as in findings
  std::string message;  // "set <path>=<value>"
};

struct Rule {
  std::string_view id;       // "area/what"; also the file name and the doc anchor
  Action default_action;     // Deny or Warn
  std::string_view summary;  // one line
  std::string_view doc;      // a paragraph: what, why, how to fix
  std::vector<std::string_view> kinds;  // kinds it reads ("Rollout", ...)
  // Returns findings with path, message and hint set; evaluate() fills rule,
  // action, object reference and location. Must not throw on any input.
  std::vector<Finding> (*check)(const Object&, const Context&) = nullptr;
  // Applies the rule's safe default to `obj` in place; appends what it did.
  // Never overwrites a value the user set. nullptr when the rule has no fix.
  void (*fix)(json& obj, const Context&, std::vector<FixNote>*) = nullptr;
};

}  // namespace rg
