// Value: a run-time value of the condition language (the part of expr-lang
// that Argo Rollouts uses for successCondition / failureCondition).
//
// Kinds: nil, bool, int (int64), float (double; NaN and +-Inf allowed),
// string, list, map (string keys; what a web/JSON provider produces).
// A Prometheus instant vector reaches Argo as Go []float64: build it with
// Value::vector(). A Prometheus scalar is a plain float: Value::number().
// The "vector" flag matters to the type checker (check.h): Argo compiles the
// condition against the concrete Go type of `result`, so `result` built with
// vector() types as []float64 and `result[0]` as float64.
//
// Values are immutable and cheap to copy (lists and maps are shared).
// Thread safety: a Value may be read from several threads at once.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <variant>
#include <vector>

namespace rg::condition {

class Value {
 public:
  enum class Kind { kNil, kBool, kInt, kFloat, kString, kList, kMap };
  using List = std::vector<Value>;
  using Map = std::map<std::string, Value>;

  Value() = default;  // nil
  static Value nil() { return Value(); }
  static Value boolean(bool b);
  static Value integer(int64_t i);
  static Value number(double d);  // float64
  static Value string(std::string s);
  static Value list(List items);  // []interface{}
  static Value vector(const std::vector<double>& samples);  // []float64
  static Value map(Map entries);  // map[string]interface{}

  Kind kind() const;
  bool is_nil() const { return kind() == Kind::kNil; }
  bool is_number() const { return kind() == Kind::kInt || kind() == Kind::kFloat; }
  // True for lists made by vector(): Go type []float64.
  bool is_float_vector() const;

  // Accessors; calling the wrong one for the kind returns a zero value.
  bool as_bool() const;
  int64_t as_int() const;
  double as_float() const;  // int or float widened to double
  const std::string& as_string() const;
  const List& as_list() const;
  const Map& as_map() const;

  // The Go type name Argo's messages use: "float64", "int", "bool", "string",
  // "<nil>", "[]float64", "[]interface {}", "map[string]interface {}".
  std::string type_name() const;
  // A short rendering for messages and tests: 0.5, NaN, +Inf, "s", [1, 2].
  std::string debug_string() const;

 private:
  struct ListBox {
    List items;
    bool float_vector = false;
  };
  std::variant<std::monostate, bool, int64_t, double, std::string,
               std::shared_ptr<const ListBox>, std::shared_ptr<const Map>>
      v_;
};

// expr's `==`: numbers compare by value across int/float (NaN is unequal to
// everything, itself included); other kinds must match; lists and maps compare
// element-wise with the same rule.
bool values_equal(const Value& a, const Value& b);

}  // namespace rg::condition
