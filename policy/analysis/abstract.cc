#include "policy/analysis/abstract.h"

#include <algorithm>
#include <cmath>
#include <iterator>
#include <limits>
#include <string_view>

namespace rg::analysis {

using promql::Expr;
using promql::Kind;
using promql::Op;
using promql::ValueType;

const char* scenario_name(Scenario s) { return s == Scenario::kSilence ? "silence" : "idle"; }

Sample Sample::known(double v) {
  if (std::isnan(v)) return nan();
  return Sample{Kind::kKnown, v};
}

std::string Sample::str() const {
  switch (kind) {
    case Kind::kNaN: return "NaN";
    case Kind::kUnknown: return "unknown";
    case Kind::kKnown: break;
  }
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  if (value == std::floor(value) && std::fabs(value) < 1e15) return std::to_string(static_cast<long long>(value));
  std::string s = std::to_string(value);
  while (!s.empty() && s.back() == '0') s.pop_back();
  return s;
}

namespace {


AbstractValue scalar(Sample s, const Expr* cause) {
  AbstractValue v;
  v.type = ValueType::kScalar;
  v.presence = Presence::kPresent;
  v.sample = s;
  v.labels = Labels::kNone;
  v.cause = cause;
  return v;
}

AbstractValue empty_vector(const Expr* cause) {
  AbstractValue v;
  v.type = ValueType::kVector;
  v.presence = Presence::kEmpty;
  v.labels = Labels::kUnknown;
  v.cause = cause;
  return v;
}

// --- the label algebra (see Labels in abstract.h) ---------------------------

using Names = std::vector<std::string>;

Names sorted(Names n) {
  std::sort(n.begin(), n.end());
  n.erase(std::unique(n.begin(), n.end()), n.end());
  return n;
}

Names set_union(const Names& a, const Names& b) {
  Names out;
  std::set_union(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(out));
  return out;
}

Names set_minus(const Names& a, const Names& b) {
  Names out;
  std::set_difference(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(out));
  return out;
}

Names set_inter(const Names& a, const Names& b) {
  Names out;
  std::set_intersection(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(out));
  return out;
}

// Sets the labels; a grouping with no names is no labels at all.
void set_labels(AbstractValue& v, Labels l, Names names) {
  v.labels = l;
  v.grouping = (l == Labels::kNone || l == Labels::kUnknown) ? Names{} : sorted(std::move(names));
  if ((l == Labels::kGrouped || l == Labels::kSome) && v.grouping.empty()) v.labels = Labels::kNone;
}

// without(names), ignoring(names), histogram_quantile's le.
void drop_labels(AbstractValue& v, const Names& names) {
  const Names n = sorted(names);
  if (v.labels == Labels::kGrouped || v.labels == Labels::kSome) set_labels(v, v.labels, set_minus(v.grouping, n));
  else if (v.labels == Labels::kRaw) set_labels(v, Labels::kRaw, set_union(v.grouping, n));
}

// on(names) of one-to-one matching: only these are kept, where the series have them.
void keep_labels(AbstractValue& v, const Names& names) {
  const Names n = sorted(names);
  if (v.labels == Labels::kGrouped || v.labels == Labels::kSome) set_labels(v, v.labels, set_inter(v.grouping, n));
  else if (v.labels == Labels::kRaw) set_labels(v, Labels::kSome, set_minus(n, v.grouping));
}

// by(names) of an aggregation: the series keep those of the names they have.
void group_by(AbstractValue& v, const Names& names) {
  const Names n = sorted(names);
  switch (v.labels) {
    case Labels::kNone: break;
    case Labels::kGrouped:
    case Labels::kSome: set_labels(v, v.labels, set_inter(v.grouping, n)); break;
    case Labels::kRaw: set_labels(v, Labels::kGrouped, set_minus(n, v.grouping)); break;
    case Labels::kUnknown: set_labels(v, Labels::kSome, n); break;
  }
}

// Labels the series gain: every series (`certain`: count_values' label), or
// some (group_x's include labels, label_replace's target).
void add_labels(AbstractValue& v, const Names& names, bool certain) {
  const Names n = sorted(names);
  switch (v.labels) {
    case Labels::kNone: set_labels(v, certain ? Labels::kGrouped : Labels::kSome, n); break;
    case Labels::kGrouped:
      set_labels(v, certain ? Labels::kGrouped : Labels::kSome, set_union(v.grouping, n));
      break;
    case Labels::kSome: set_labels(v, Labels::kSome, set_union(v.grouping, n)); break;
    case Labels::kRaw: set_labels(v, Labels::kRaw, set_minus(v.grouping, n)); break;
    case Labels::kUnknown: break;
  }
}

// `a or b` when both sides contribute series.
void union_labels(AbstractValue& v, const AbstractValue& a, const AbstractValue& b) {
  if (a.labels == Labels::kUnknown || b.labels == Labels::kUnknown) return set_labels(v, Labels::kUnknown, {});
  if (a.labels == Labels::kRaw && b.labels == Labels::kRaw)
    return set_labels(v, Labels::kRaw, set_inter(a.grouping, b.grouping));
  if (a.labels == Labels::kRaw) return set_labels(v, Labels::kRaw, set_minus(a.grouping, b.grouping));
  if (b.labels == Labels::kRaw) return set_labels(v, Labels::kRaw, set_minus(b.grouping, a.grouping));
  if (a.labels == b.labels && a.grouping == b.grouping) return set_labels(v, a.labels, a.grouping);
  set_labels(v, Labels::kSome, set_union(a.grouping, b.grouping));
}

// A string literal argument's text, when the argument is one.
const std::string* literal_text(const Expr* e) {
  while (e != nullptr && e->kind == Kind::kParen) e = e->expr.get();
  return e != nullptr && e->kind == Kind::kStringLiteral ? &e->text : nullptr;
}

// An empty vector with v's labels.
AbstractValue empty_like(const AbstractValue& v, const Expr* cause) {
  AbstractValue out = empty_vector(cause);
  set_labels(out, v.labels, v.grouping);
  return out;
}

AbstractValue unknown_of(ValueType t) {
  AbstractValue v;
  v.type = t;
  v.presence = t == ValueType::kScalar ? Presence::kPresent : Presence::kUnknown;
  return v;
}

// Two samples that must both hold: equal ones stay, different ones are unknown.
Sample join(const Sample& a, const Sample& b) {
  if (a.kind != b.kind) return Sample::unknown();
  if (a.is_known() && a.value != b.value) return Sample::unknown();
  return a;
}

std::string_view fn(const Expr& e) { return e.text; }

Sample arith(Op op, const Sample& a, const Sample& b) {
  if (a.is_nan() || b.is_nan()) return Sample::nan();
  if (!a.is_known() || !b.is_known()) return Sample::unknown();
  double x = a.value, y = b.value;
  switch (op) {
    case Op::kAdd: return Sample::known(x + y);
    case Op::kSub: return Sample::known(x - y);
    case Op::kMul: return Sample::known(x * y);
    case Op::kDiv: return Sample::known(x / y);  // 0/0 = NaN, x/0 = +-Inf
    case Op::kMod: return Sample::known(std::fmod(x, y));
    case Op::kPow: return Sample::known(std::pow(x, y));
    case Op::kAtan2: return Sample::known(std::atan2(x, y));
    default: return Sample::unknown();
  }
}

// Result of a comparison: 1 true, 0 false, -1 unknown. NaN compares false
// (and != true), as in Prometheus.
int compare(Op op, const Sample& a, const Sample& b) {
  if (a.is_nan() || b.is_nan()) return op == Op::kNeq ? 1 : 0;
  if (!a.is_known() || !b.is_known()) return -1;
  double x = a.value, y = b.value;
  switch (op) {
    case Op::kEql: return x == y;
    case Op::kNeq: return x != y;
    case Op::kGtr: return x > y;
    case Op::kLss: return x < y;
    case Op::kGte: return x >= y;
    case Op::kLte: return x <= y;
    default: return -1;
  }
}

// Whether two present vectors certainly match one-to-one on every sample.
bool certain_match(const AbstractValue& a, const AbstractValue& b, const Expr& bin) {
  if (bin.matching && (bin.matching->card == promql::Cardinality::kManyToOne ||
                       bin.matching->card == promql::Cardinality::kOneToMany)) {
    return false;
  }
  if (bin.matching && bin.matching->on && bin.matching->matching_labels.empty()) {
    return a.single() && b.single();  // on(): both sides must hold one sample
  }
  if (a.labels == Labels::kNone && b.labels == Labels::kNone) return true;
  if (a.labels == Labels::kGrouped && b.labels == Labels::kGrouped && a.grouping == b.grouping &&
      !bin.matching) {
    return false;  // same label names, but which values exist on each side is unknown
  }
  return false;
}

class Evaluator {
 public:
  explicit Evaluator(Scenario s) : scenario_(s) {}

