#include "policy/condition/parser.h"

#include <algorithm>
#include <cctype>
#include <string>
#include <vector>

#include "policy/condition/lexer.h"

namespace rg::condition {

namespace {

struct BinaryOp {
  std::string_view name;
  int precedence;
  bool right_assoc;
};

// expr-lang's binary operator table (parser/operator), minus the pipe.
constexpr BinaryOp kBinary[] = {
    {"or", 10, false},        {"||", 10, false},      {"and", 15, false},
    {"&&", 15, false},        {"==", 20, false},      {"!=", 20, false},
    {"<", 20, false},         {">", 20, false},       {">=", 20, false},
    {"<=", 20, false},        {"in", 20, false},      {"matches", 20, false},
    {"contains", 20, false},  {"startsWith", 20, false}, {"endsWith", 20, false},
    {"..", 25, false},        {"+", 30, false},       {"-", 30, false},
    {"*", 60, false},         {"/", 60, false},       {"%", 60, false},
    {"**", 100, true},        {"^", 100, true},       {"??", 500, false},
};
constexpr int kComparisonPrecedence = 20;

const BinaryOp* find_binary(std::string_view op) {
  for (const auto& b : kBinary)
    if (b.name == op) return &b;
  return nullptr;
}

int unary_precedence(std::string_view op) {
  if (op == "not" || op == "!") return 50;
  if (op == "-" || op == "+") return 90;
  return -1;
}

bool is_predicate_builtin(std::string_view name) {
  static constexpr std::string_view kNames[] = {"all",  "any",  "none",      "one",
                                                "filter", "map", "count",    "find",
                                                "findIndex", "findLast", "findLastIndex"};
  return std::find(std::begin(kNames), std::end(kNames), name) != std::end(kNames);
}

bool negatable(std::string_view op) {
  return op == "in" || op == "matches" || op == "contains" || op == "startsWith" ||
         op == "endsWith";
}

std::string describe(const Token& t) {
  switch (t.kind) {
    case TokenKind::kEof: return "end of expression";
    case TokenKind::kString: return "string \"" + t.text + "\"";
    case TokenKind::kIdentifier: return "identifier " + t.text;
    case TokenKind::kInt:
    case TokenKind::kFloat: return "number " + t.text;
    default: return "token \"" + t.text + "\"";
  }
}

class Parser {
 public:
  explicit Parser(std::vector<Token> tokens) : toks_(std::move(tokens)) {}

  std::unique_ptr<Node> parse_all() {
    auto n = expression(0);
    if (ok() && cur().kind != TokenKind::kEof) fail(cur().pos, "unexpected " + describe(cur()));
    return ok() ? std::move(n) : nullptr;
  }
  const Error& error() const { return err_; }

 private:
  bool ok() const { return !failed_; }
  const Token& cur() const { return toks_[i_]; }
  const Token& ahead(size_t k) const { return toks_[std::min(i_ + k, toks_.size() - 1)]; }
  void next() {
    prev_end_ = cur().end;
    if (i_ + 1 < toks_.size()) ++i_;
  }
  void fail(Position p, std::string msg) {
    if (failed_) return;
    failed_ = true;
    err_ = Error{p, std::move(msg)};
  }
  bool expect_bracket(std::string_view b, std::string_view what) {
    if (cur().is_bracket(b)) {
      next();
      return true;
    }
    fail(cur().pos, "unexpected " + describe(cur()) + ", expected \"" + std::string(b) + "\"" +
                        (what.empty() ? "" : " " + std::string(what)));
    return false;
  }

