#include "policy/condition/eval.h"

#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "policy/condition/check.h"

namespace rg::condition {

namespace {

using VK = Value::Kind;

constexpr int64_t kMaxRange = 100'000;

// Go's int64(f) on amd64: truncation, and INT64_MIN when out of range or NaN.
int64_t go_float_to_int(double d) {
  if (std::isnan(d) || d >= 9223372036854775808.0 || d < -9223372036854775808.0)
    return std::numeric_limits<int64_t>::min();
  return static_cast<int64_t>(d);
}

int64_t wrap_add(int64_t a, int64_t b) {
  return static_cast<int64_t>(static_cast<uint64_t>(a) + static_cast<uint64_t>(b));
}
int64_t wrap_sub(int64_t a, int64_t b) {
  return static_cast<int64_t>(static_cast<uint64_t>(a) - static_cast<uint64_t>(b));
}
int64_t wrap_mul(int64_t a, int64_t b) {
  return static_cast<int64_t>(static_cast<uint64_t>(a) * static_cast<uint64_t>(b));
}

// strconv.ParseInt(s, 10, 64).
std::optional<int64_t> parse_go_int(const std::string& s) {
  std::string_view v = s;
  bool neg = false;
  if (!v.empty() && (v[0] == '+' || v[0] == '-')) {
    neg = v[0] == '-';
    v.remove_prefix(1);
  }
  if (v.empty()) return std::nullopt;
  uint64_t u = 0;
  auto r = std::from_chars(v.data(), v.data() + v.size(), u);
  if (r.ec != std::errc() || r.ptr != v.data() + v.size()) return std::nullopt;
  if (neg) {
    if (u > 9223372036854775808ull) return std::nullopt;
    return static_cast<int64_t>(0 - u);
  }
  if (u > static_cast<uint64_t>(INT64_MAX)) return std::nullopt;
  return static_cast<int64_t>(u);
}

// strconv.ParseFloat(s, 64), close enough: decimal forms plus inf/nan names.
std::optional<double> parse_go_float(const std::string& s) {
  std::string lower;
  for (char c : s) lower.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  std::string_view v = lower;
  bool neg = false;
  bool sign = false;
  if (!v.empty() && (v[0] == '+' || v[0] == '-')) {
    neg = v[0] == '-';
    sign = true;
    v.remove_prefix(1);
  }
  if (v == "inf" || v == "infinity") return neg ? -INFINITY : INFINITY;
  if (v == "nan" && !sign) return std::nan("");
  if (v.empty() || v[0] == '+' || v[0] == '-') return std::nullopt;
  double d = 0;
  auto r = std::from_chars(v.data(), v.data() + v.size(), d);
  if (r.ec == std::errc::result_out_of_range) {
    size_t e = v.find('e');
    if (e != std::string_view::npos && e + 1 < v.size() && v[e + 1] == '-') return neg ? -0.0 : 0.0;
    return std::nullopt;
  }
  if (r.ec != std::errc() || r.ptr != v.data() + v.size()) return std::nullopt;
  return neg ? -d : d;
}

std::string go_format_float(double d) {
  if (std::isnan(d)) return "NaN";
  if (std::isinf(d)) return d > 0 ? "+Inf" : "-Inf";
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof buf, d);
  return std::string(buf, r.ptr);
}

class Evaluator {
 public:
  explicit Evaluator(const Value& result) : result_(result) {}
  bool failed() const { return failed_; }
  const Error& error() const { return err_; }

