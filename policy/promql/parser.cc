// Recursive-descent PromQL parser. Precedence climbing replaces the yacc
// precedence table of Prometheus 2.42 (or < and/unless < comparisons < +,- <
// *,/,%,atan2 < ^ (right-assoc)); unary +/- binds like * and folds into
// number literals; [range], [range:step], offset and @ bind to the primary
// expression before them. Like Prometheus, only the first error is reported
// and type checks run only when the query parsed without errors.
#include "policy/promql/parser.h"

#include <cmath>
#include <cstdio>
#include <new>
#include <utility>
#include <vector>

#include "policy/promql/functions.h"
#include "policy/promql/lexer.h"
#include "policy/promql/quote.h"
#include "policy/promql/regex.h"

namespace rg::promql {
namespace {

constexpr int kPowPrec = 6;

// Binary precedence of a token, 0 when it is not a binary operator.
int binary_prec(Tok t) {
  switch (t) {
    case Tok::kLor: return 1;
    case Tok::kLand: case Tok::kLunless: return 2;
    case Tok::kEqlc: case Tok::kNeq: case Tok::kLte: case Tok::kLss: case Tok::kGte: case Tok::kGtr:
      return 3;
    case Tok::kAdd: case Tok::kSub: return 4;
    case Tok::kMul: case Tok::kDiv: case Tok::kMod: case Tok::kAtan2: return 5;
    case Tok::kPow: return kPowPrec;
    default: return 0;
  }
}

Op binary_op(Tok t) {
  switch (t) {
    case Tok::kLor: return Op::kOr;
    case Tok::kLand: return Op::kAnd;
    case Tok::kLunless: return Op::kUnless;
    case Tok::kEqlc: return Op::kEql;
    case Tok::kNeq: return Op::kNeq;
    case Tok::kLte: return Op::kLte;
    case Tok::kLss: return Op::kLss;
    case Tok::kGte: return Op::kGte;
    case Tok::kGtr: return Op::kGtr;
    case Tok::kAdd: return Op::kAdd;
    case Tok::kSub: return Op::kSub;
    case Tok::kMul: return Op::kMul;
    case Tok::kDiv: return Op::kDiv;
    case Tok::kMod: return Op::kMod;
    case Tok::kAtan2: return Op::kAtan2;
    case Tok::kPow: return Op::kPow;
    default: return Op::kNone;
  }
}

Op aggregate_op(Tok t) {
  switch (t) {
    case Tok::kSum: return Op::kSum;
    case Tok::kMin: return Op::kMin;
    case Tok::kMax: return Op::kMax;
    case Tok::kAvg: return Op::kAvg;
    case Tok::kGroup: return Op::kGroup;
    case Tok::kStddev: return Op::kStddev;
    case Tok::kStdvar: return Op::kStdvar;
    case Tok::kCount: return Op::kCount;
    case Tok::kCountValues: return Op::kCountValues;
    case Tok::kBottomk: return Op::kBottomk;
    case Tok::kTopk: return Op::kTopk;
    case Tok::kQuantile: return Op::kQuantile;
    default: return Op::kNone;
  }
}

bool aggregate_has_param(Op op) {
  return op == Op::kTopk || op == Op::kBottomk || op == Op::kCountValues || op == Op::kQuantile;
}

// Keywords that may be used as a metric name (Prometheus' metric_identifier).
bool is_metric_keyword(Tok t) {
  switch (t) {
    case Tok::kBy: case Tok::kWithout: case Tok::kOffset: case Tok::kLand: case Tok::kLor:
    case Tok::kLunless: case Tok::kStart: case Tok::kEnd:
      return true;
    default:
      return is_aggregator(t);
  }
}

// Tokens accepted as a label in by(...), on(...), group_left(...) lists.
bool is_label_token(Tok t) {
  switch (t) {
    case Tok::kIdentifier: case Tok::kMetricIdentifier: case Tok::kBool: case Tok::kBy:
    case Tok::kGroupLeft: case Tok::kGroupRight: case Tok::kIgnoring: case Tok::kLand:
    case Tok::kLor: case Tok::kLunless: case Tok::kOffset: case Tok::kOn: case Tok::kStart:
    case Tok::kEnd: case Tok::kAtan2: case Tok::kWithout:
      return true;
    default:
      return is_aggregator(t);
  }
}

bool is_label_name(std::string_view s) {
  if (s.empty()) return false;
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    bool ok = c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (i > 0 && c >= '0' && c <= '9');
    if (!ok) return false;
  }
  return true;
}

const char* go_type_name(ValueType t) {
  switch (t) {
    case ValueType::kScalar: return "scalar";
    case ValueType::kVector: return "vector";
    case ValueType::kMatrix: return "matrix";
    case ValueType::kString: return "string";
    case ValueType::kNone: break;
  }
  return "none";
}

bool matcher_matches_empty(const LabelMatcher& m) {
  switch (m.type) {
    case MatchType::kEqual: return m.value.empty();
    case MatchType::kNotEqual: return !m.value.empty();
    case MatchType::kRegexMatch:
    case MatchType::kRegexNoMatch:
      if (m.regex_invalid) return false;
      return m.type == MatchType::kRegexMatch ? m.regex_matches_empty : !m.regex_matches_empty;
  }
  return false;
}

struct Error {
  uint32_t pos;
  std::string msg;
};

class Parser {
 public:
  explicit Parser(std::string_view in) : in_(in), toks_(lex(in)) {}