  std::unique_ptr<Node> make(NodeKind k, const Token& at) {
    count_nodes(1, at.pos);
    auto n = std::make_unique<Node>();
    n->kind = k;
    n->pos = at.pos;
    n->begin = at.pos.offset;
    n->end = at.end;
    return n;
  }
  // Counts nodes made or copied against kMaxNodes.
  void count_nodes(size_t n, Position at) {
    nodes_ += n;
    if (nodes_ > kMaxNodes) {
      fail(at, "expression is too large: more than " + std::to_string(kMaxNodes) +
                   " nodes once `?:` and chained comparisons repeat their operands");
    }
  }
  // A copy of a subtree, counted; nullptr once over the budget.
  std::unique_ptr<Node> copy(const Node& n, Position at) {
    count_nodes(n.size, at);
    return ok() ? n.clone() : nullptr;
  }
  // Fixes up span, height and size after children were attached; enforces kMaxDepth.
  std::unique_ptr<Node> seal(std::unique_ptr<Node> n) {
    int h = 0;
    n->size = 1;
    for (const auto& c : n->children) {
      n->size += c->size;
      h = std::max(h, c->height);
      n->begin = std::min(n->begin, c->begin);
      n->end = std::max(n->end, c->end);
    }
    n->height = h + 1;
    if (n->height > kMaxDepth) fail(n->pos, "expression is nested too deeply (limit " +
                                                std::to_string(kMaxDepth) + ")");
    return n;
  }

  // Guards the parser's own recursion.
  struct DepthGuard {
    explicit DepthGuard(Parser* p) : p_(p) {
      if (++p_->depth_ > kMaxDepth)
        p_->fail(p_->cur().pos, "expression is nested too deeply (limit " +
                                    std::to_string(kMaxDepth) + ")");
    }
    ~DepthGuard() { --p_->depth_; }
    Parser* p_;
  };

  // Returns the binary operator at the cursor ("not in" etc. span two tokens).
  std::string binary_at_cursor(size_t* token_count) const {
    const Token& t = cur();
    *token_count = 1;
    if (t.kind != TokenKind::kOperator) return "";
    if (t.text == "not") {
      const Token& n = ahead(1);
      if (n.kind == TokenKind::kOperator && negatable(n.text)) {
        *token_count = 2;
        return "not " + n.text;
      }
      return "";
    }
    return find_binary(t.text) ? t.text : "";
  }

  std::unique_ptr<Node> binary(const Token& at, std::string op, std::unique_ptr<Node> l,
                               std::unique_ptr<Node> r) {
    auto n = make(NodeKind::kBinary, at);
    n->text = std::move(op);
    n->children.push_back(std::move(l));
    n->children.push_back(std::move(r));
    return seal(std::move(n));
  }

  std::unique_ptr<Node> expression(int min_prec) {
    DepthGuard guard(this);
    if (!ok()) return nullptr;
    auto left = primary();
    while (ok()) {
      size_t count = 0;
      std::string op = binary_at_cursor(&count);
      if (op.empty()) {
        if (cur().is_op("|")) fail(cur().pos, "the pipe operator \"|\" is not supported");
        break;
      }
      const BinaryOp* b = find_binary(count == 2 ? std::string_view(op).substr(4) : op);
      if (b->precedence < min_prec) break;
      Token at = cur();
      for (size_t k = 0; k < count; ++k) next();
      if (b->precedence == kComparisonPrecedence) {
        left = comparison(std::move(left), at, op);
        continue;
      }
      auto right = expression(b->right_assoc ? b->precedence : b->precedence + 1);
      if (!ok()) return nullptr;
      left = binary(at, op, std::move(left), std::move(right));
    }
    if (ok() && min_prec == 0 && cur().is_op("?")) left = conditional(std::move(left));
    return ok() ? std::move(left) : nullptr;
  }

  // a < b < c  ==>  (a < b) && (b < c), as expr does for its comparison operators.
  std::unique_ptr<Node> comparison(std::unique_ptr<Node> left, Token at, std::string op) {
    std::unique_ptr<Node> root;
    while (ok()) {
      auto right = expression(kComparisonPrecedence + 1);
      if (!ok()) return nullptr;
      std::unique_ptr<Node> right_copy = copy(*right, at.pos);
      if (!ok()) return nullptr;
      auto cmp = binary(at, op, std::move(left), std::move(right));
      root = root ? binary(at, "&&", std::move(root), std::move(cmp)) : std::move(cmp);
      left = std::move(right_copy);
      size_t count = 0;
      std::string more = binary_at_cursor(&count);
      const BinaryOp* b =
          more.empty() ? nullptr : find_binary(count == 2 ? std::string_view(more).substr(4) : more);
      if (!b || b->precedence != kComparisonPrecedence) break;
      at = cur();
      op = more;
      for (size_t k = 0; k < count; ++k) next();
    }
    return root;
  }

