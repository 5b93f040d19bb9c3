// Safe defaults for Rollout pod templates (issue 5), one per rule they satisfy:
// pod securityContext.runAsNonRoot=true and seccompProfile.type=RuntimeDefault,
// container securityContext.allowPrivilegeEscalation=false and
// capabilities.drop gaining "ALL". Only what is absent (or null) is filled;
// a value the user set, even a violating one, is never changed. Windows pods
// get only runAsNonRoot (PSA exempts them from the other three, and the API
// refuses those fields on Windows). A fix runs only when
// ctx.policy.default_pod_security is on and its check is part of the chosen
// PSA level and version.
#pragma once

#include <string_view>
#include <vector>

#include "policy/rule.h"

namespace rg::psa {

// The fix of the rule for PSA check `id`, or nullptr when it has none.
using FixFn = void (*)(json& obj, const Context& ctx, std::vector<FixNote>* notes);
FixFn fix_for(std::string_view check_id);

}  // namespace rg::psa
