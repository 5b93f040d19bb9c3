#include "policy/rules/rules.h"

namespace rg {

std::vector<Rule> single_rules() {
  return {
      rule_policy_exemption_reason(),
      rule_rollout_spec(),
      rule_analysis_spec(),
  };
}

}  // namespace rg