  Value eval(const Node& n) {
    if (failed_) return Value();
    if (++steps_ > kMaxSteps) return fail(n, "evaluation exceeded " + std::to_string(kMaxSteps) + " steps");
    switch (n.kind) {
      case NodeKind::kNil: return Value();
      case NodeKind::kBool: return Value::boolean(n.bool_value);
      case NodeKind::kInt: return Value::integer(n.int_value);
      case NodeKind::kFloat: return Value::number(n.float_value);
      case NodeKind::kString: return Value::string(n.text);
      case NodeKind::kIdentifier:
        if (n.text == "result") return result_;
        return fail(n, "cannot use " + n.text + " as a value");
      case NodeKind::kPointer:
        if (pointers_.empty()) return fail(n, "cannot use pointer accessor outside predicate");
        return pointers_.back();
      case NodeKind::kUnary: return unary(n);
      case NodeKind::kBinary: return binary(n);
      case NodeKind::kMember: {
        Value base = eval(*n.children[0]);
        if (failed_) return Value();
        if (base.is_nil() && n.optional) return Value();
        return fetch(n, base, Value::string(n.text));
      }
      case NodeKind::kIndex: {
        Value base = eval(*n.children[0]);
        Value idx = eval(*n.children[1]);
        if (failed_) return Value();
        return fetch(n, base, idx);
      }
      case NodeKind::kSlice: return slice(n);
      case NodeKind::kConditional: {
        Value c = eval(*n.children[0]);
        if (failed_) return Value();
        if (c.kind() != VK::kBool)
          return fail(*n.children[0], "non-bool expression (type " + c.type_name() + ") used as condition");
        return eval(*n.children[c.as_bool() ? 1 : 2]);
      }
      case NodeKind::kArray: {
        Value::List items;
        for (const auto& c : n.children) items.push_back(eval(*c));
        if (failed_) return Value();
        return Value::list(std::move(items));
      }
      case NodeKind::kClosure: return eval(*n.children[0]);
      case NodeKind::kCall: return call(n);
    }
    return fail(n, "unsupported expression");
  }

 private:
  Value fail(const Node& at, std::string msg) {
    if (!failed_) {
      failed_ = true;
      err_ = Error{at.pos, std::move(msg)};
    }
    return Value();
  }

  Value unary(const Node& n) {
    Value v = eval(*n.children[0]);
    if (failed_) return v;
    if (n.text == "!" || n.text == "not") {
      if (v.kind() != VK::kBool) return fail(n, "invalid operation: " + n.text + " (mismatched type " + v.type_name() + ")");
      return Value::boolean(!v.as_bool());
    }
    if (v.kind() == VK::kInt) return n.text == "-" ? Value::integer(wrap_sub(0, v.as_int())) : v;
    if (v.kind() == VK::kFloat) return n.text == "-" ? Value::number(-v.as_float()) : v;
    return fail(n, "invalid operation: " + n.text + " (mismatched type " + v.type_name() + ")");
  }

  Value mismatch(const Node& n, const Value& l, const Value& r) {
    return fail(n, "invalid operation: " + n.text + " (mismatched types " + l.type_name() + " and " +
                       r.type_name() + ")");
  }

  Value binary(const Node& n) {
    const std::string& op = n.text;
    if (op == "||" || op == "or" || op == "&&" || op == "and") {
      bool is_or = op == "||" || op == "or";
      Value l = eval(*n.children[0]);
      if (failed_) return l;
      if (l.kind() != VK::kBool)
        return fail(n, "invalid operation: " + op + " (non-bool operand of type " + l.type_name() + ")");
      if (l.as_bool() == is_or) return l;  // short-circuit
      // expr leaves the right operand as the result, whatever its type.
      return eval(*n.children[1]);
    }
    if (op == "??") {
      Value l = eval(*n.children[0]);
      if (failed_ || !l.is_nil()) return l;
      return eval(*n.children[1]);
    }
    Value l = eval(*n.children[0]);
    Value r = eval(*n.children[1]);
    if (failed_) return Value();
    if (op == "==") return Value::boolean(values_equal(l, r));
    if (op == "!=") return Value::boolean(!values_equal(l, r));
    if (op == "<" || op == "<=" || op == ">" || op == ">=") return compare(n, l, r);
    if (op == "in" || op == "not in") {
      Value v = in(n, l, r);
      if (failed_) return v;
      return op == "in" ? v : Value::boolean(!v.as_bool());
    }
    if (op == "contains" || op == "startsWith" || op == "endsWith" || op == "not contains" ||
        op == "not startsWith" || op == "not endsWith") {
      if (l.kind() != VK::kString || r.kind() != VK::kString) return mismatch(n, l, r);
      const std::string& a = l.as_string();
      const std::string& b = r.as_string();
      bool v = false;
      std::string_view base = op.rfind("not ", 0) == 0 ? std::string_view(op).substr(4) : std::string_view(op);
      if (base == "contains") v = a.find(b) != std::string::npos;
      else if (base == "startsWith") v = a.rfind(b, 0) == 0;
      else v = a.size() >= b.size() && a.compare(a.size() - b.size(), b.size(), b) == 0;
      return Value::boolean(op.rfind("not ", 0) == 0 ? !v : v);
    }
    if (op == "matches" || op == "not matches")
      return fail(n, "the matches operator is not supported by rollout-guard");
    if (op == "..") {
      if (l.kind() != VK::kInt || r.kind() != VK::kInt) return mismatch(n, l, r);
      int64_t a = l.as_int(), b = r.as_int();
      if (b >= a && static_cast<uint64_t>(b) - static_cast<uint64_t>(a) >= static_cast<uint64_t>(kMaxRange))
        return fail(n, "range is longer than " + std::to_string(kMaxRange) + " elements");
      Value::List items;
      for (int64_t i = a; i <= b; ++i) items.push_back(Value::integer(i));
      return Value::list(std::move(items));
    }
    return arithmetic(n, l, r);
  }