  std::unique_ptr<Node> conditional(std::unique_ptr<Node> cond) {
    while (ok() && cur().is_op("?")) {
      Token at = cur();
      next();
      std::unique_ptr<Node> a, b;
      if (cur().is_op(":")) {  // elvis: c ?: b  ==  c ? c : b
        next();
        a = copy(*cond, at.pos);
        if (!ok()) return nullptr;
        b = expression(0);
      } else {
        a = expression(0);
        if (!ok()) return nullptr;
        if (!cur().is_op(":")) {
          fail(cur().pos, "unexpected " + describe(cur()) + ", expected \":\"");
          return nullptr;
        }
        next();
        b = expression(0);
      }
      if (!ok()) return nullptr;
      auto n = make(NodeKind::kConditional, at);
      n->children.push_back(std::move(cond));
      n->children.push_back(std::move(a));
      n->children.push_back(std::move(b));
      cond = seal(std::move(n));
    }
    return cond;
  }

  std::unique_ptr<Node> primary() {
    DepthGuard guard(this);
    if (!ok()) return nullptr;
    const Token t = cur();
    if (t.kind == TokenKind::kOperator && unary_precedence(t.text) >= 0) {
      next();
      auto operand = expression(unary_precedence(t.text));
      if (!ok()) return nullptr;
      auto n = make(NodeKind::kUnary, t);
      n->text = t.text;
      n->children.push_back(std::move(operand));
      return postfix(seal(std::move(n)));
    }
    if (t.is_bracket("(")) {
      next();
      auto inner = expression(0);
      if (!ok() || !expect_bracket(")", "to close \"(\"")) return nullptr;
      inner->begin = t.pos.offset;
      inner->end = prev_end_;
      return postfix(std::move(inner));
    }
    if (t.is_op("#") || t.is_op(".")) {
      if (closure_depth_ == 0) {
        fail(t.pos, "cannot use pointer accessor outside predicate");
        return nullptr;
      }
      if (t.is_op("#")) next();
      // ".name" inside a predicate is "#.name": leave the "." for postfix().
      return postfix(make(NodeKind::kPointer, t));
    }
    std::unique_ptr<Node> n;
    switch (t.kind) {
      case TokenKind::kInt:
        n = make(NodeKind::kInt, t);
        n->int_value = t.int_value;
        next();
        break;
      case TokenKind::kFloat:
        n = make(NodeKind::kFloat, t);
        n->float_value = t.float_value;
        next();
        break;
      case TokenKind::kString:
        n = make(NodeKind::kString, t);
        n->text = t.text;
        next();
        break;
      case TokenKind::kIdentifier:
        next();
        if (t.text == "true" || t.text == "false") {
          n = make(NodeKind::kBool, t);
          n->bool_value = t.text == "true";
        } else if (t.text == "nil") {
          n = make(NodeKind::kNil, t);
        } else if (t.text == "let") {
          fail(t.pos, "variable declarations (let) are not supported");
          return nullptr;
        } else if (cur().is_bracket("(")) {
          n = call(t);
        } else {
          n = make(NodeKind::kIdentifier, t);
          n->text = t.text;
        }
        break;
      default:
        if (t.is_bracket("[")) {
          n = array(t);
        } else if (t.is_bracket("{")) {
          fail(t.pos, "map literals are not supported");
        } else {
          fail(t.pos, "unexpected " + describe(t));
        }
    }
    if (!ok()) return nullptr;
    return postfix(std::move(n));
  }

  std::unique_ptr<Node> call(const Token& name) {
    auto n = make(NodeKind::kCall, name);
    n->text = name.text;
    next();  // "("
    bool predicate = is_predicate_builtin(name.text);
    while (ok() && !cur().is_bracket(")")) {
      if (!n->children.empty()) {
        if (!cur().is_op(",")) {
          fail(cur().pos, "unexpected " + describe(cur()) + ", expected \",\" or \")\"");
          return nullptr;
        }
        next();
      }
      if (predicate && n->children.size() == 1) {
        n->children.push_back(closure());
      } else {
        n->children.push_back(expression(0));
      }
    }
    if (!ok() || !expect_bracket(")", "to close the call")) return nullptr;
    n->end = prev_end_;
    return seal(std::move(n));
  }