  ExprPtr run() {
    if (peek().type == Tok::kEof) {
      soft(0, "no expression found in input");
      return nullptr;
    }
    ExprPtr e = parse_expr(0);
    if (failed_ || !e) return nullptr;
    if (peek().type != Tok::kEof) {
      fail(peek());
      return nullptr;
    }
    if (!errors_.empty()) return nullptr;
    check(*e);
    if (!errors_.empty()) return nullptr;
    return e;
  }

  const std::vector<Error>& errors() const { return errors_; }

 private:
  const Token& peek(size_t ahead = 0) const {
    size_t k = i_ + ahead;
    return k < toks_.size() ? toks_[k] : toks_.back();
  }
  const Token& advance() {
    const Token& t = peek();
    if (i_ < toks_.size() - 1) ++i_;
    last_end_ = t.pos + static_cast<uint32_t>(t.text.size());
    return t;
  }

  void soft(uint32_t pos, std::string msg) { errors_.push_back({pos, std::move(msg)}); }

  // A syntax error at token t; parsing stops.
  std::nullptr_t fail(const Token& t, std::string_view context = {}, std::string_view expected = {}) {
    if (!failed_) {
      if (context.empty() && agg_depth_ > 0) context = "aggregation";
      if (t.type == Tok::kError) {
        soft(t.pos, t.error);
      } else {
        std::string msg = "unexpected " + describe(t);
        if (!context.empty()) msg += std::string(" in ") + std::string(context);
        if (!expected.empty()) msg += std::string(", expected ") + std::string(expected);
        soft(t.pos, std::move(msg));
      }
    }
    failed_ = true;
    return nullptr;
  }

  ExprPtr make(Kind kind, uint32_t start) {
    auto e = std::make_unique<Expr>();
    e->kind = kind;
    e->pos.start = start;
    e->pos.end = last_end_;
    return e;
  }

  // Sets height from the children; fails when the tree gets too deep.
  bool finish(Expr& e) {
    uint32_t h = 0;
    e.for_each_child([&](const Expr& c) { h = std::max(h, c.height); });
    e.height = h + 1;
    if (e.height > static_cast<uint32_t>(kMaxDepth)) {
      too_deep(e.pos.start);
      return false;
    }
    return true;
  }

  std::nullptr_t too_deep(uint32_t pos) {
    if (!failed_) soft(pos, "expression nesting too deep (more than " + std::to_string(kMaxDepth) + " levels)");
    failed_ = true;
    return nullptr;
  }

  ExprPtr parse_expr(int min_prec) {
    if (++depth_ > kMaxDepth) return too_deep(peek().pos);
    ExprPtr lhs = parse_unary();
    while (lhs && !failed_) {
      const Token& t = peek();
      int prec = binary_prec(t.type);
      if (prec == 0 || prec < min_prec) break;
      advance();
      auto bin = std::make_unique<Expr>();
      bin->kind = Kind::kBinary;
      bin->op = binary_op(t.type);
      VectorMatching vm;
      if (peek().type == Tok::kBool) {
        advance();
        bin->return_bool = true;
      }
      if (peek().type == Tok::kOn || peek().type == Tok::kIgnoring) {
        vm.on = advance().type == Tok::kOn;
        if (!parse_grouping(&vm.matching_labels)) return nullptr;
        if (peek().type == Tok::kGroupLeft || peek().type == Tok::kGroupRight) {
          vm.card = advance().type == Tok::kGroupLeft ? Cardinality::kManyToOne : Cardinality::kOneToMany;
          if (peek().type == Tok::kLeftParen && !parse_grouping(&vm.include)) return nullptr;
        }
      }
      bin->matching = std::move(vm);
      ExprPtr rhs = parse_expr(t.type == Tok::kPow ? prec : prec + 1);
      if (!rhs) return nullptr;
      bin->pos = {lhs->pos.start, rhs->pos.end};
      bin->type = lhs->type == ValueType::kScalar && rhs->type == ValueType::kScalar ? ValueType::kScalar
                                                                                    : ValueType::kVector;
      bin->lhs = std::move(lhs);
      bin->rhs = std::move(rhs);
      if (!finish(*bin)) return nullptr;
      lhs = std::move(bin);
    }
    --depth_;
    return failed_ ? nullptr : std::move(lhs);
  }

