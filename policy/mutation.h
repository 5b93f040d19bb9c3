// Mutating defaults (issue 5): one object in, the defaulted object, the RFC
// 6902 JSON Patch that turns the one into the other, and what was set, out.
// Shared by the webhook's /mutate, `rollout-guard fix` and the benchmarks, so
// all three default exactly the same fields.
//
// The defaults themselves are the rules' fixes (Rule::fix), run with the
// same gates and order as apply_fixes() (kind read, rule not off, namespace
// not off) but on a single copy: a fix fills only what is absent and never
// overwrites a value the user set. If any fix throws, the whole mutation
// fails (error set, empty patch) rather than half-apply. On top of that, a rule
// the object is exempt from (rollout-guard.io/exempt annotation, with or
// without a reason, for a rule the policy lets annotations exempt) is not
// defaulted: the team asked for that rule to stay out of their way, and
// filling e.g. runAsNonRoot would break the very pods they exempted. An
// exemption the policy refuses changes nothing: the rule is defaulted.
//
// Pure: no I/O, no clocks, no logging. Never throws.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "policy/object.h"
#include "policy/rule.h"

namespace rg {

struct MutationResult {
  json object;                        // the defaulted object; the input when nothing changed or on error
  json patch = json::array();         // RFC 6902 operations (add/replace only); [] when nothing changed
  std::vector<FixNote> notes;         // what was set, in catalog order
  std::vector<std::string> warnings;  // notes' messages ("set spec.template.spec...=RuntimeDefault")
  std::string error;                  // "" on success; on failure patch is [] and object the input
  bool changed() const { return !patch.empty(); }

  MutationResult() = default;
  MutationResult(const MutationResult&) = default;
  MutationResult(MutationResult&&) = default;
  MutationResult& operator=(const MutationResult&) = default;
  MutationResult& operator=(MutationResult&&) = default;
  ~MutationResult() {  // the object is a whole document: the faster way (policy/object.h)
    dispose(&object);
    dispose(&patch);
  }
};

// Applies every enabled default to a copy of obj.doc and computes the patch.
// Mutating an already-mutated object yields an empty patch (idempotent).
MutationResult mutate(const Object& obj, const Context& ctx);

// A minimal RFC 6902 patch from `from` to `to`: `add` for keys or array
// elements that `to` has in addition, `replace` for changed values (and a
// null that became an object), `remove` for what `to` lacks (never produced
// by the defaults, but keeps the function total). Array elements are
// addressed by index. Applying it with nlohmann's json::patch gives `to`.
json json_patch(const json& from, const json& to);

// One reference token of a JSON Pointer (RFC 6901): "~" -> "~0", "/" -> "~1"
// ("app.kubernetes.io/name" -> "app.kubernetes.io~1name").
std::string pointer_escape(std::string_view token);

}  // namespace rg
