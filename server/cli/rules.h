// `rollout-guard rules` / `explain`: catalog renderers, exposed for tests.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "policy/rule.h"

namespace rg::cli {

std::string render_rules_text();  // one line per rule: id, default action, summary
std::string render_rules_json();  // {"rules":[{"id","action","summary","kinds","doc"}]}
std::string render_rules_markdown();  // docs/rules.md: a table, then each rule's doc
std::string render_explain(const Rule& rule);
// Catalog ids close to `id` (typos, a missing family prefix), best first; at most 8.
std::vector<std::string> close_rule_ids(std::string_view id);

}  // namespace rg::cli