  Value compare(const Node& n, const Value& l, const Value& r) {
    const std::string& op = n.text;
    if (l.is_number() && r.is_number()) {
      bool v;
      if (l.kind() == VK::kInt && r.kind() == VK::kInt) {
        int64_t a = l.as_int(), b = r.as_int();
        v = op == "<" ? a < b : op == "<=" ? a <= b : op == ">" ? a > b : a >= b;
      } else {
        double a = l.as_float(), b = r.as_float();  // any NaN makes all four false
        v = op == "<" ? a < b : op == "<=" ? a <= b : op == ">" ? a > b : a >= b;
      }
      return Value::boolean(v);
    }
    if (l.kind() == VK::kString && r.kind() == VK::kString) {
      int c = l.as_string().compare(r.as_string());
      return Value::boolean(op == "<" ? c < 0 : op == "<=" ? c <= 0 : op == ">" ? c > 0 : c >= 0);
    }
    return mismatch(n, l, r);
  }

  Value in(const Node& n, const Value& needle, const Value& hay) {
    if (hay.kind() == VK::kList) {
      for (const Value& item : hay.as_list())
        if (values_equal(item, needle)) return Value::boolean(true);
      return Value::boolean(false);
    }
    if (hay.kind() == VK::kMap) {
      if (needle.kind() != VK::kString) return mismatch(n, needle, hay);
      return Value::boolean(hay.as_map().count(needle.as_string()) > 0);
    }
    return fail(n, "operator \"in\" not defined on " + hay.type_name());
  }

  Value arithmetic(const Node& n, const Value& l, const Value& r) {
    const std::string& op = n.text;
    if (op == "+" && l.kind() == VK::kString && r.kind() == VK::kString)
      return Value::string(l.as_string() + r.as_string());
    if (!l.is_number() || !r.is_number()) return mismatch(n, l, r);
    bool ints = l.kind() == VK::kInt && r.kind() == VK::kInt;
    double a = l.as_float(), b = r.as_float();
    if (op == "+") return ints ? Value::integer(wrap_add(l.as_int(), r.as_int())) : Value::number(a + b);
    if (op == "-") return ints ? Value::integer(wrap_sub(l.as_int(), r.as_int())) : Value::number(a - b);
    if (op == "*") return ints ? Value::integer(wrap_mul(l.as_int(), r.as_int())) : Value::number(a * b);
    if (op == "/") return Value::number(a / b);
    if (op == "**" || op == "^") return Value::number(std::pow(a, b));
    if (op == "%") {
      if (!ints) return mismatch(n, l, r);
      if (r.as_int() == 0) return fail(n, "integer divide by zero");
      if (r.as_int() == -1) return Value::integer(0);  // avoids INT64_MIN % -1
      return Value::integer(l.as_int() % r.as_int());
    }
    return fail(n, "unknown operator " + op);
  }