  ExprPtr parse_unary() {
    const Token& t = peek();
    if (t.type == Tok::kAdd || t.type == Tok::kSub) {
      advance();
      bool neg = t.type == Tok::kSub;
      uint32_t start = t.pos;
      ExprPtr operand = parse_expr(kPowPrec);
      if (!operand) return nullptr;
      if (operand->kind == Kind::kNumberLiteral) {
        if (neg) operand->number = -operand->number;
        operand->pos.start = start;
        return operand;
      }
      ExprPtr u = make(Kind::kUnary, start);
      u->pos.end = operand->pos.end;
      u->op = neg ? Op::kSub : Op::kAdd;
      u->type = operand->type;
      u->expr = std::move(operand);
      if (!finish(*u)) return nullptr;
      return u;
    }
    ExprPtr e = parse_primary();
    if (!e) return nullptr;
    return parse_postfix(std::move(e));
  }

  ExprPtr parse_primary() {
    const Token& t = peek();
    switch (t.type) {
      case Tok::kNumber: {
        advance();
        ExprPtr e = make(Kind::kNumberLiteral, t.pos);
        e->type = ValueType::kScalar;
        e->number = number_or_error(t);
        return e;
      }
      case Tok::kString: {
        advance();
        ExprPtr e = make(Kind::kStringLiteral, t.pos);
        e->type = ValueType::kString;
        e->text = unquote_or_error(t);
        return e;
      }
      case Tok::kLeftParen: {
        advance();
        ExprPtr inner = parse_expr(0);
        if (!inner) return nullptr;
        if (peek().type != Tok::kRightParen) return fail(peek());
        advance();
        ExprPtr e = make(Kind::kParen, t.pos);
        e->type = inner->type;
        e->expr = std::move(inner);
        if (!finish(*e)) return nullptr;
        return e;
      }
      case Tok::kLeftBrace:
        return parse_vector_selector(t.pos, "");
      case Tok::kIdentifier:
        if (peek(1).type == Tok::kLeftParen) return parse_call();
        advance();
        return parse_vector_selector(t.pos, t.text);
      case Tok::kMetricIdentifier:
        advance();
        return parse_vector_selector(t.pos, t.text);
      default:
        break;
    }
    if (is_aggregator(t.type)) {
      Tok n = peek(1).type;
      if (n == Tok::kLeftParen || n == Tok::kBy || n == Tok::kWithout) return parse_aggregate();
    }
    if (is_metric_keyword(t.type)) {
      advance();
      return parse_vector_selector(t.pos, t.text);
    }
    return fail(t);
  }

  double number_or_error(const Token& t) {
    bool out_of_range = false;
    std::optional<double> v = parse_number(t.text, &out_of_range);
    if (!v) {
      soft(t.pos, "error parsing number: strconv.ParseFloat: parsing " + go_quote(t.text) +
                      (out_of_range ? ": value out of range" : ": invalid syntax"));
    }
    return v.value_or(0);
  }

  std::string unquote_or_error(const Token& t) {
    std::optional<std::string> s = unquote(t.text);
    if (!s) {
      soft(t.pos, "error unquoting string " + go_quote(t.text) + ": invalid syntax");
      return "";
    }
    return std::move(*s);
  }

