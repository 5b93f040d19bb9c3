// The pod-security rule family: one catalog Rule per Pod Security Standards
// check ("pod-security/<PSA check id>"), evaluated on Rollout pod templates.
#pragma once

#include <vector>

#include "policy/rule.h"

namespace rg {

std::vector<Rule> pod_security_rules();

}  // namespace rg
