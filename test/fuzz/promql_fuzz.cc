// Fuzz target for the PromQL parser and printer (policy/promql): parse never
// crashes; a tree it accepts prints (to_string and pretty) as text that parses
// again to the same tree (positions aside; label matchers are compared as the
// printer writes them), and printing that tree gives the same text.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "policy/promql/parser.h"
#include "policy/promql/printer.h"

namespace {

using namespace rg::promql;

[[noreturn]] void fail(const char* what, std::string_view query, const std::string& printed) {
  std::fprintf(stderr, "promql_fuzz: %s\n  query:   %.*s\n  printed: %s\n", what, static_cast<int>(query.size()),
               query.data(), printed.c_str());
  std::abort();
}

bool same_number(double a, double b) {
  if (std::isnan(a) || std::isnan(b)) return std::isnan(a) && std::isnan(b);
  return a == b && std::signbit(a) == std::signbit(b);
}

// The matchers as the printer writes them: sorted, and without a __name__
// equality matcher that equals the selector's name, which Prometheus' String()
// leaves out (so `{__name__="",a="x"}` prints as `{a="x"}`, as promtool does).
std::vector<std::tuple<std::string, int, std::string>> printed_matchers(const Expr& e) {
  std::vector<std::tuple<std::string, int, std::string>> out;
  for (const LabelMatcher& m : e.matchers) {
    if (m.name == "__name__" && m.type == MatchType::kEqual && m.value == e.name) continue;
    out.emplace_back(m.name, static_cast<int>(m.type), m.value);
  }
  std::sort(out.begin(), out.end());
  return out;
}

// Vector matching as the printer writes it: Prometheus' String() writes
// nothing, not even group_left/right, for ignoring() with no labels (so
// `a - ignoring() group_left c` prints as `a - c`, as promtool does).
bool printed_matching(const std::optional<VectorMatching>& m) {
  return m.has_value() && (m->on || !m->matching_labels.empty());
}

bool same_matching(const std::optional<VectorMatching>& a, const std::optional<VectorMatching>& b) {
  if (printed_matching(a) != printed_matching(b)) return false;
  if (!printed_matching(a)) return true;
  return a->card == b->card && a->on == b->on && a->matching_labels == b->matching_labels && a->include == b->include;
}

bool same_tree(const Expr& a, const Expr& b);

bool same_child(const ExprPtr& a, const ExprPtr& b) {
  if ((a == nullptr) != (b == nullptr)) return false;
  return a == nullptr || same_tree(*a, *b);
}

bool same_tree(const Expr& a, const Expr& b) {
  if (a.kind != b.kind || a.type != b.type || !same_number(a.number, b.number) || a.text != b.text ||
      a.name != b.name || printed_matchers(a) != printed_matchers(b) || a.offset_ms != b.offset_ms ||
      a.at.kind != b.at.kind || a.at.timestamp_ms != b.at.timestamp_ms || a.range_ms != b.range_ms ||
      a.step_ms != b.step_ms || a.op != b.op || a.return_bool != b.return_bool ||
      !same_matching(a.matching, b.matching) || a.grouping != b.grouping || a.without != b.without ||
      a.function != b.function || a.args.size() != b.args.size()) {
    return false;
  }
  if (!same_child(a.lhs, b.lhs) || !same_child(a.rhs, b.rhs) || !same_child(a.expr, b.expr) ||
      !same_child(a.param, b.param)) {
    return false;
  }
  for (size_t i = 0; i < a.args.size(); ++i) {
    if (!same_tree(*a.args[i], *b.args[i])) return false;
  }
  return true;
}

void round_trip(std::string_view query, const Expr& tree, const std::string& printed, const char* printer) {
  ParseResult again = parse(printed);
  if (!again.ok()) fail(printer, query, printed + "\n  error:   " + again.error->message);
  if (!same_tree(tree, *again.expr)) fail("the printed query parses to another tree", query, printed);
  if (to_string(*again.expr) != to_string(tree)) fail("printing the reparsed tree gives other text", query, printed);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view query(reinterpret_cast<const char*>(data), size);
  ParseResult first = parse(query);
  if (!first.ok()) {
    if (!first.error || first.error->message.empty()) fail("refused without an error message", query, "");
    return 0;
  }
  round_trip(query, *first.expr, to_string(*first.expr), "to_string's output does not parse");
  round_trip(query, *first.expr, pretty(*first.expr), "pretty's output does not parse");
  return 0;
}
