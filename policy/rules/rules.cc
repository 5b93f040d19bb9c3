#include "policy/rules/rules.h"

namespace rg {

std::vector<Rule> single_rules() {
  return {
      rule_policy_exemption_reason(),
  };
}

}  // namespace rg