  // [name] [{matchers}]; the name (if any) has been consumed.
  ExprPtr parse_vector_selector(uint32_t start, std::string_view name) {
    ExprPtr e = make(Kind::kVectorSelector, start);
    e->type = ValueType::kVector;
    e->name = std::string(name);
    if (peek().type == Tok::kLeftBrace) {
      advance();
      while (true) {
        const Token& t = peek();
        if (t.type == Tok::kRightBrace) {
          advance();
          break;
        }
        if (t.type != Tok::kIdentifier) return fail(t, "label matching", "identifier or \"}\"");
        advance();
        LabelMatcher m;
        m.name = std::string(t.text);
        const Token& op = peek();
        switch (op.type) {
          case Tok::kEql: m.type = MatchType::kEqual; break;
          case Tok::kNeq: m.type = MatchType::kNotEqual; break;
          case Tok::kEqlRegex: m.type = MatchType::kRegexMatch; break;
          case Tok::kNeqRegex: m.type = MatchType::kRegexNoMatch; break;
          default: return fail(op, "label matching", "label matching operator");
        }
        advance();
        const Token& val = peek();
        if (val.type != Tok::kString) return fail(val, "label matching", "string");
        advance();
        m.value = unquote_or_error(val);
        if ((m.type == MatchType::kRegexMatch || m.type == MatchType::kRegexNoMatch) &&
            regex_work_ < kRegexWorkPerQuery) {
          std::string err;
          size_t cost = 0;
          m.regex_invalid = !check_regex(m.value, &m.regex_matches_empty, &err, &cost);
          if (m.regex_invalid) soft(t.pos, err);
          regex_work_ += cost;
        }
        e->matchers.push_back(std::move(m));
        const Token& sep = peek();
        if (sep.type == Tok::kComma) {
          advance();
          continue;
        }
        if (sep.type != Tok::kRightBrace) return fail(sep, "label matching", "\",\" or \"}\"");
      }
      e->pos.end = last_end_;
    }
    return e;
  }

  // ( label, ... ) with an optional trailing comma.
  bool parse_grouping(std::vector<std::string>* out) {
    if (peek().type != Tok::kLeftParen) {
      fail(peek(), "grouping opts", "\"(\"");
      return false;
    }
    advance();
    if (peek().type == Tok::kRightParen) {
      advance();
      return true;
    }
    while (true) {
      const Token& t = peek();
      if (!is_label_token(t.type)) {
        fail(t, "grouping opts", "label");
        return false;
      }
      advance();
      if (!is_label_name(t.text)) soft(peek().pos, "unexpected " + describe(peek()) + " in grouping opts, expected label");
      out->emplace_back(t.text);
      const Token& sep = peek();
      if (sep.type == Tok::kComma) {
        advance();
        if (peek().type == Tok::kRightParen) {
          advance();
          return true;
        }
        continue;
      }
      if (sep.type == Tok::kRightParen) {
        advance();
        return true;
      }
      fail(sep, "grouping opts", "\",\" or \")\"");
      return false;
    }
  }

  // ( expr, ... ); the caller checks the count.
  bool parse_call_body(std::vector<ExprPtr>* args) {
    if (peek().type != Tok::kLeftParen) {
      fail(peek());
      return false;
    }
    advance();
    if (peek().type == Tok::kRightParen) {
      advance();
      return true;
    }
    while (true) {
      ExprPtr a = parse_expr(0);
      if (!a) return false;
      args->push_back(std::move(a));
      const Token& sep = peek();
      if (sep.type == Tok::kRightParen) {
        advance();
        return true;
      }
      if (sep.type != Tok::kComma) {
        fail(sep);
        return false;
      }
      advance();
      // A comma not followed by an expression is a "trailing comma".
      while (peek().type != Tok::kError && !starts_expr(peek().type)) {
        soft(sep.pos, "trailing commas not allowed in function call args");
        if (peek().type == Tok::kRightParen) {
          advance();
          return true;
        }
        if (peek().type != Tok::kComma) {
          fail(peek());
          return false;
        }
        advance();
      }
    }
  }

  static bool starts_expr(Tok t) {
    switch (t) {
      case Tok::kNumber: case Tok::kString: case Tok::kLeftParen: case Tok::kLeftBrace:
      case Tok::kAdd: case Tok::kSub: case Tok::kIdentifier: case Tok::kMetricIdentifier:
        return true;
      default:
        return is_metric_keyword(t);
    }
  }

  ExprPtr parse_call() {
    const Token& name = advance();
    ExprPtr e = make(Kind::kCall, name.pos);
    e->text = std::string(name.text);
    e->function = find_function(name.text);
    if (!parse_call_body(&e->args)) return nullptr;
    e->pos.end = last_end_;
    if (!e->function) {
      soft(name.pos, "unknown function with name " + go_quote(name.text));
      e->type = ValueType::kVector;
    } else {
      e->type = e->function->return_type;
    }
    if (!finish(*e)) return nullptr;
    return e;
  }

