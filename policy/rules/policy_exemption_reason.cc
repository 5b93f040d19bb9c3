// policy/exemption-reason
//
// An exemption must say why. An object that lists rules in
// rollout-guard.io/exempt without a rollout-guard.io/exempt-reason, or that
// names a rule id the catalog does not know, gets a finding: exemptions are
// reviewed by people, and an exemption nobody can explain is not reviewable.
#include "policy/exemptions.h"
#include "policy/messages.h"
#include "policy/rules/rules.h"

namespace rg {

namespace {

std::vector<Finding> check(const Object& obj, const Context&) {
  std::vector<Finding> out;
  Exemptions ex = read_exemptions(obj.doc);
  if (ex.rules.empty()) return out;
  const std::string path = "metadata.annotations[" + quote(kExemptAnnotation) + "]";
  if (ex.reason.empty()) {
    Finding f;
    f.path = "metadata.annotations[" + quote(kExemptReasonAnnotation) + "]";
    f.message = object_ref(obj) + " is exempt from " + join_quote(ex.rules) + " without a reason";
    f.hint = "add the annotation " + std::string(kExemptReasonAnnotation) +
             ": \"<why this object may break the rule, and until when>\"";
    out.push_back(std::move(f));
  }
  for (const std::string& id : ex.rules) {
    if (rule_pattern_known(id)) continue;
    Finding f;
    f.path = path;
    f.message = object_ref(obj) + " is exempt from unknown rule " + quote(id);
    f.hint = "use a rule id listed by `rollout-guard rules`, or a family such as \"pod-security/*\"";
    out.push_back(std::move(f));
  }
  return out;
}

}  // namespace

const Rule& rule_policy_exemption_reason() {
  static const Rule r{
      .id = "policy/exemption-reason",
      .default_action = Action::Deny,
      .summary = "an exemption annotation needs a reason and known rule ids",
      .doc = "Objects may opt out of rules with the annotation rollout-guard.io/exempt: \"<rule-id>[,<rule-id>]\". "
             "The exempted deny findings become warnings that quote rollout-guard.io/exempt-reason. "
             "An exemption without a reason, or naming a rule id the catalog does not know, is denied: "
             "an exemption is a reviewed decision, and a reviewer needs to know why and for which rules. "
             "Which rules an annotation may exempt at all is the policy's choice (exemptions.rules; not "
             "pod-security/* by default): see policy/exemption-not-allowed.",
      .kinds = {"*"},
      .check = check,
  };
  return r;
}

}  // namespace rg
