#include "policy/condition/check.h"

#include <vector>

namespace rg::condition {

namespace {

using K = Type::Kind;

std::string kind_name(K k) {
  switch (k) {
    case K::kAny: return "interface {}";
    case K::kNil: return "<nil>";
    case K::kBool: return "bool";
    case K::kInt: return "int";
    case K::kFloat: return "float64";
    case K::kString: return "string";
    case K::kList: return "[]interface {}";
    case K::kMap: return "map[string]interface {}";
  }
  return "?";
}

bool is_any(const Type& t) { return t.kind == K::kAny; }
bool is_number(const Type& t) { return t.kind == K::kInt || t.kind == K::kFloat; }
bool number_or_any(const Type& t) { return is_number(t) || is_any(t); }
bool bool_or_any(const Type& t) { return t.kind == K::kBool || is_any(t); }
bool string_or_any(const Type& t) { return t.kind == K::kString || is_any(t); }
bool int_or_any(const Type& t) { return t.kind == K::kInt || is_any(t); }
bool list_or_any(const Type& t) { return t.kind == K::kList || is_any(t); }

class Checker {
 public:
  explicit Checker(Type result) : result_(result) {}
  bool failed() const { return failed_; }
  const Error& error() const { return err_; }

  Type visit(const Node& n) {
    if (failed_) return Type::any();
    switch (n.kind) {
      case NodeKind::kNil: return Type::of(K::kNil);
      case NodeKind::kBool: return Type::of(K::kBool);
      case NodeKind::kInt: return Type::of(K::kInt);
      case NodeKind::kFloat: return Type::of(K::kFloat);
      case NodeKind::kString: return Type::of(K::kString);
      case NodeKind::kIdentifier:
        if (n.text == "result") return result_;
        if (is_function(n.text)) return Type::any();
        return fail(n, "unknown name " + n.text);
      case NodeKind::kPointer:
        return pointers_.empty() ? Type::any() : pointers_.back();
      case NodeKind::kUnary: return unary(n);
      case NodeKind::kBinary: return binary(n);
      case NodeKind::kMember: {
        Type base = visit(*n.children[0]);
        if (is_any(base) || base.kind == K::kMap) return Type::of(base.elem);
        if (base.kind == K::kNil) return Type::any();  // a run-time error, not a compile one
        return fail(n, "type " + base.name() + " has no field " + n.text);
      }
      case NodeKind::kIndex: {
        Type base = visit(*n.children[0]);
        Type idx = visit(*n.children[1]);
        if (failed_) return Type::any();
        switch (base.kind) {
          case K::kAny: case K::kNil: return Type::any();
          case K::kList:
            if (!int_or_any(idx)) return fail(n, "non-integer slice index " + idx.name());
            return Type::of(base.elem);
          case K::kMap:
            if (!string_or_any(idx)) return fail(n, "cannot use " + idx.name() + " to get an element from " + base.name());
            return Type::of(base.elem);
          case K::kString:
            if (!int_or_any(idx)) return fail(n, "non-integer string index " + idx.name());
            return Type::of(K::kString);
          default: return fail(n, "type " + base.name() + "[" + idx.name() + "] is undefined");
        }
      }
      case NodeKind::kSlice: {
        Type base = visit(*n.children[0]);
        for (size_t i = 1; i < n.children.size(); ++i) {
          Type b = visit(*n.children[i]);
          if (!failed_ && !int_or_any(b)) return fail(*n.children[i], "non-integer slice index " + b.name());
        }
        if (failed_) return Type::any();
        if (is_any(base) || base.kind == K::kList || base.kind == K::kString || base.kind == K::kNil) return base;
        return fail(n, "cannot slice " + base.name());
      }
      case NodeKind::kConditional: {
        Type c = visit(*n.children[0]);
        if (!failed_ && !bool_or_any(c))
          return fail(*n.children[0], "non-bool expression (type " + c.name() + ") used as condition");
        Type a = visit(*n.children[1]);
        Type b = visit(*n.children[2]);
        return a == b ? a : Type::any();
      }
      case NodeKind::kArray:
        for (const auto& c : n.children) visit(*c);
        return Type::of(K::kList);
      case NodeKind::kClosure: return visit(*n.children[0]);
      case NodeKind::kCall: return call(n);
    }
    return Type::any();
  }

 private:
  Type fail(const Node& at, std::string msg) {
    if (!failed_) {
      failed_ = true;
      err_ = Error{at.pos, std::move(msg)};
    }
    return Type::any();
  }

