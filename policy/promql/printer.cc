// Canonical printing, following the behaviour of Prometheus 2.42's
// promql/parser/printer.go (String) and prettier.go (Pretty).
#include "policy/promql/printer.h"

#include <algorithm>
#include <cstdio>
#include <vector>

#include "policy/promql/parser.h"
#include "policy/promql/quote.h"

namespace rg::promql {
namespace {

constexpr size_t kMaxLine = 100;

std::string join(const std::vector<std::string>& v, const char* sep) {
  std::string out;
  for (size_t i = 0; i < v.size(); ++i) {
    if (i) out += sep;
    out += v[i];
  }
  return out;
}

std::string at_string(const AtModifier& at) {
  switch (at.kind) {
    case AtKind::kNone: return "";
    case AtKind::kStart: return " @ start()";
    case AtKind::kEnd: return " @ end()";
    case AtKind::kTimestamp: {
      char buf[64];
      std::snprintf(buf, sizeof buf, " @ %.3f", static_cast<double>(at.timestamp_ms) / 1000.0);
      return buf;
    }
  }
  return "";
}

std::string offset_string(int64_t ms) {
  if (ms > 0) return " offset " + format_duration(ms);
  if (ms < 0) return " offset -" + format_duration(-ms);
  return "";
}

std::string selector_string(const Expr& e, bool with_modifiers) {
  std::vector<std::string> labels;
  labels.reserve(e.matchers.size());
  for (const LabelMatcher& m : e.matchers) {
    if (m.name == "__name__" && m.type == MatchType::kEqual && m.value == e.name) continue;
    labels.push_back(m.name + match_type_name(m.type) + go_quote(m.value));
  }
  std::string out = e.name;
  if (!labels.empty()) {
    std::sort(labels.begin(), labels.end());
    out += "{" + join(labels, ",") + "}";
  }
  if (with_modifiers) out += at_string(e.at) + offset_string(e.offset_ms);
  return out;
}

std::string agg_op_string(const Expr& e) {
  std::string s = op_name(e.op);
  if (e.without) {
    s += " without (" + join(e.grouping, ", ") + ") ";
  } else if (!e.grouping.empty()) {
    s += " by (" + join(e.grouping, ", ") + ") ";
  }
  return s;
}

std::string matching_string(const Expr& e) {
  if (!e.matching) return "";
  const VectorMatching& vm = *e.matching;
  if (vm.matching_labels.empty() && !vm.on) return "";
  std::string s = std::string(" ") + (vm.on ? "on" : "ignoring") + " (" + join(vm.matching_labels, ", ") + ")";
  if (vm.card == Cardinality::kManyToOne || vm.card == Cardinality::kOneToMany) {
    s += std::string(" group_") + (vm.card == Cardinality::kManyToOne ? "left" : "right") + " (" +
         join(vm.include, ", ") + ")";
  }
  return s;
}

std::string subquery_suffix(const Expr& e) {
  std::string step = e.step_ms != 0 ? format_duration(e.step_ms) : "";
  return "[" + format_duration(e.range_ms) + ":" + step + "]" + at_string(e.at) + offset_string(e.offset_ms);
}

std::string indent(int level) { return std::string(static_cast<size_t>(level) * 2, ' '); }

std::string pretty_at(const Expr& e, int level);

bool needs_split(const Expr& e) { return to_string(e).size() > kMaxLine; }

// The left operand of a binary expression. "+Inf ^ 2" would parse as
// +(Inf ^ 2), since '^' binds tighter than a sign: as a base, +Inf is
// written "Inf", which is the same number.
std::string lhs_string(const Expr& binary) {
  std::string lhs = to_string(*binary.lhs);
  if (binary.op == Op::kPow && binary.lhs->kind == Kind::kNumberLiteral && lhs == "+Inf") return "Inf";
  return lhs;
}

std::string pretty_at(const Expr& e, int level) {
  switch (e.kind) {
    case Kind::kAggregate: {
      std::string s = indent(level);
      if (!needs_split(e)) return s + to_string(e);
      s += agg_op_string(e) + "(\n";
      if (e.param) s += pretty_at(*e.param, level + 1) + ",\n";
      s += pretty_at(*e.expr, level + 1) + "\n" + indent(level) + ")";
      return s;
    }
    case Kind::kBinary: {
      if (!needs_split(e)) return indent(level) + to_string(e);
      std::string op = op_name(e.op);
      if (e.return_bool) op += " bool";
      op += matching_string(e);
      const std::string lhs = e.lhs->kind == Kind::kNumberLiteral ? indent(level + 1) + lhs_string(e)
                                                                    : pretty_at(*e.lhs, level + 1);
      return lhs + "\n" + indent(level) + op + "\n" + pretty_at(*e.rhs, level + 1);
    }
    case Kind::kCall: {
      std::string s = indent(level);
      if (!needs_split(e)) return s + to_string(e);
      s += e.text + "(\n";
      for (size_t i = 0; i < e.args.size(); ++i) {
        if (i) s += ",\n";
        s += pretty_at(*e.args[i], level + 1);
      }
      s += "\n" + indent(level) + ")";
      return s;
    }
    case Kind::kParen: {
      std::string s = indent(level);
      if (!needs_split(e)) return s + to_string(e);
      return s + "(\n" + pretty_at(*e.expr, level + 1) + "\n" + indent(level) + ")";
    }
    case Kind::kSubquery:
      // Prometheus 2.42 does not indent an unsplit subquery.
      if (!needs_split(e)) return to_string(e);
      return pretty_at(*e.expr, level) + subquery_suffix(e);
    case Kind::kUnary: {
      std::string child = pretty_at(*e.expr, level);
      size_t b = child.find_first_not_of(" \t\n\r");
      size_t en = child.find_last_not_of(" \t\n\r");
      child = b == std::string::npos ? "" : child.substr(b, en - b + 1);
      return indent(level) + op_name(e.op) + child;
    }
    case Kind::kMatrixSelector:
    case Kind::kVectorSelector:
    case Kind::kNumberLiteral:
    case Kind::kStringLiteral:
      return indent(level) + to_string(e);
  }
  return "";
}

}  // namespace

std::string to_string(const Expr& e) {
  switch (e.kind) {
    case Kind::kNumberLiteral:
      return format_float(e.number);
    case Kind::kStringLiteral:
      return go_quote(e.text);
    case Kind::kVectorSelector:
      return selector_string(e, true);
    case Kind::kMatrixSelector: {
      const Expr& vs = *e.expr;
      std::string inner = vs.kind == Kind::kVectorSelector ? selector_string(vs, false) : to_string(vs);
      std::string out = inner + "[" + format_duration(e.range_ms) + "]";
      if (vs.kind == Kind::kVectorSelector) out += at_string(vs.at) + offset_string(vs.offset_ms);
      return out;
    }
    case Kind::kSubquery:
      return to_string(*e.expr) + subquery_suffix(e);
    case Kind::kCall: {
      std::string out = e.text + "(";
      for (size_t i = 0; i < e.args.size(); ++i) {
        if (i) out += ", ";
        out += to_string(*e.args[i]);
      }
      return out + ")";
    }
    case Kind::kAggregate: {
      std::string out = agg_op_string(e) + "(";
      if (e.param) out += to_string(*e.param) + ", ";
      return out + to_string(*e.expr) + ")";
    }
    case Kind::kBinary: {
      std::string out = lhs_string(e) + " " + op_name(e.op);
      if (e.return_bool) out += " bool";
      out += matching_string(e);
      return out + " " + to_string(*e.rhs);
    }
    case Kind::kUnary:
      return std::string(op_name(e.op)) + to_string(*e.expr);
    case Kind::kParen:
      return "(" + to_string(*e.expr) + ")";
  }
  return "";
}

std::string pretty(const Expr& e) { return pretty_at(e, 0); }

std::string format_query(std::string_view query, bool* ok) {
  ParseResult r = parse(query);
  *ok = r.ok();
  if (!r.ok()) return r.error->message;
  return pretty(*r.expr);
}

}  // namespace rg::promql