  Value fetch(const Node& n, const Value& base, const Value& key) {
    switch (base.kind()) {
      case VK::kList: {
        if (!key.is_number()) return fail(n, "cannot use " + key.type_name() + " as index to " + base.type_name());
        const auto& items = base.as_list();
        int64_t len = static_cast<int64_t>(items.size());
        int64_t i = key.kind() == VK::kInt ? key.as_int() : go_float_to_int(key.as_float());
        int64_t j = i < 0 ? i + len : i;
        if (j < 0 || j >= len)
          return fail(n, "index out of range: " + std::to_string(i) + " (array length is " + std::to_string(len) + ")");
        return items[static_cast<size_t>(j)];
      }
      case VK::kMap: {
        if (key.kind() != VK::kString) return fail(n, "cannot use " + key.type_name() + " as key to " + base.type_name());
        const auto& m = base.as_map();
        auto it = m.find(key.as_string());
        return it == m.end() ? Value() : it->second;
      }
      case VK::kString: {
        if (key.kind() != VK::kInt) return fail(n, "cannot use " + key.type_name() + " as index to string");
        const std::string& s = base.as_string();
        int64_t len = static_cast<int64_t>(s.size());
        int64_t i = key.as_int();
        int64_t j = i < 0 ? i + len : i;
        if (j < 0 || j >= len)
          return fail(n, "index out of range: " + std::to_string(i) + " (string length is " + std::to_string(len) + ")");
        return Value::string(std::string(1, s[static_cast<size_t>(j)]));
      }
      default: {
        std::string k = key.kind() == VK::kString ? key.as_string() : key.debug_string();
        return fail(n, "cannot fetch " + k + " from " + base.type_name());
      }
    }
  }

  Value slice(const Node& n) {
    Value base = eval(*n.children[0]);
    size_t i = 1;
    Value from = n.has_from ? eval(*n.children[i++]) : Value();
    Value to = n.has_to ? eval(*n.children[i++]) : Value();
    if (failed_) return Value();
    if (base.kind() != VK::kList && base.kind() != VK::kString) return fail(n, "cannot slice " + base.type_name());
    int64_t len = base.kind() == VK::kList ? static_cast<int64_t>(base.as_list().size())
                                           : static_cast<int64_t>(base.as_string().size());
    auto bound = [&](const Value& v, int64_t dflt, int64_t* out) {
      if (v.is_nil()) {
        *out = dflt;
        return true;
      }
      if (v.kind() != VK::kInt) return false;
      int64_t b = v.as_int();
      if (b < 0) b += len;
      *out = b < 0 ? 0 : b > len ? len : b;
      return true;
    };
    int64_t a = 0, b = len;
    if (!bound(from, 0, &a) || !bound(to, len, &b)) return fail(n, "non-integer slice index");
    if (a > b) a = b;
    if (base.kind() == VK::kString)
      return Value::string(base.as_string().substr(static_cast<size_t>(a), static_cast<size_t>(b - a)));
    const auto& items = base.as_list();
    Value::List out(items.begin() + a, items.begin() + b);
    return base.is_float_vector() ? float_list(out) : Value::list(std::move(out));
  }

  static Value float_list(const Value::List& items) {
    std::vector<double> d;
    for (const auto& v : items) d.push_back(v.as_float());
    return Value::vector(d);
  }

  bool arity(const Node& n, size_t lo, size_t hi) {
    if (n.children.size() < lo) return fail(n, "not enough arguments to call " + n.text), false;
    if (n.children.size() > hi) return fail(n, "too many arguments to call " + n.text), false;
    return true;
  }