  static bool is_function(const std::string& name) {
    static const char* kNames[] = {"len", "all", "any", "none", "one", "filter", "map", "count",
                                   "find", "findIndex", "findLast", "findLastIndex", "abs", "min",
                                   "max", "int", "float", "string", "sum", "mean", "first", "last",
                                   "ceil", "floor", "round", "isNaN", "isInf", "asInt", "asFloat",
                                   "isNil", "default"};
    for (const char* k : kNames)
      if (name == k) return true;
    return false;
  }

  Type unary(const Node& n) {
    Type t = visit(*n.children[0]);
    if (failed_) return t;
    if (n.text == "!" || n.text == "not") {
      if (!bool_or_any(t)) return fail(n, "invalid operation: " + n.text + " (mismatched type " + t.name() + ")");
      return Type::of(K::kBool);
    }
    if (!number_or_any(t)) return fail(n, "invalid operation: " + n.text + " (mismatched type " + t.name() + ")");
    return t;
  }

  Type mismatch(const Node& n, const Type& l, const Type& r) {
    return fail(n, "invalid operation: " + n.text + " (mismatched types " + l.name() + " and " + r.name() + ")");
  }

  Type binary(const Node& n) {
    Type l = visit(*n.children[0]);
    Type r = visit(*n.children[1]);
    if (failed_) return Type::any();
    const std::string& op = n.text;
    if (op == "||" || op == "or" || op == "&&" || op == "and") {
      if (bool_or_any(l) && bool_or_any(r)) return Type::of(K::kBool);
      return mismatch(n, l, r);
    }
    if (op == "==" || op == "!=") {
      bool comparable = is_any(l) || is_any(r) || l.kind == K::kNil || r.kind == K::kNil ||
                        l.kind == r.kind || (is_number(l) && is_number(r));
      if (comparable) return Type::of(K::kBool);
      return mismatch(n, l, r);
    }
    if (op == "<" || op == "<=" || op == ">" || op == ">=") {
      bool ok = (number_or_any(l) && number_or_any(r)) || (string_or_any(l) && string_or_any(r));
      if (ok) return Type::of(K::kBool);
      return mismatch(n, l, r);
    }
    if (op == "in" || op == "not in") {
      if (is_any(r) || r.kind == K::kList) return Type::of(K::kBool);
      if (r.kind == K::kMap && string_or_any(l)) return Type::of(K::kBool);
      return mismatch(n, l, r);
    }
    if (op == "contains" || op == "not contains" || op == "startsWith" || op == "not startsWith" ||
        op == "endsWith" || op == "not endsWith" || op == "matches" || op == "not matches") {
      if (string_or_any(l) && string_or_any(r)) return Type::of(K::kBool);
      return mismatch(n, l, r);
    }
    if (op == "..") {
      if (int_or_any(l) && int_or_any(r)) return Type{K::kList, K::kInt};
      return mismatch(n, l, r);
    }
    if (op == "??") return l.kind == K::kNil ? r : (l == r ? l : Type::any());
    if (op == "+" && l.kind == K::kString && r.kind == K::kString) return l;
    if (op == "+" || op == "-" || op == "*") {
      if (is_number(l) && is_number(r))
        return Type::of(l.kind == K::kInt && r.kind == K::kInt ? K::kInt : K::kFloat);
      if ((is_any(l) && (is_number(r) || is_any(r) || (op == "+" && r.kind == K::kString))) ||
          (is_any(r) && (is_number(l) || (op == "+" && l.kind == K::kString))))
        return Type::any();
      return mismatch(n, l, r);
    }
    if (op == "/" || op == "**" || op == "^") {
      if (number_or_any(l) && number_or_any(r)) return Type::of(K::kFloat);
      return mismatch(n, l, r);
    }
    if (op == "%") {
      if (int_or_any(l) && int_or_any(r)) return Type::of(K::kInt);
      return mismatch(n, l, r);
    }
    return Type::any();
  }

  Type arity(const Node& n, size_t lo, size_t hi) {
    if (n.children.size() < lo) return fail(n, "not enough arguments to call " + n.text);
    if (n.children.size() > hi) return fail(n, "too many arguments to call " + n.text);
    return Type::any();
  }

