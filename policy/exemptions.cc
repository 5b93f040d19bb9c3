#include "policy/exemptions.h"

namespace rg {

namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\n')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\n')) s.remove_suffix(1);
  return s;
}

}  // namespace

bool Exemptions::covers(std::string_view rule_id) const {
  for (const std::string& r : rules) {
    if (r == rule_id) return true;
    if (r.size() >= 2 && r.compare(r.size() - 2, 2, "/*") == 0 &&
        rule_id.substr(0, r.size() - 1) == std::string_view(r).substr(0, r.size() - 1)) {
      return true;
    }
  }
  return false;
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

}  // namespace rg