  ExprPtr parse_aggregate() {
    const Token& op = advance();
    ExprPtr e = make(Kind::kAggregate, op.pos);
    e->type = ValueType::kVector;
    e->op = aggregate_op(op.type);
    bool have_modifier = false;
    if (peek().type == Tok::kBy || peek().type == Tok::kWithout) {
      e->without = advance().type == Tok::kWithout;
      if (!parse_grouping(&e->grouping)) return nullptr;
      have_modifier = true;
      if (peek().type != Tok::kLeftParen) return fail(peek(), "aggregation");
    }
    std::vector<ExprPtr> args;
    ++agg_depth_;
    bool body_ok = parse_call_body(&args);
    --agg_depth_;
    if (!body_ok) return nullptr;
    if (!have_modifier && (peek().type == Tok::kBy || peek().type == Tok::kWithout)) {
      e->without = advance().type == Tok::kWithout;
      if (!parse_grouping(&e->grouping)) return nullptr;
    }
    e->pos.end = last_end_;
    if (args.empty()) {
      soft(e->pos.start, "no arguments for aggregate expression provided");
      return e;
    }
    size_t want = aggregate_has_param(e->op) ? 2 : 1;
    if (args.size() != want) {
      soft(e->pos.start, "wrong number of arguments for aggregate expression provided, expected " +
                             std::to_string(want) + ", got " + std::to_string(args.size()));
      return e;
    }
    if (want == 2) e->param = std::move(args[0]);
    e->expr = std::move(args[want - 1]);
    if (!finish(*e)) return nullptr;
    return e;
  }

  int64_t parse_duration_token(const Token& t) {
    std::string err;
    std::optional<int64_t> d = parse_duration(t.text, &err);
    if (!d) {
      soft(t.pos, err);
      return 0;
    }
    return *d;
  }

  // [range], [range:step], offset d, @ t following a primary expression.
  ExprPtr parse_postfix(ExprPtr e) {
    while (e && !failed_) {
      const Token& t = peek();
      if (t.type == Tok::kLeftBracket) {
        e = parse_range(std::move(e));
      } else if (t.type == Tok::kOffset) {
        advance();
        bool neg = false;
        if (peek().type == Tok::kSub) {
          advance();
          neg = true;
        }
        if (peek().type != Tok::kDuration) return fail(peek(), "offset", "duration");
        int64_t d = parse_duration_token(advance());
        add_offset(*e, neg ? -d : d);
      } else if (t.type == Tok::kAt) {
        advance();
        if (!parse_at(*e)) return nullptr;
      } else {
        break;
      }
    }
    return failed_ ? nullptr : std::move(e);
  }

  ExprPtr parse_range(ExprPtr e) {
    const Token& open = advance();
    if (peek().type != Tok::kDuration) return fail(peek(), "subquery selector", "duration");
    int64_t range = parse_duration_token(advance());
    if (peek().type == Tok::kRightBracket) {
      advance();
      const char* err = nullptr;
      if (e->kind != Kind::kVectorSelector) {
        err = "ranges only allowed for vector selectors";
      } else if (e->offset_ms != 0) {
        err = "no offset modifiers allowed before range";
      } else if (e->at.kind == AtKind::kTimestamp) {
        err = "no @ modifiers allowed before range";
      }
      if (err) soft(open.pos, err);
      ExprPtr m = make(Kind::kMatrixSelector, e->pos.start);
      m->type = ValueType::kMatrix;
      m->range_ms = range;
      m->expr = std::move(e);
      if (!finish(*m)) return nullptr;
      return m;
    }
    if (peek().type != Tok::kColon) return fail(peek(), "subquery or range", "\":\" or \"]\"");
    advance();
    int64_t step = 0;
    if (peek().type == Tok::kDuration) {
      step = parse_duration_token(advance());
      if (peek().type != Tok::kRightBracket) return fail(peek(), "subquery selector", "\"]\"");
    } else if (peek().type != Tok::kRightBracket) {
      return fail(peek(), "subquery selector", "duration or \"]\"");
    }
    advance();
    ExprPtr s = make(Kind::kSubquery, e->pos.start);
    s->type = ValueType::kMatrix;
    s->range_ms = range;
    s->step_ms = step;
    s->expr = std::move(e);
    if (!finish(*s)) return nullptr;
    return s;
  }