  Type call(const Node& n) {
    const std::string& f = n.text;
    if (!is_function(f)) return fail(n, "unknown func " + f);
    bool predicate = f == "all" || f == "any" || f == "none" || f == "one" || f == "filter" ||
                     f == "map" || f == "count" || f == "find" || f == "findIndex" ||
                     f == "findLast" || f == "findLastIndex";
    if (predicate) {
      arity(n, 2, 2);
      if (failed_) return Type::any();
      Type list = visit(*n.children[0]);
      if (failed_) return Type::any();
      if (!list_or_any(list)) return fail(n, "builtin " + f + " takes only array (got " + list.name() + ")");
      pointers_.push_back(Type::of(list.elem));
      Type body = visit(*n.children[1]);
      pointers_.pop_back();
      if (failed_) return Type::any();
      if (f == "map") return Type{K::kList, body.kind == K::kList || body.kind == K::kMap ? K::kAny : body.kind};
      if (!bool_or_any(body)) return fail(*n.children[1], "predicate should return boolean (got " + body.name() + ")");
      if (f == "filter") return list;
      if (f == "count" || f == "findIndex" || f == "findLastIndex") return Type::of(K::kInt);
      if (f == "find" || f == "findLast") return Type::any();
      return Type::of(K::kBool);
    }
    std::vector<Type> args;
    for (const auto& c : n.children) args.push_back(visit(*c));
    if (failed_) return Type::any();
    auto bad_arg = [&](const Type& t) {
      return fail(n, "invalid argument for " + f + " (type " + t.name() + ")");
    };
    if (f == "len") {
      arity(n, 1, 1);
      if (failed_) return Type::any();
      const Type& t = args[0];
      if (is_any(t) || t.kind == K::kList || t.kind == K::kMap || t.kind == K::kString) return Type::of(K::kInt);
      return bad_arg(t);
    }
    if (f == "isNaN" || f == "isInf") {
      arity(n, 1, 1);
      if (failed_) return Type::any();
      if (!number_or_any(args[0]))
        return fail(n, "cannot use " + args[0].name() + " as argument (type float64) to call " + f);
      return Type::of(K::kBool);
    }
    if (f == "asInt" || f == "asFloat" || f == "isNil") {
      arity(n, 1, 1);
      return Type::of(f == "asInt" ? K::kInt : f == "asFloat" ? K::kFloat : K::kBool);
    }
    if (f == "default") {
      arity(n, 2, 2);
      return Type::any();
    }
    if (f == "abs" || f == "ceil" || f == "floor" || f == "round") {
      arity(n, 1, 1);
      if (failed_) return Type::any();
      if (!number_or_any(args[0])) return bad_arg(args[0]);
      return f == "abs" ? args[0] : Type::of(K::kFloat);
    }
    if (f == "int" || f == "float" || f == "string") {
      arity(n, 1, 1);
      return Type::of(f == "int" ? K::kInt : f == "float" ? K::kFloat : K::kString);
    }
    if (f == "min" || f == "max") {
      arity(n, 1, 64);
      return Type::any();
    }
    // sum, mean, first, last
    arity(n, 1, 1);
    if (failed_) return Type::any();
    if (!list_or_any(args[0])) return bad_arg(args[0]);
    if (f == "mean") return Type::of(K::kFloat);
    if (f == "sum") return args[0].elem == K::kInt ? Type::of(K::kInt) : Type::any();
    return Type::of(args[0].elem);
  }

  Type result_;
  std::vector<Type> pointers_;
  bool failed_ = false;
  Error err_;
};

}  // namespace

std::string Type::name() const {
  if (kind == K::kList) return elem == K::kAny ? "[]interface {}" : "[]" + kind_name(elem);
  if (kind == K::kMap) return "map[string]" + kind_name(elem);
  return kind_name(kind);
}

Type type_of(const Value& v) {
  switch (v.kind()) {
    case Value::Kind::kBool: return Type::of(K::kBool);
    case Value::Kind::kInt: return Type::of(K::kInt);
    case Value::Kind::kFloat: return Type::of(K::kFloat);
    case Value::Kind::kString: return Type::of(K::kString);
    case Value::Kind::kList: return v.is_float_vector() ? Type::vector() : Type::of(K::kList);
    case Value::Kind::kMap: return Type::of(K::kMap);
    default: return Type::any();
  }
}

CheckResult check(const Ast& ast, const Type& result_type) {
  CheckResult r;
  if (!ast.root()) {
    r.ok = false;
    r.error = Error{Position{}, "empty condition"};
    return r;
  }
  Checker c(result_type);
  r.type = c.visit(*ast.root());
  if (c.failed()) {
    r.ok = false;
    r.error = c.error();
    r.type = Type::any();
  }
  return r;
}

}  // namespace rg::condition