  AbstractValue eval(const Expr& e) {
    switch (e.kind) {
      case Kind::kNumberLiteral: return scalar(Sample::known(e.number), &e);
      case Kind::kStringLiteral: {
        AbstractValue v;
        v.type = ValueType::kString;
        v.presence = Presence::kPresent;
        return v;
      }
      case Kind::kVectorSelector:
      case Kind::kMatrixSelector: {
        AbstractValue v;
        v.type = e.kind == Kind::kVectorSelector ? ValueType::kVector : ValueType::kMatrix;
        v.labels = Labels::kRaw;
        v.cause = &e;
        // Both scenarios are stationary: every matching series is flat.
        v.presence = scenario_ == Scenario::kSilence ? Presence::kEmpty : Presence::kPresent;
        v.sample = Sample::unknown();
        return v;
      }
      case Kind::kSubquery: {
        AbstractValue v = eval(*e.expr);
        v.type = ValueType::kMatrix;
        return v;
      }
      case Kind::kParen: return eval(*e.expr);
      case Kind::kUnary: {
        AbstractValue v = eval(*e.expr);
        if (e.op == Op::kSub) v.sample = arith(Op::kMul, v.sample, Sample::known(-1));
        return v;
      }
      case Kind::kCall: return call(e);
      case Kind::kAggregate: return aggregate(e);
      case Kind::kBinary: return binary(e);
    }
    return unknown_of(e.type);
  }