  // The node that carries offset/@ for e, or nullptr (with an error).
  Expr* modifier_target(Expr& e, const char* what) {
    switch (e.kind) {
      case Kind::kVectorSelector:
      case Kind::kSubquery:
        return &e;
      case Kind::kMatrixSelector:
        if (e.expr->kind != Kind::kVectorSelector) {
          soft(e.pos.start, "ranges only allowed for vector selectors");
          return nullptr;
        }
        return e.expr.get();
      default:
        soft(e.pos.start, std::string(what) +
                              " must be preceded by an instant vector selector or range vector selector or a subquery");
        return nullptr;
    }
  }

  void add_offset(Expr& e, int64_t ms) {
    Expr* target = modifier_target(e, "offset modifier");
    if (!target) return;
    if (target->offset_ms != 0) {
      soft(e.pos.start, "offset may not be set multiple times");
    } else {
      target->offset_ms = ms;
    }
    e.pos.end = last_end_;
  }

  bool parse_at(Expr& e) {
    const Token& t = peek();
    if (t.type == Tok::kStart || t.type == Tok::kEnd) {
      advance();
      if (peek().type != Tok::kLeftParen) { fail(peek(), "@", "timestamp"); return false; }
      advance();
      if (peek().type != Tok::kRightParen) { fail(peek(), "@", "timestamp"); return false; }
      advance();
      Expr* target = at_target(e);
      if (target) target->at.kind = t.type == Tok::kStart ? AtKind::kStart : AtKind::kEnd;
      e.pos.end = last_end_;
      return true;
    }
    bool neg = false;
    if (t.type == Tok::kAdd || t.type == Tok::kSub) {
      neg = t.type == Tok::kSub;
      advance();
    }
    if (peek().type != Tok::kNumber) { fail(peek(), "@", "timestamp"); return false; }
    const Token& num = advance();
    double v = number_or_error(num);
    double ts = neg ? -v : v;
    bool bad = std::isnan(ts) || std::isinf(ts) || ts >= 9223372036854775807.0 || ts <= -9223372036854775808.0;
    if (bad) {
      char buf[512];
      if (std::isnan(ts)) std::snprintf(buf, sizeof buf, "NaN");
      else if (std::isinf(ts)) std::snprintf(buf, sizeof buf, ts > 0 ? "+Inf" : "-Inf");
      else std::snprintf(buf, sizeof buf, "%f", ts);
      soft(e.pos.start, std::string("timestamp out of bounds for @ modifier: ") + buf);
    }
    Expr* target = at_target(e);
    if (target) {
      target->at.kind = AtKind::kTimestamp;
      double ms = std::round(ts * 1000.0);
      target->at.timestamp_ms = bad || std::fabs(ms) >= 9.2e18 ? 0 : static_cast<int64_t>(ms);
    }
    e.pos.end = last_end_;
    return true;
  }

  Expr* at_target(Expr& e) {
    Expr* target = modifier_target(e, "@ modifier");
    if (!target) return nullptr;
    if (target->at.kind != AtKind::kNone) {
      soft(e.pos.start, "@ <timestamp> may not be set multiple times");
      return nullptr;
    }
    return target;
  }

  // ---- Type checks (Prometheus' checkAST), run after a clean parse. ----

  ValueType check(Expr& e) {
    switch (e.kind) {
      case Kind::kNumberLiteral:
      case Kind::kStringLiteral:
        break;
      case Kind::kVectorSelector:
        check_selector(e);
        break;
      case Kind::kMatrixSelector:
        check(*e.expr);
        break;
      case Kind::kSubquery: {
        ValueType t = check(*e.expr);
        if (t != ValueType::kVector) {
          soft(e.pos.start, std::string("subquery is only allowed on instant vector, got ") + go_type_name(t) +
                                " instead");
        }
        break;
      }
      case Kind::kParen:
        check(*e.expr);
        break;
      case Kind::kUnary: {
        ValueType t = check(*e.expr);
        if (t != ValueType::kScalar && t != ValueType::kVector) {
          soft(e.pos.start,
               std::string("unary expression only allowed on expressions of type scalar or instant vector, got ") +
                   go_quote(value_type_name(t)));
        }
        break;
      }
      case Kind::kCall:
        check_call(e);
        break;
      case Kind::kAggregate:
        expect_type(*e.expr, ValueType::kVector, "aggregation expression");
        if (e.op == Op::kTopk || e.op == Op::kBottomk || e.op == Op::kQuantile) {
          expect_type(*e.param, ValueType::kScalar, "aggregation parameter");
        }
        if (e.op == Op::kCountValues) expect_type(*e.param, ValueType::kString, "aggregation parameter");
        break;
      case Kind::kBinary:
        check_binary(e);
        break;
    }
    return e.type;
  }

