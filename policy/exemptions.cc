// Reading the exemption annotations and deciding them against the policy.
#include "policy/exemptions.h"

namespace rg {

namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\n')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\n')) s.remove_suffix(1);
  return s;
}

}  // namespace

bool Exemptions::asks(std::string_view rule_id) const {
  for (const std::string& pattern : rules) {
    if (rule_pattern_matches(pattern, rule_id)) return true;
  }
  return false;
}

Exemption Exemptions::decide(std::string_view rule_id, const Policy& policy) const {
  if (!asks(rule_id)) return Exemption::NotAsked;
  return policy.annotation_may_exempt(rule_id) ? Exemption::Granted : Exemption::Refused;
}

Exemptions read_exemptions(const json& doc) {
  Exemptions ex;
  std::string_view list = annotation(doc, kExemptAnnotation);
  while (!list.empty()) {
    size_t comma = list.find(',');
    std::string_view item = trim(list.substr(0, comma));
    if (!item.empty()) ex.rules.emplace_back(item);
    if (comma == std::string_view::npos) break;
    list.remove_prefix(comma + 1);
  }
  ex.reason = std::string(trim(annotation(doc, kExemptReasonAnnotation)));
  return ex;
}

std::string refusal_reason(const Policy& policy) {
  if (!policy.exemption_annotations) return "the policy sets exemptions.annotations: false";
  return "the policy's exemptions.rules does not list it";
}

}  // namespace rg
