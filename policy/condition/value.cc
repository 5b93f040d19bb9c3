#include "policy/condition/value.h"

#include <charconv>
#include <cmath>

namespace rg::condition {

namespace {

const std::string& empty_string() {
  static const std::string s;
  return s;
}

std::string format_float(double d) {
  if (std::isnan(d)) return "NaN";
  if (std::isinf(d)) return d > 0 ? "+Inf" : "-Inf";
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof buf, d);
  return std::string(buf, r.ptr);
}

}  // namespace

Value Value::boolean(bool b) { Value v; v.v_ = b; return v; }
Value Value::integer(int64_t i) { Value v; v.v_ = i; return v; }
Value Value::number(double d) { Value v; v.v_ = d; return v; }
Value Value::string(std::string s) { Value v; v.v_ = std::move(s); return v; }

Value Value::list(List items) {
  Value v;
  v.v_ = std::make_shared<const ListBox>(ListBox{std::move(items), false});
  return v;
}

Value Value::vector(const std::vector<double>& samples) {
  List items;
  items.reserve(samples.size());
  for (double d : samples) items.push_back(number(d));
  Value v;
  v.v_ = std::make_shared<const ListBox>(ListBox{std::move(items), true});
  return v;
}

Value Value::map(Map entries) {
  Value v;
  v.v_ = std::make_shared<const Map>(std::move(entries));
  return v;
}

Value::Kind Value::kind() const {
  switch (v_.index()) {
    case 1: return Kind::kBool;
    case 2: return Kind::kInt;
    case 3: return Kind::kFloat;
    case 4: return Kind::kString;
    case 5: return Kind::kList;
    case 6: return Kind::kMap;
    default: return Kind::kNil;
  }
}

bool Value::is_float_vector() const {
  auto* p = std::get_if<std::shared_ptr<const ListBox>>(&v_);
  return p && (*p)->float_vector;
}

bool Value::as_bool() const {
  auto* p = std::get_if<bool>(&v_);
  return p && *p;
}

int64_t Value::as_int() const {
  auto* p = std::get_if<int64_t>(&v_);
  return p ? *p : 0;
}

double Value::as_float() const {
  if (auto* p = std::get_if<double>(&v_)) return *p;
  if (auto* p = std::get_if<int64_t>(&v_)) return static_cast<double>(*p);
  return 0;
}

const std::string& Value::as_string() const {
  auto* p = std::get_if<std::string>(&v_);
  return p ? *p : empty_string();
}

const Value::List& Value::as_list() const {
  static const List empty;
  auto* p = std::get_if<std::shared_ptr<const ListBox>>(&v_);
  return p ? (*p)->items : empty;
}

const Value::Map& Value::as_map() const {
  static const Map empty;
  auto* p = std::get_if<std::shared_ptr<const Map>>(&v_);
  return p ? **p : empty;
}

std::string Value::type_name() const {
  switch (kind()) {
    case Kind::kNil: return "<nil>";
    case Kind::kBool: return "bool";
    case Kind::kInt: return "int";
    case Kind::kFloat: return "float64";
    case Kind::kString: return "string";
    case Kind::kList: return is_float_vector() ? "[]float64" : "[]interface {}";
    case Kind::kMap: return "map[string]interface {}";
  }
  return "?";
}

std::string Value::debug_string() const {
  switch (kind()) {
    case Kind::kNil: return "nil";
    case Kind::kBool: return as_bool() ? "true" : "false";
    case Kind::kInt: return std::to_string(as_int());
    case Kind::kFloat: return format_float(as_float());
    case Kind::kString: return "\"" + as_string() + "\"";
    case Kind::kList: {
      std::string out = "[";
      for (const Value& item : as_list()) {
        if (out.size() > 1) out += ", ";
        out += item.debug_string();
      }
      return out + "]";
    }
    case Kind::kMap: {
      std::string out = "{";
      for (const auto& [k, item] : as_map()) {
        if (out.size() > 1) out += ", ";
        out += "\"" + k + "\": " + item.debug_string();
      }
      return out + "}";
    }
  }
  return "?";
}

bool values_equal(const Value& a, const Value& b) {
  if (a.is_number() && b.is_number()) {
    if (a.kind() == Value::Kind::kInt && b.kind() == Value::Kind::kInt) return a.as_int() == b.as_int();
    return a.as_float() == b.as_float();  // false whenever either is NaN
  }
  if (a.kind() != b.kind()) return false;
  switch (a.kind()) {
    case Value::Kind::kNil: return true;
    case Value::Kind::kBool: return a.as_bool() == b.as_bool();
    case Value::Kind::kString: return a.as_string() == b.as_string();
    case Value::Kind::kList: {
      const auto& x = a.as_list();
      const auto& y = b.as_list();
      if (x.size() != y.size()) return false;
      for (size_t i = 0; i < x.size(); ++i)
        if (!values_equal(x[i], y[i])) return false;
      return true;
    }
    case Value::Kind::kMap: {
      const auto& x = a.as_map();
      const auto& y = b.as_map();
      if (x.size() != y.size()) return false;
      for (auto i = x.begin(), j = y.begin(); i != x.end(); ++i, ++j)
        if (i->first != j->first || !values_equal(i->second, j->second)) return false;
      return true;
    }
    default: return false;
  }
}

}  // namespace rg::condition