 private:
  AbstractValue call(const Expr& e) {
    std::string_view f = fn(e);
    std::vector<AbstractValue> args;
    for (const auto& a : e.args) args.push_back(eval(*a));
    auto first_vec = [&]() -> const AbstractValue* {
      for (const auto& a : args) {
        if (a.type == ValueType::kVector || a.type == ValueType::kMatrix) return &a;
      }
      return nullptr;
    };
    const AbstractValue* in = first_vec();

    if (f == "vector" && !args.empty()) {
      AbstractValue v;
      v.type = ValueType::kVector;
      v.presence = Presence::kPresent;
      v.sample = args[0].sample;
      v.labels = Labels::kNone;
      v.cause = &e;
      return v;
    }
    if (f == "scalar" && in != nullptr) {
      if (in->empty()) return scalar(Sample::nan(), &e);
      if (in->presence == Presence::kPresent && in->single()) return scalar(in->sample, in->cause);
      if (in->presence == Presence::kPresent && in->sample.is_nan()) return scalar(Sample::nan(), in->cause);
      return scalar(Sample::unknown(), &e);
    }
    if (f == "time" || f == "pi") return scalar(f == "pi" ? Sample::known(M_PI) : Sample::unknown(), &e);
    if (e.type == ValueType::kScalar) return scalar(Sample::unknown(), &e);
    if (e.type != ValueType::kVector) return unknown_of(e.type);

    AbstractValue v;
    v.type = ValueType::kVector;
    if (in == nullptr) {  // day_of_month() and friends without arguments: time()
      v.presence = Presence::kPresent;
      v.labels = Labels::kNone;
      return v;
    }
    v.presence = in->presence;
    set_labels(v, in->labels, in->grouping);
    v.cause = in->empty() ? in->cause : &e;
    const Sample& s = in->sample;

    if (f == "absent" || f == "absent_over_time") {
      set_labels(v, Labels::kNone, {});
      v.cause = &e;
      if (in->presence == Presence::kEmpty) {
        v.presence = Presence::kPresent;
        v.sample = Sample::known(1);
      } else if (in->presence == Presence::kPresent) {
        v.presence = Presence::kEmpty;
      }
      return v;
    }
    if (in->empty()) return v;

    if (f == "rate" || f == "increase" || f == "irate" || f == "delta" || f == "idelta" || f == "deriv" ||
        f == "changes" || f == "resets") {
      // Stationary scenarios: counters do not move and gauges are flat. A NaN
      // sample stays NaN through delta/deriv.
      v.sample = s.is_nan() && f != "changes" && f != "resets" ? Sample::nan() : Sample::known(0);
      return v;
    }
    if (f == "avg_over_time" || f == "min_over_time" || f == "max_over_time" || f == "last_over_time" ||
        f == "quantile_over_time" || f == "predict_linear" || f == "holt_winters") {
      v.sample = s;
      return v;
    }
    if (f == "sum_over_time") {
      v.sample = s.is_known() && s.value == 0 ? s : (s.is_nan() ? s : Sample::unknown());
      return v;
    }
    if (f == "stddev_over_time" || f == "stdvar_over_time") {
      v.sample = s.is_nan() ? s : Sample::known(0);
      return v;
    }
    if (f == "present_over_time") {
      v.sample = Sample::known(1);
      return v;
    }
    if (f == "count_over_time") {
      v.sample = Sample::unknown();
      return v;
    }
    if (f == "histogram_quantile") {
      // The buckets are args[1]. Over zero buckets (no requests in the window)
      // the quantile is NaN.
      const AbstractValue& b = args.size() > 1 ? args[1] : *in;
      v.presence = b.presence;
      if (b.sample.is_nan() || (b.sample.is_known() && b.sample.value == 0)) {
        v.sample = Sample::nan();
      } else {
        v.sample = Sample::unknown();
      }
      set_labels(v, b.labels, b.grouping);
      drop_labels(v, {"le"});
      return v;
    }
    if (f == "abs" || f == "ceil" || f == "floor" || f == "round" || f == "sqrt" || f == "exp" || f == "ln" ||
        f == "sgn" || f == "clamp" || f == "clamp_min" || f == "clamp_max") {
      v.sample = map_sample(f, e, args, s);
      return v;
    }
    if (f == "label_replace" || f == "label_join") {
      // The target label is set where the replacement is not empty.
      const std::string* dst = e.args.size() > 1 ? literal_text(e.args[1].get()) : nullptr;
      if (dst != nullptr) add_labels(v, {*dst}, false);
      else set_labels(v, Labels::kUnknown, {});
      v.sample = s;
      return v;
    }
    if (f == "sort" || f == "sort_desc") {
      v.sample = s;
      return v;
    }
    // Anything else keeps presence; its value we do not model (NaN stays NaN
    // for the element-wise math functions, which is all Prometheus has).
    v.sample = s.is_nan() ? Sample::nan() : Sample::unknown();
    return v;
  }

