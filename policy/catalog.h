// The catalog: every rule, in a stable order, and the one evaluation flow.
#pragma once

#include <string_view>
#include <vector>

#include "policy/rule.h"

namespace rg {

// Every rule, sorted by id. Validated once (unique ids, known actions).
const std::vector<Rule>& catalog();
// nullptr when no rule has that id.
const Rule* find_rule(std::string_view id);
// Kinds at least one rule reads ("Rollout", "AnalysisTemplate", ...).
bool kind_is_read(std::string_view kind);

// Evaluates every rule that reads obj's kind, applies policy modes (off,
// deny/warn overrides), exemption annotations and the namespace mode, and
// fills each finding's rule id, action, object reference and location.
// Findings come in catalog order, deny before warn. Never throws.
std::vector<Finding> evaluate(const Object& obj, const Context& ctx);

// Applies the enabled default fixes of every rule that reads obj's kind to a
// copy and returns it, with notes of what was set. Never throws.
json apply_fixes(const Object& obj, const Context& ctx, std::vector<FixNote>* notes);

}  // namespace rg
