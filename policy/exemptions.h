// Exemption annotations: an object annotated
//   rollout-guard.io/exempt: "<rule-id>[,<rule-id>...]"   (ids or families "area/*")
//   rollout-guard.io/exempt-reason: "<text>"
// asks for those rules' deny findings to be downgraded to warnings that quote
// the reason. The policy decides which rules an annotation may exempt
// (`exemptions:`, Policy::annotation_may_exempt); for any other rule the
// annotation is ignored. An exemption without a reason is itself a finding
// (policy/exemption-reason), and so is one the policy does not allow
// (policy/exemption-not-allowed).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "policy/object.h"
#include "policy/policy.h"

namespace rg {

inline constexpr std::string_view kExemptAnnotation = "rollout-guard.io/exempt";
inline constexpr std::string_view kExemptReasonAnnotation = "rollout-guard.io/exempt-reason";

// What the annotation does for one rule under a policy.
enum class Exemption {
  NotAsked,  // the annotation does not list the rule
  Granted,   // listed, and the policy lets annotations exempt it
  Refused,   // listed, but the policy does not: the annotation is ignored for it
};

struct Exemptions {
  std::vector<std::string> rules;  // as written, trimmed, empty entries dropped
  std::string reason;              // trimmed; "" when absent
  // Whether the annotation lists rule_id (by id or family), whatever the policy says.
  bool asks(std::string_view rule_id) const;
  // The decision for rule_id under `policy`. A granted exemption downgrades
  // deny findings only when `reason` is set (evaluate()); the mutating
  // defaults skip a granted rule with or without a reason.
  Exemption decide(std::string_view rule_id, const Policy& policy) const;
};

Exemptions read_exemptions(const json& doc);

// Why the policy refuses an exemption, naming the setting:
// "the policy sets exemptions.annotations: false" or
// "the policy's exemptions.rules does not list it".
std::string refusal_reason(const Policy& policy);

}  // namespace rg
