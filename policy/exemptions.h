// Exemption annotations: an object annotated
//   rollout-guard.io/exempt: "<rule-id>[,<rule-id>...]"   (ids or families "area/*")
//   rollout-guard.io/exempt-reason: "<text>"
// has those rules' deny findings downgraded to warnings that quote the reason.
// An exemption without a reason is itself a finding (policy/exemption-reason).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "policy/object.h"

namespace rg {

inline constexpr std::string_view kExemptAnnotation = "rollout-guard.io/exempt";
inline constexpr std::string_view kExemptReasonAnnotation = "rollout-guard.io/exempt-reason";

struct Exemptions {
  std::vector<std::string> rules;  // as written, trimmed, empty entries dropped
  std::string reason;              // trimmed; "" when absent
  bool covers(std::string_view rule_id) const;
};

Exemptions read_exemptions(const json& doc);

}  // namespace rg