  // The first token after `from` (skipping spaces and comments).
  uint32_t operator_pos(uint32_t from) const {
    size_t i = from;
    while (i < in_.size()) {
      char c = in_[i];
      if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
        ++i;
      } else if (c == '#') {
        while (i < in_.size() && in_[i] != '\n') ++i;
      } else {
        break;
      }
    }
    return static_cast<uint32_t>(i);
  }

  void expect_type(Expr& e, ValueType want, const std::string& context) {
    ValueType t = check(e);
    if (t != want) {
      soft(e.pos.start, std::string("expected type ") + value_type_name(want) + " in " + context + ", got " +
                            value_type_name(t));
    }
  }

  void check_selector(Expr& e) {
    if (!e.name.empty()) {
      for (const LabelMatcher& m : e.matchers) {
        if (m.name == "__name__") {
          soft(e.pos.start, "metric name must not be set twice: " + go_quote(e.name) + " or " + go_quote(m.value));
        }
      }
    }
    bool not_empty = !e.name.empty();
    for (const LabelMatcher& m : e.matchers) {
      if (!matcher_matches_empty(m)) not_empty = true;
    }
    if (!not_empty) soft(e.pos.start, "vector selector must contain at least one non-empty matcher");
  }

  void check_call(Expr& e) {
    const FunctionInfo& f = *e.function;
    size_t nargs = f.arg_types.size();
    std::string fname = go_quote(f.name);
    if (f.variadic == 0) {
      if (nargs != e.args.size()) {
        soft(e.pos.start, "expected " + std::to_string(nargs) + " argument(s) in call to " + fname + ", got " +
                              std::to_string(e.args.size()));
      }
    } else {
      size_t na = nargs - 1;
      if (na > e.args.size()) {
        soft(e.pos.start, "expected at least " + std::to_string(na) + " argument(s) in call to " + fname +
                              ", got " + std::to_string(e.args.size()));
      } else if (f.variadic > 0 && na + static_cast<size_t>(f.variadic) < e.args.size()) {
        soft(e.pos.start, "expected at most " + std::to_string(na + static_cast<size_t>(f.variadic)) +
                              " argument(s) in call to " + fname + ", got " + std::to_string(e.args.size()));
      }
    }
    for (size_t i = 0; i < e.args.size(); ++i) {
      size_t k = i;
      if (k >= nargs) {
        if (f.variadic == 0) break;
        k = nargs - 1;
      }
      expect_type(*e.args[i], f.arg_types[k], "call to function " + fname);
    }
  }

  void check_binary(Expr& e) {
    ValueType lt = check(*e.lhs);
    ValueType rt = check(*e.rhs);
    uint32_t op_pos = operator_pos(e.lhs->pos.end);
    if (e.return_bool && !is_comparison(e.op)) {
      soft(op_pos, "bool modifier can only be used on comparison operators");
    }
    if (is_comparison(e.op) && !e.return_bool && lt == ValueType::kScalar && rt == ValueType::kScalar) {
      soft(op_pos, "comparisons between scalars must use BOOL modifier");
    }
    VectorMatching& vm = *e.matching;
    if (is_set_operator(e.op) && vm.card == Cardinality::kOneToOne) vm.card = Cardinality::kManyToMany;
    if (vm.on) {
      for (const std::string& l1 : vm.matching_labels) {
        for (const std::string& l2 : vm.include) {
          if (l1 == l2) soft(op_pos, "label " + go_quote(l1) + " must not occur in ON and GROUP clause at once");
        }
      }
    }
    if (lt != ValueType::kScalar && lt != ValueType::kVector) {
      soft(e.lhs->pos.start, "binary expression must contain only scalar and instant vector types");
    }
    if (rt != ValueType::kScalar && rt != ValueType::kVector) {
      soft(e.rhs->pos.start, "binary expression must contain only scalar and instant vector types");
    }
    if (lt != ValueType::kVector || rt != ValueType::kVector) {
      if (!vm.matching_labels.empty()) soft(e.pos.start, "vector matching only allowed between instant vectors");
      e.matching.reset();
    } else if (is_set_operator(e.op)) {
      if (vm.card == Cardinality::kOneToMany || vm.card == Cardinality::kManyToOne) {
        soft(e.pos.start, std::string("no grouping allowed for ") + go_quote(op_name(e.op)) + " operation");
      }
      if (vm.card != Cardinality::kManyToMany) soft(e.pos.start, "set operations must always be many-to-many");
    }
    if ((lt == ValueType::kScalar || rt == ValueType::kScalar) && is_set_operator(e.op)) {
      soft(e.pos.start, std::string("set operator ") + go_quote(op_name(e.op)) +
                            " not allowed in binary scalar expression");
    }
  }