  std::unique_ptr<Node> closure() {
    const Token t = cur();
    bool braces = t.is_bracket("{");
    if (braces) next();
    ++closure_depth_;
    auto body = expression(0);
    --closure_depth_;
    if (!ok()) return nullptr;
    if (braces && !expect_bracket("}", "to close the predicate")) return nullptr;
    auto n = make(NodeKind::kClosure, t);
    n->children.push_back(std::move(body));
    n = seal(std::move(n));
    if (braces) n->end = prev_end_;
    return n;
  }

  std::unique_ptr<Node> array(const Token& open) {
    auto n = make(NodeKind::kArray, open);
    next();
    while (ok() && !cur().is_bracket("]")) {
      if (!n->children.empty()) {
        if (!cur().is_op(",")) {
          fail(cur().pos, "unexpected " + describe(cur()) + ", expected \",\" or \"]\"");
          return nullptr;
        }
        next();
        if (cur().is_bracket("]")) break;  // trailing comma
      }
      n->children.push_back(expression(0));
    }
    if (!ok() || !expect_bracket("]", "to close the array")) return nullptr;
    n->end = prev_end_;
    return seal(std::move(n));
  }

  std::unique_ptr<Node> postfix(std::unique_ptr<Node> base) {
    while (ok()) {
      const Token t = cur();
      if (t.is_op(".") || t.is_op("?.")) {
        next();
        const Token name = cur();
        bool word = name.kind == TokenKind::kOperator && !name.text.empty() &&
                    std::isalpha(static_cast<unsigned char>(name.text[0]));
        if (name.kind != TokenKind::kIdentifier && !word) {
          fail(name.pos, "expected name after \"" + t.text + "\", got " + describe(name));
          return nullptr;
        }
        next();
        if (cur().is_bracket("(")) {
          fail(name.pos, "method calls are not supported");
          return nullptr;
        }
        auto n = make(NodeKind::kMember, t);
        n->text = name.text;
        n->optional = t.text == "?.";
        n->children.push_back(std::move(base));
        n->end = prev_end_;
        base = seal(std::move(n));
      } else if (t.is_bracket("[")) {
        next();
        std::unique_ptr<Node> from, to;
        bool slice = false;
        if (!cur().is_op(":")) from = expression(0);
        if (ok() && cur().is_op(":")) {
          slice = true;
          next();
          if (!cur().is_bracket("]")) to = expression(0);
        }
        if (!ok() || !expect_bracket("]", "to close the index")) return nullptr;
        auto n = make(slice ? NodeKind::kSlice : NodeKind::kIndex, t);
        n->children.push_back(std::move(base));
        n->has_from = from != nullptr;
        n->has_to = to != nullptr;
        if (from) n->children.push_back(std::move(from));
        if (to) n->children.push_back(std::move(to));
        n->end = prev_end_;
        base = seal(std::move(n));
      } else {
        break;
      }
    }
    return ok() ? std::move(base) : nullptr;
  }

  std::vector<Token> toks_;
  size_t i_ = 0;
  size_t prev_end_ = 0;
  int depth_ = 0;
  size_t nodes_ = 0;  // made or copied so far (kMaxNodes)
  int closure_depth_ = 0;
  bool failed_ = false;
  Error err_;
};

}  // namespace

ParseResult parse(std::string_view source) {
  ParseResult r;
  if (source.size() > kMaxSourceBytes) {
    r.error = Error{Position{}, "condition is longer than " + std::to_string(kMaxSourceBytes) + " bytes"};
    return r;
  }
  std::vector<Token> tokens;
  if (!lex(source, &tokens, &r.error)) return r;
  if (tokens.size() == 1) {
    r.error = Error{tokens[0].pos, "empty condition"};
    return r;
  }
  Parser p(std::move(tokens));
  auto root = p.parse_all();
  if (!root) {
    r.error = p.error();
    return r;
  }
  r.ok = true;
  r.ast = Ast(std::string(source), std::move(root));
  return r;
}

}  // namespace rg::condition
