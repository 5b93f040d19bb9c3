// policy/exemption-not-allowed
//
// The policy decides which rules the rollout-guard.io/exempt annotation may
// exempt (exemptions.rules, exemptions.annotations). An object that asks for
// an exemption the policy does not allow gets that exemption ignored (its
// deny findings stay denials, evaluate() notes why) and this warning, which
// names the setting and how an admin allows it. Unknown rule ids in the
// annotation are policy/exemption-reason's.
#include "policy/catalog.h"
#include "policy/exemptions.h"
#include "policy/messages.h"
#include "policy/rules/rules.h"

namespace rg {

namespace {

Finding ignored(const Object& obj, const std::string& what, const std::string& why, const std::string& hint) {
  Finding f;
  f.path = "metadata.annotations[" + quote(kExemptAnnotation) + "]";
  f.message = object_ref(obj) + " asks to be exempt from " + what + ", but " + why;
  f.hint = hint;
  return f;
}

std::vector<Finding> check(const Object& obj, const Context& ctx) {
  std::vector<Finding> out;
  Exemptions ex = read_exemptions(obj.doc);
  std::vector<std::string> known;
  for (const std::string& pattern : ex.rules) {
    if (rule_pattern_known(pattern)) known.push_back(pattern);
  }
  if (known.empty()) return out;
  if (!ctx.policy.exemption_annotations) {
    out.push_back(ignored(obj, join_quote(known), refusal_reason(ctx.policy) + ": the annotation is ignored",
                          "make the object pass " + std::string(pluralize("that rule", "those rules", known.size())) +
                              "; exemptions by annotation are switched off in the rollout-guard policy, and only "
                              "an admin can switch them on (exemptions.annotations: true)"));
    return out;
  }
  for (const std::string& pattern : known) {
    std::vector<std::string> refused;
    size_t asked = 0;
    for (const Rule& r : catalog()) {
      if (!rule_pattern_matches(pattern, r.id)) continue;
      ++asked;
      if (ex.decide(r.id, ctx.policy) == Exemption::Refused) refused.emplace_back(r.id);
    }
    if (refused.empty()) continue;
    const std::string why = refused.size() == asked
                                ? refusal_reason(ctx.policy) + ": the exemption is ignored"
                                : "the policy's exemptions.rules does not list " + join_quote(refused) +
                                      ": the exemption is ignored for those rules";
    out.push_back(ignored(obj, quote(pattern), why,
                          "make the object pass the rule; to allow this exemption, an admin adds " + quote(pattern) +
                              " to exemptions.rules in the rollout-guard policy"));
  }
  return out;
}

}  // namespace

const Rule& rule_policy_exemption_not_allowed() {
  static const Rule r{
      .id = "policy/exemption-not-allowed",
      .default_action = Action::Warn,
      .summary = "an exemption annotation names a rule the policy does not let annotations exempt",
      .doc = "An object asks to be exempt from rules with the annotation rollout-guard.io/exempt, but the policy "
             "decides which rules an annotation may exempt: exemptions.rules lists them by id or family "
             "(\"analysis/*\"), and exemptions.annotations: false allows none. By default every rule may be "
             "exempted except pod-security/*: the Pod Security Standard protects the nodes and the other "
             "workloads, and an annotation is written by whoever writes the object, so lifting it is a cluster "
             "admin's decision. An exemption the policy does not allow is ignored: the rule's deny findings stay "
             "denials and say that the annotation does not apply, and this rule reports the annotation. Fix: make "
             "the object pass the rule and remove it from the annotation, or ask an admin to add it to "
             "exemptions.rules in the policy.",
      .kinds = {"*"},
      .check = check,
  };
  return r;
}

}  // namespace rg