  Sample map_sample(std::string_view f, const Expr&, const std::vector<AbstractValue>& args, const Sample& s) {
    if (s.is_nan()) return s;
    if (!s.is_known()) return Sample::unknown();
    double x = s.value;
    if (f == "abs") return Sample::known(std::fabs(x));
    if (f == "ceil") return Sample::known(std::ceil(x));
    if (f == "floor") return Sample::known(std::floor(x));
    if (f == "sqrt") return Sample::known(std::sqrt(x));
    if (f == "exp") return Sample::known(std::exp(x));
    if (f == "ln") return Sample::known(std::log(x));
    if (f == "sgn") return Sample::known(x > 0 ? 1 : (x < 0 ? -1 : 0));
    if (f == "round" && args.size() == 1) return Sample::known(std::floor(x + 0.5));
    if (f == "clamp_min" && args.size() == 2 && args[1].sample.is_known())
      return Sample::known(std::max(x, args[1].sample.value));
    if (f == "clamp_max" && args.size() == 2 && args[1].sample.is_known())
      return Sample::known(std::min(x, args[1].sample.value));
    if (f == "clamp" && args.size() == 3 && args[1].sample.is_known() && args[2].sample.is_known()) {
      if (args[1].sample.value > args[2].sample.value) return Sample::unknown();  // empty result
      return Sample::known(std::min(std::max(x, args[1].sample.value), args[2].sample.value));
    }
    return Sample::unknown();
  }

  AbstractValue aggregate(const Expr& e) {
    AbstractValue in = eval(*e.expr);
    AbstractValue v;
    v.type = ValueType::kVector;
    v.presence = in.presence;
    v.cause = in.empty() ? in.cause : &e;
    set_labels(v, in.labels, in.grouping);
    if (e.op == Op::kTopk || e.op == Op::kBottomk) {
      // Selects series, keeping their labels.
    } else if (e.without) {
      drop_labels(v, e.grouping);
    } else if (e.grouping.empty()) {
      set_labels(v, Labels::kNone, {});
    } else {
      group_by(v, e.grouping);
    }
    if (e.op == Op::kCountValues) {
      // Each distinct value becomes a series with that value in the label.
      if (const std::string* label = literal_text(e.param.get())) add_labels(v, {*label}, true);
      else set_labels(v, Labels::kUnknown, {});
    }
    if (in.empty()) return v;
    const Sample& s = in.sample;
    switch (e.op) {
      case Op::kSum:
        if (s.is_nan() || (s.is_known() && s.value == 0) || in.single()) v.sample = s;
        break;
      case Op::kAvg:
      case Op::kMin:
      case Op::kMax:
      case Op::kQuantile:
      case Op::kTopk:
      case Op::kBottomk:
        v.sample = s;
        break;
      case Op::kGroup:
        v.sample = Sample::known(1);
        break;
      case Op::kStddev:
      case Op::kStdvar:
        v.sample = s.is_nan() ? s : (s.is_known() ? Sample::known(0) : Sample::unknown());
        break;
      default:  // count, count_values
        v.sample = Sample::unknown();
        break;
    }
    return v;
  }

