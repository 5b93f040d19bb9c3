// `rollout-guard rules` and `rollout-guard explain <rule-id>`: the catalog,
// as the core holds it.
#include "server/cli/rules.h"

#include <algorithm>
#include <cctype>
#include <iostream>
#include <memory>
#include <string>

#include "policy/catalog.h"
#include "server/cli/commands.h"

namespace rg::cli {

namespace {

size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t sub = prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, sub});
    }
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

}  // namespace

std::string render_rules_text() {
  size_t width = 0;
  for (const Rule& r : catalog()) width = std::max(width, r.id.size());
  std::string out;
  for (const Rule& r : catalog()) {
    std::string id(r.id);
    id.resize(width, ' ');
    out += id + "  " + std::string(action_name(r.default_action)) + "  " + std::string(r.summary) + "\n";
  }
  return out;
}

std::string render_rules_json() {
  nlohmann::ordered_json rules = nlohmann::ordered_json::array();
  for (const Rule& r : catalog()) {
    nlohmann::ordered_json kinds = nlohmann::ordered_json::array();
    for (std::string_view k : r.kinds) kinds.push_back(k);
    rules.push_back({{"id", r.id},
                     {"action", action_name(r.default_action)},
                     {"summary", r.summary},
                     {"kinds", std::move(kinds)},
                     {"doc", r.doc}});
  }
  return nlohmann::ordered_json{{"rules", std::move(rules)}}.dump(2) + "\n";
}

std::string render_explain(const Rule& r) {
  std::string out = std::string(r.id) + " (default: " + std::string(action_name(r.default_action)) + ")\n";
  out += std::string(r.summary) + "\n";
  if (!r.kinds.empty()) {
    out += "Reads: ";
    for (size_t i = 0; i < r.kinds.size(); ++i) out += (i ? ", " : "") + std::string(r.kinds[i]);
    out += "\n";
  }
  out += "\n" + std::string(r.doc) + "\n";
  return out;
}

std::vector<std::string> close_rule_ids(std::string_view id) {
  std::string want = lower(id);
  std::vector<std::pair<size_t, std::string>> scored;
  for (const Rule& r : catalog()) {
    std::string have = lower(r.id);
    std::string_view tail = have;
    if (auto slash = tail.rfind('/'); slash != std::string_view::npos) tail = tail.substr(slash + 1);
    size_t d = std::min(edit_distance(want, have), edit_distance(want, tail));
    bool contains = !want.empty() && (have.find(want) != std::string::npos || want.find(tail) != std::string::npos);
    if (contains) d = std::min<size_t>(d, 1);
    if (d <= std::max<size_t>(2, want.size() / 4)) scored.push_back({d, std::string(r.id)});
  }
  std::stable_sort(scored.begin(), scored.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<std::string> out;
  for (auto& [d, s] : scored) {
    if (out.size() == 8) break;
    out.push_back(std::move(s));
  }
  return out;
}

void add_rules_commands(CLI::App& app, int* exit_code) {
  auto format = std::make_shared<std::string>("text");
  CLI::App* rules = app.add_subcommand("rules", "List the rule catalog: id, default action, summary");
  rules->add_option("-o,--output", *format, "Output format: text or json")->check(CLI::IsMember({"text", "json"}));
  rules->callback([format, exit_code] {
    std::cout << (*format == "json" ? render_rules_json() : render_rules_text());
    *exit_code = 0;
  });

  auto id = std::make_shared<std::string>();
  CLI::App* explain = app.add_subcommand("explain", "Print a rule's documentation");
  explain->add_option("rule-id", *id, "Rule id, as listed by `rollout-guard rules`")->required();
  explain->callback([id, exit_code] {
    if (const Rule* r = find_rule(*id)) {
      std::cout << render_explain(*r);
      *exit_code = 0;
      return;
    }
    std::cerr << "rollout-guard explain: unknown rule id \"" << *id << "\"";
    std::vector<std::string> close = close_rule_ids(*id);
    if (!close.empty()) {
      std::cerr << "; did you mean:\n";
      for (const std::string& c : close) std::cerr << "  " << c << "\n";
    } else {
      std::cerr << " (see `rollout-guard rules`)\n";
    }
    *exit_code = 2;
  });
}

}  // namespace rg::cli
