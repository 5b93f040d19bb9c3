// A finding: one thing a rule has to say about one object.
#pragma once

#include <string>
#include <string_view>

namespace rg {

enum class Action { Deny, Warn, Off };

std::string_view action_name(Action a);  // "deny", "warn", "off"
// Parses "deny" / "warn" / "off"; returns false on anything else.
bool parse_action(std::string_view s, Action* out);

struct Finding {
  std::string rule;     // "pod-security/runAsNonRoot"
  Action action = Action::Deny;
  // The object it is about. Filled by evaluate() from the object; a rule only
  // sets them when the finding is about another object (found through the
  // inventory, so evaluate() treats the finding as cross-object).
  std::string api_version, kind, ns, name;
  std::string path;     // "spec.template.spec.containers[0].securityContext"
  std::string message;  // what is wrong
  std::string hint;     // the smallest change that fixes it
  // Set by a rule whose warning becomes a denial for this object (for example
  // a Rollout labelled tier critical); evaluate() then raises warn to deny.
  // Escalation is cross-object knowledge: with an incomplete inventory it
  // stays a warning that says why.
  bool escalate = false;
  std::string file;     // source file when known
  int line = 0;         // 1-based line of the object when known
};

}  // namespace rg