  AbstractValue binary(const Expr& e) {
    AbstractValue a = eval(*e.lhs);
    AbstractValue b = eval(*e.rhs);
    const bool av = a.type == ValueType::kVector, bv = b.type == ValueType::kVector;

    if (promql::is_set_operator(e.op)) return set_op(e, a, b);

    const bool cmp = promql::is_comparison(e.op);
    if (!av && !bv) {  // scalar op scalar (comparisons need bool)
      if (cmp) {
        int c = compare(e.op, a.sample, b.sample);
        return scalar(c < 0 ? Sample::unknown() : Sample::known(c), &e);
      }
      return scalar(arith(e.op, a.sample, b.sample), &e);
    }

    AbstractValue v;
    v.type = ValueType::kVector;
    const AbstractValue& vec = av ? a : b;
    binary_labels(e, a, b, &v);
    if (a.empty() || b.empty()) {
      v.presence = Presence::kEmpty;
      v.cause = a.empty() ? a.cause : b.cause;
      return v;
    }
    if (av && bv) {
      if (a.presence == Presence::kPresent && b.presence == Presence::kPresent && certain_match(a, b, e)) {
        v.presence = Presence::kPresent;
      } else {
        v.presence = Presence::kUnknown;
      }
    } else {
      v.presence = vec.presence;
    }
    v.cause = &e;
    if (!cmp) {
      v.sample = arith(e.op, a.sample, b.sample);
      return v;
    }
    int c = compare(e.op, a.sample, b.sample);
    if (e.return_bool) {
      v.sample = c < 0 ? Sample::unknown() : Sample::known(c);
      return v;
    }
    // A filter keeps the vector side's sample (the left one for vector/vector).
    if (c == 0) {
      v.presence = Presence::kEmpty;
      return v;
    }
    if (c < 0 && v.presence == Presence::kPresent) v.presence = Presence::kUnknown;
    v.sample = av ? a.sample : b.sample;
    return v;
  }

  // The labels of an arithmetic or comparison result: the vector side's, or
  // between two vectors, the "many" side's (the left one for one-to-one),
  // with on() keeping and ignoring() dropping labels for one-to-one matching
  // and group_x() adding its include labels.
  static void binary_labels(const Expr& e, const AbstractValue& a, const AbstractValue& b, AbstractValue* v) {
    const bool av = a.type == ValueType::kVector, bv = b.type == ValueType::kVector;
    const promql::Cardinality card = e.matching ? e.matching->card : promql::Cardinality::kOneToOne;
    const AbstractValue& many = (av && bv && card == promql::Cardinality::kOneToMany) || !av ? b : a;
    set_labels(*v, many.labels, many.grouping);
    if (!(av && bv) || !e.matching) return;
    if (card == promql::Cardinality::kOneToOne) {
      if (e.matching->on) keep_labels(*v, e.matching->matching_labels);
      else drop_labels(*v, e.matching->matching_labels);
    } else if (!e.matching->include.empty()) {
      add_labels(*v, e.matching->include, false);
    }
  }

  AbstractValue set_op(const Expr& e, const AbstractValue& a, const AbstractValue& b) {
    AbstractValue v;
    v.type = ValueType::kVector;
    bool match = a.presence == Presence::kPresent && b.presence == Presence::kPresent &&
                 a.labels == Labels::kNone && b.labels == Labels::kNone;
    switch (e.op) {
      case Op::kAnd:
        if (a.empty() || b.empty()) return empty_like(a, a.empty() ? a.cause : b.cause);
        v = a;
        if (!match) v.presence = Presence::kUnknown;
        return v;
      case Op::kOr:
        if (a.empty()) return b;  // the fallback fills only when the left side is empty
        if (b.empty()) return a;
        if (match) return a;
        v.sample = join(a.sample, b.sample);
        v.presence = (a.presence == Presence::kPresent || b.presence == Presence::kPresent) ? Presence::kPresent
                                                                                            : Presence::kUnknown;
        union_labels(v, a, b);
        v.cause = &e;
        return v;
      case Op::kUnless:
        if (a.empty()) return a;
        if (b.empty()) return a;
        if (match) return empty_like(a, &e);
        v = a;
        v.presence = Presence::kUnknown;
        return v;
      default:
        return unknown_of(ValueType::kVector);
    }
  }

  Scenario scenario_;
};

}  // namespace

AbstractValue evaluate(const Expr& e, Scenario scenario) {
  Evaluator ev(scenario);
  return ev.eval(e);
}

}  // namespace rg::analysis
