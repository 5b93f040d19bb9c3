#include "policy/pod_security/rules.h"

namespace rg {

// Placeholder until the PSA checks land (replaced by the pod-security work).
std::vector<Rule> pod_security_rules() { return {}; }

}  // namespace rg