  Value predicate(const Node& n) {
    const std::string& f = n.text;
    if (!arity(n, 2, 2)) return Value();
    Value list = eval(*n.children[0]);
    if (failed_) return Value();
    if (list.kind() != VK::kList) return fail(n, "builtin " + f + " takes only array (got " + list.type_name() + ")");
    const auto& items = list.as_list();
    Value::List out;
    int64_t count = 0;
    std::optional<size_t> found;
    for (size_t i = 0; i < items.size(); ++i) {
      size_t k = (f == "findLast" || f == "findLastIndex") ? items.size() - 1 - i : i;
      pointers_.push_back(items[k]);
      Value v = eval(*n.children[1]);
      pointers_.pop_back();
      if (failed_) return Value();
      if (f == "map") {
        out.push_back(v);
        continue;
      }
      if (v.kind() != VK::kBool)
        return fail(*n.children[1], "predicate should return boolean (got " + v.type_name() + ")");
      bool b = v.as_bool();
      if (f == "all" && !b) return Value::boolean(false);
      if (f == "any" && b) return Value::boolean(true);
      if (f == "none" && b) return Value::boolean(false);
      if (b) ++count;
      if (f == "filter" && b) out.push_back(items[k]);
      if (b && (f == "find" || f == "findIndex" || f == "findLast" || f == "findLastIndex")) {
        found = k;
        break;
      }
    }
    if (f == "all" || f == "none") return Value::boolean(true);
    if (f == "any") return Value::boolean(false);
    if (f == "one") return Value::boolean(count == 1);
    if (f == "count") return Value::integer(count);
    if (f == "filter") return list.is_float_vector() ? float_list(out) : Value::list(std::move(out));
    if (f == "map") return Value::list(std::move(out));
    if (f == "find" || f == "findLast") return found ? items[*found] : Value();
    return Value::integer(found ? static_cast<int64_t>(*found) : -1);
  }