  std::string_view in_;
  std::vector<Token> toks_;
  size_t i_ = 0;
  uint32_t last_end_ = 0;
  int depth_ = 0;
  int agg_depth_ = 0;  // > 0 while inside an aggregation's parentheses
  // Checking a regex costs up to about 1 MiB of compiled program (and tens
  // of milliseconds); a query's regexes share this budget, and those past it
  // are not judged (valid, not matching ""), as an oversized pattern is not.
  static constexpr size_t kRegexWorkPerQuery = 8u << 20;
  size_t regex_work_ = 0;
  bool failed_ = false;
  std::vector<Error> errors_;
};

ParseError make_error(std::string_view in, const Error& err) {
  ParseError pe;
  pe.offset = err.pos;
  size_t pos = std::min<size_t>(err.pos, in.size());
  long last_break = -1;
  uint32_t line = 1;
  for (size_t i = 0; i < pos; ++i) {
    if (in[i] == '\n') {
      last_break = static_cast<long>(i);
      ++line;
    }
  }
  pe.line = line;
  pe.column = static_cast<uint32_t>(static_cast<long>(pos) - last_break);
  pe.detail = err.msg;
  pe.message = std::to_string(pe.line) + ":" + std::to_string(pe.column) + ": parse error: " + err.msg;
  return pe;
}

}  // namespace

const char* value_type_name(ValueType t) {
  switch (t) {
    case ValueType::kScalar: return "scalar";
    case ValueType::kVector: return "instant vector";
    case ValueType::kMatrix: return "range vector";
    case ValueType::kString: return "string";
    case ValueType::kNone: break;
  }
  return "none";
}

const char* op_name(Op op) {
  switch (op) {
    case Op::kNone: return "";
    case Op::kAdd: return "+";
    case Op::kSub: return "-";
    case Op::kMul: return "*";
    case Op::kDiv: return "/";
    case Op::kMod: return "%";
    case Op::kPow: return "^";
    case Op::kAtan2: return "atan2";
    case Op::kEql: return "==";
    case Op::kNeq: return "!=";
    case Op::kGtr: return ">";
    case Op::kLss: return "<";
    case Op::kGte: return ">=";
    case Op::kLte: return "<=";
    case Op::kAnd: return "and";
    case Op::kOr: return "or";
    case Op::kUnless: return "unless";
    case Op::kSum: return "sum";
    case Op::kMin: return "min";
    case Op::kMax: return "max";
    case Op::kAvg: return "avg";
    case Op::kGroup: return "group";
    case Op::kStddev: return "stddev";
    case Op::kStdvar: return "stdvar";
    case Op::kCount: return "count";
    case Op::kCountValues: return "count_values";
    case Op::kBottomk: return "bottomk";
    case Op::kTopk: return "topk";
    case Op::kQuantile: return "quantile";
  }
  return "";
}

bool is_comparison(Op op) {
  return op == Op::kEql || op == Op::kNeq || op == Op::kGtr || op == Op::kLss || op == Op::kGte || op == Op::kLte;
}

bool is_set_operator(Op op) { return op == Op::kAnd || op == Op::kOr || op == Op::kUnless; }

const char* match_type_name(MatchType t) {
  switch (t) {
    case MatchType::kEqual: return "=";
    case MatchType::kNotEqual: return "!=";
    case MatchType::kRegexMatch: return "=~";
    case MatchType::kRegexNoMatch: return "!~";
  }
  return "=";
}

ParseResult parse(std::string_view query) {
  ParseResult r;
  try {
    if (query.size() > UINT32_MAX / 2) {
      r.error = make_error(query, {0, "query too long"});
      return r;
    }
    Parser p(query);
    ExprPtr e = p.run();
    if (e) {
      r.expr = std::move(e);
    } else {
      Error err = p.errors().empty() ? Error{0, "unknown parse error"} : p.errors().front();
      r.error = make_error(query, err);
    }
  } catch (const std::bad_alloc&) {
    r.expr.reset();
    r.error = make_error(query, {0, "out of memory"});
  } catch (...) {
    r.expr.reset();
    r.error = make_error(query, {0, "internal error"});
  }
  return r;
}

}  // namespace rg::promql
