#include "policy/finding.h"

namespace rg {

std::string_view action_name(Action a) {
  switch (a) {
    case Action::Deny: return "deny";
    case Action::Warn: return "warn";
    case Action::Off: return "off";
  }
  return "off";
}

bool parse_action(std::string_view s, Action* out) {
  if (s == "deny") { *out = Action::Deny; return true; }
  if (s == "warn") { *out = Action::Warn; return true; }
  if (s == "off") { *out = Action::Off; return true; }
  return false;
}

}  // namespace rg