  Value call(const Node& n) {
    const std::string& f = n.text;
    if (f == "all" || f == "any" || f == "none" || f == "one" || f == "filter" || f == "map" ||
        f == "count" || f == "find" || f == "findIndex" || f == "findLast" || f == "findLastIndex")
      return predicate(n);
    std::vector<Value> args;
    for (const auto& c : n.children) args.push_back(eval(*c));
    if (failed_) return Value();
    auto bad_arg = [&](const Value& v) {
      return fail(n, "invalid argument for " + f + " (type " + v.type_name() + ")");
    };
    if (f == "len") {
      if (!arity(n, 1, 1)) return Value();
      const Value& v = args[0];
      if (v.kind() == VK::kList) return Value::integer(static_cast<int64_t>(v.as_list().size()));
      if (v.kind() == VK::kMap) return Value::integer(static_cast<int64_t>(v.as_map().size()));
      if (v.kind() == VK::kString) return Value::integer(static_cast<int64_t>(v.as_string().size()));
      return bad_arg(v);
    }
    if (f == "isNaN" || f == "isInf") {
      if (!arity(n, 1, 1)) return Value();
      const Value& v = args[0];
      if (!v.is_number()) return fail(n, "cannot use " + v.type_name() + " as argument (type float64) to call " + f);
      double d = v.as_float();
      return Value::boolean(f == "isNaN" ? std::isnan(d) : std::isinf(d));
    }
    if (f == "asInt" || f == "int") {
      if (!arity(n, 1, 1)) return Value();
      const Value& v = args[0];
      if (v.kind() == VK::kInt) return v;
      if (v.kind() == VK::kFloat) return Value::integer(go_float_to_int(v.as_float()));
      if (v.kind() == VK::kString) {
        if (auto i = parse_go_int(v.as_string())) return Value::integer(*i);
        return fail(n, "strconv.ParseInt: parsing \"" + v.as_string() + "\": invalid syntax");
      }
      if (f == "int") return bad_arg(v);
      return fail(n, "asInt() not supported on " + v.type_name() + " " + v.debug_string());
    }
    if (f == "asFloat" || f == "float") {
      if (!arity(n, 1, 1)) return Value();
      const Value& v = args[0];
      if (v.is_number()) return Value::number(v.as_float());
      if (v.kind() == VK::kString) {
        if (auto d = parse_go_float(v.as_string())) return Value::number(*d);
        return fail(n, "strconv.ParseFloat: parsing \"" + v.as_string() + "\": invalid syntax");
      }
      if (f == "float") return bad_arg(v);
      return fail(n, "asFloat() not supported on " + v.type_name() + " " + v.debug_string());
    }
    if (f == "isNil") {  // Argo: ignores its argument, looks at result
      if (!arity(n, 1, 1)) return Value();
      return Value::boolean(result_.is_nil());
    }
    if (f == "default") {  // Argo: ignores its first argument, looks at result
      if (!arity(n, 2, 2)) return Value();
      return result_.is_nil() ? args[1] : result_;
    }
    if (f == "abs") {
      if (!arity(n, 1, 1)) return Value();
      const Value& v = args[0];
      if (v.kind() == VK::kInt) return Value::integer(v.as_int() < 0 ? wrap_sub(0, v.as_int()) : v.as_int());
      if (v.kind() == VK::kFloat) return Value::number(std::fabs(v.as_float()));
      return bad_arg(v);
    }
    if (f == "ceil" || f == "floor" || f == "round") {
      if (!arity(n, 1, 1)) return Value();
      if (!args[0].is_number()) return bad_arg(args[0]);
      double d = args[0].as_float();
      return Value::number(f == "ceil" ? std::ceil(d) : f == "floor" ? std::floor(d) : std::round(d));
    }
    if (f == "string") {
      if (!arity(n, 1, 1)) return Value();
      const Value& v = args[0];
      if (v.kind() == VK::kString) return v;
      if (v.kind() == VK::kFloat) return Value::string(go_format_float(v.as_float()));
      return Value::string(v.debug_string());
    }
    if (f == "min" || f == "max") {
      if (!arity(n, 1, 64)) return Value();
      std::vector<Value> flat;
      for (const Value& a : args) {
        if (a.kind() == VK::kList) flat.insert(flat.end(), a.as_list().begin(), a.as_list().end());
        else flat.push_back(a);
      }
      if (flat.empty()) return fail(n, "not enough arguments to call " + f);
      Value best;
      for (const Value& v : flat) {
        if (!v.is_number()) return bad_arg(v);
        if (best.is_nil() || (f == "min" ? v.as_float() < best.as_float() : v.as_float() > best.as_float()))
          best = v;
      }
      return best;
    }
    if (f == "sum" || f == "mean" || f == "first" || f == "last") {
      if (!arity(n, 1, 1)) return Value();
      const Value& v = args[0];
      if (v.kind() != VK::kList) return bad_arg(v);
      const auto& items = v.as_list();
      if (f == "first") return items.empty() ? Value() : items.front();
      if (f == "last") return items.empty() ? Value() : items.back();
      bool ints = true;
      int64_t isum = 0;
      double dsum = 0;
      for (const Value& x : items) {
        if (!x.is_number()) return bad_arg(x);
        if (x.kind() == VK::kInt) isum = wrap_add(isum, x.as_int());
        else ints = false;
        dsum += x.as_float();
      }
      if (f == "mean") return Value::number(items.empty() ? 0.0 : dsum / static_cast<double>(items.size()));
      return ints ? Value::integer(isum) : Value::number(dsum);
    }
    return fail(n, "unknown func " + f);
  }

  const Value& result_;
  std::vector<Value> pointers_;
  long steps_ = 0;
  bool failed_ = false;
  Error err_;
};

}  // namespace

ValueResult evaluate_value(const Ast& ast, const Value& result) {
  ValueResult r;
  CheckResult c = check(ast, type_of(result));
  if (!c.ok) {
    r.error = c.error;
    return r;
  }
  Evaluator e(result);
  Value v = e.eval(*ast.root());
  if (e.failed()) {
    r.error = e.error();
    return r;
  }
  r.ok = true;
  r.value = std::move(v);
  return r;
}

EvalResult evaluate(const Ast& ast, const Value& result) {
  EvalResult r;
  ValueResult v = evaluate_value(ast, result);
  if (!v.ok) {
    r.error = v.error;
    return r;
  }
  if (v.value.kind() != Value::Kind::kBool) {
    r.error = Error{ast.root()->pos, "expected bool, but got " + v.value.type_name()};
    return r;
  }
  r.ok = true;
  r.value = v.value.as_bool();
  return r;
}

}  // namespace rg::condition
