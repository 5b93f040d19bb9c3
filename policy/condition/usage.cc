#include "policy/condition/usage.h"

#include <algorithm>

namespace rg::condition {

namespace {

bool is_predicate(const std::string& f) {
  return f == "all" || f == "any" || f == "none" || f == "one" || f == "filter" || f == "map" ||
         f == "count" || f == "find" || f == "findIndex" || f == "findLast" || f == "findLastIndex";
}

bool is_number_literal(const Node& n) {
  if (n.kind == NodeKind::kInt || n.kind == NodeKind::kFloat) return true;
  return n.kind == NodeKind::kUnary && (n.text == "-" || n.text == "+") &&
         is_number_literal(*n.children[0]);
}

bool literal_index(const Node& n, int64_t* out) {
  if (n.kind == NodeKind::kInt) {
    *out = n.int_value;
    return true;
  }
  if (n.kind == NodeKind::kUnary && n.text == "-" && n.children[0]->kind == NodeKind::kInt) {
    *out = -n.children[0]->int_value;
    return true;
  }
  return false;
}

class Inspector {
 public:
  explicit Inspector(const Ast& ast) : ast_(ast) {}

  void walk(const Node& n, const Node* parent) {
    if (n.kind == NodeKind::kIdentifier && n.text == "result") use(n, parent);
    if (n.kind == NodeKind::kCall) {
      if ((n.text == "isNaN" || n.text == "isInf") && !n.children.empty() &&
          mentions_result(*n.children[0])) {
        (n.text == "isNaN" ? out_.checks_nan : out_.checks_inf) = true;
      }
      if (n.text == "default") out_.uses_default = true;
      if (n.text == "isNil") out_.checks_nil = true;
      if (is_predicate(n.text) && n.children.size() == 2) {
        walk(*n.children[0], &n);
        over_result_.push_back(mentions_result(*n.children[0]));
        walk(*n.children[1], &n);
        over_result_.pop_back();
        return;
      }
    }
    for (const auto& c : n.children) walk(*c, &n);
  }

  ResultUsage take() { return std::move(out_); }

 private:
  bool mentions_result(const Node& n) const {
    if (n.kind == NodeKind::kIdentifier && n.text == "result") return true;
    if (n.kind == NodeKind::kPointer) return !over_result_.empty() && over_result_.back();
    return std::any_of(n.children.begin(), n.children.end(),
                       [&](const auto& c) { return mentions_result(*c); });
  }

  void use(const Node& self, const Node* parent) {
    ResultUse u;
    u.pos = self.pos;
    u.kind = classify(self, parent, &u);
    u.expression = std::string(ast_.text(parent && u.kind != ResultUseKind::kOther ? *parent : self));
    out_.references_result = true;
    switch (u.kind) {
      case ResultUseKind::kIndex:
      case ResultUseKind::kSlice: out_.indexes = true; break;
      case ResultUseKind::kLen: out_.calls_len = true; break;
      case ResultUseKind::kIterate: out_.iterates = true; break;
      case ResultUseKind::kAsNumber: out_.uses_as_number = true; break;
      case ResultUseKind::kNilCheck: out_.checks_nil = true; break;
      default: break;
    }
    if (u.constant_index &&
        std::find(out_.constant_indexes.begin(), out_.constant_indexes.end(), u.index) ==
            out_.constant_indexes.end())
      out_.constant_indexes.push_back(u.index);
    out_.uses.push_back(std::move(u));
  }

  static ResultUseKind classify(const Node& self, const Node* parent, ResultUse* u) {
    if (!parent) return ResultUseKind::kOther;
    bool first = !parent->children.empty() && parent->children[0].get() == &self;
    const std::string& op = parent->text;
    switch (parent->kind) {
      case NodeKind::kIndex:
        if (!first) return ResultUseKind::kAsNumber;
        u->constant_index = literal_index(*parent->children[1], &u->index);
        return ResultUseKind::kIndex;
      case NodeKind::kSlice: return first ? ResultUseKind::kSlice : ResultUseKind::kAsNumber;
      case NodeKind::kMember: return ResultUseKind::kField;
      case NodeKind::kUnary: return op == "-" || op == "+" ? ResultUseKind::kAsNumber : ResultUseKind::kOther;
      case NodeKind::kCall:
        if (op == "len") return ResultUseKind::kLen;
        if (op == "isNaN") return ResultUseKind::kNanCheck;
        if (op == "isInf") return ResultUseKind::kInfCheck;
        if (op == "asInt" || op == "asFloat" || op == "int" || op == "float") return ResultUseKind::kConvert;
        if (op == "isNil") return ResultUseKind::kNilCheck;
        if (op == "default") return ResultUseKind::kDefault;
        if (op == "abs" || op == "ceil" || op == "floor" || op == "round") return ResultUseKind::kAsNumber;
        if (first && (is_predicate(op) || op == "sum" || op == "mean" || op == "first" ||
                      op == "last" || op == "min" || op == "max"))
          return ResultUseKind::kIterate;
        return ResultUseKind::kOther;
      case NodeKind::kBinary: {
        const Node& other = *parent->children[first ? 1 : 0];
        if (op == "+" || op == "-" || op == "*" || op == "/" || op == "%" || op == "**" ||
            op == "^" || op == "<" || op == "<=" || op == ">" || op == ">=")
          return ResultUseKind::kAsNumber;
        if (op == "==" || op == "!=") {
          if (other.kind == NodeKind::kNil) return ResultUseKind::kNilCheck;
          if (is_number_literal(other)) return ResultUseKind::kAsNumber;
          return ResultUseKind::kCompare;
        }
        if ((op == "in" || op == "not in") && !first) return ResultUseKind::kIterate;
        if (op == "??" && first) return ResultUseKind::kNilCheck;
        return ResultUseKind::kOther;
      }
      default: return ResultUseKind::kOther;
    }
  }

  const Ast& ast_;
  std::vector<bool> over_result_;
  ResultUsage out_;
};

}  // namespace

ResultUsage inspect_result_usage(const Ast& ast) {
  if (!ast.root()) return {};
  Inspector in(ast);
  in.walk(*ast.root(), nullptr);
  return in.take();
}

const char* use_kind_name(ResultUseKind k) {
  switch (k) {
    case ResultUseKind::kIndex: return "index";
    case ResultUseKind::kSlice: return "slice";
    case ResultUseKind::kField: return "field";
    case ResultUseKind::kLen: return "len";
    case ResultUseKind::kIterate: return "iterate";
    case ResultUseKind::kAsNumber: return "number";
    case ResultUseKind::kNanCheck: return "isNaN";
    case ResultUseKind::kInfCheck: return "isInf";
    case ResultUseKind::kConvert: return "convert";
    case ResultUseKind::kNilCheck: return "nil-check";
    case ResultUseKind::kDefault: return "default";
    case ResultUseKind::kCompare: return "compare";
    case ResultUseKind::kOther: return "other";
  }
  return "other";
}

}  // namespace rg::condition
