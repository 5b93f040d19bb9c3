// Rule: one entry of the catalog. A rule is a stable id, a default action, a
// one-line summary, a doc paragraph, the kinds it reads, a pure check and,
// where safe, a default fix. Rules live one per file in policy/rules/ and are
// listed in policy/catalog.cc, the only place that knows them all.
#pragma once

#include <optional>
#include <string_view>
#include <vector>

#include "policy/finding.h"
#include "policy/inventory.h"
#include "policy/object.h"
#include "policy/policy.h"

namespace rg {

class EvalCache;

struct Context {
  const Policy& policy;
  const Inventory& inventory;
  // The mode of the evaluated object's namespace when the adapter knows it
  // from the Namespace itself (the webhook with --inventory=cluster reads its
  // rollout-guard.io/enforce label). It wins over the policy's `namespaces:`
  // entry (exact or "*"); nullopt leaves the policy's choice.
  std::optional<NamespaceMode> namespace_mode = std::nullopt;
  // Memoized work shared by the rules (policy/eval_cache.h). evaluate() makes
  // one per call when null; the CLI passes one for its whole run.
  EvalCache* cache = nullptr;

  // The mode for the evaluated object's namespace `ns`: the override, else
  // the policy's.
  NamespaceMode mode_for(std::string_view ns) const {
    return namespace_mode ? *namespace_mode : policy.namespace_mode(ns);
  }
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
  // True when its findings exist only through other objects (ctx.inventory):
  // an autoscaler's target replaced by a Rollout, a missing template. While
  // the inventory is incomplete (ctx.inventory.complete() false: no cluster
  // cache, a stale one) evaluate() turns its deny findings into warnings that
  // say why. Findings a rule reports about another object (it sets
  // Finding::kind) and escalations count as cross-object too.
  bool cross_object = false;
  // Returns findings with path, message and hint set; evaluate() fills rule,
  // action, object reference and location. Must not throw on any input.
  std::vector<Finding> (*check)(const Object&, const Context&) = nullptr;
  // Applies the rule's safe default to `obj` in place; appends what it did.
  // Never overwrites a value the user set. nullptr when the rule has no fix.
  void (*fix)(json& obj, const Context&, std::vector<FixNote>*) = nullptr;
};

}  // namespace rg
