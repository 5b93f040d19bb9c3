// Every single rule of the catalog, one per file in policy/rules/. Each file
// defines `const Rule& rule_<area>_<what>()`; single_rules() (rules.cc) lists
// them. The pod-security family is built by policy/pod_security/rules.h.
#pragma once

#include <vector>

#include "policy/rule.h"

namespace rg {

const Rule& rule_policy_exemption_reason();
const Rule& rule_rollout_spec();
const Rule& rule_analysis_spec();

std::vector<Rule> single_rules();

}  // namespace rg
