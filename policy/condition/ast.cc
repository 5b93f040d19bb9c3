#include "policy/condition/ast.h"

#include "policy/condition/value.h"

namespace rg::condition {

std::string Error::to_string() const {
  return std::to_string(pos.line) + ":" + std::to_string(pos.column) + ": " + message;
}

std::unique_ptr<Node> Node::clone() const {
  auto n = std::make_unique<Node>();
  n->kind = kind;
  n->pos = pos;
  n->begin = begin;
  n->end = end;
  n->text = text;
  n->bool_value = bool_value;
  n->int_value = int_value;
  n->float_value = float_value;
  n->optional = optional;
  n->has_from = has_from;
  n->has_to = has_to;
  n->height = height;
  n->size = size;
  for (const auto& c : children) n->children.push_back(c->clone());
  return n;
}

std::string_view Ast::text(const Node& n) const {
  if (n.begin > source_.size() || n.end > source_.size() || n.begin > n.end) return {};
  return std::string_view(source_).substr(n.begin, n.end - n.begin);
}

std::string to_debug_string(const Node& n) {
  auto child = [&](size_t i) { return to_debug_string(*n.children[i]); };
  auto joined = [&](size_t from) {
    std::string out;
    for (size_t i = from; i < n.children.size(); ++i) {
      if (i > from) out += ", ";
      out += child(i);
    }
    return out;
  };
  switch (n.kind) {
    case NodeKind::kNil: return "nil";
    case NodeKind::kBool: return n.bool_value ? "true" : "false";
    case NodeKind::kInt: return std::to_string(n.int_value);
    case NodeKind::kFloat: return Value::number(n.float_value).debug_string();
    case NodeKind::kString: return "\"" + n.text + "\"";
    case NodeKind::kIdentifier: return n.text;
    case NodeKind::kPointer: return "#";
    case NodeKind::kUnary: {
      bool word = n.text == "not";
      return "(" + n.text + (word ? " " : "") + child(0) + ")";
    }
    case NodeKind::kBinary: return "(" + child(0) + " " + n.text + " " + child(1) + ")";
    case NodeKind::kMember: return child(0) + (n.optional ? "?." : ".") + n.text;
    case NodeKind::kIndex: return child(0) + "[" + child(1) + "]";
    case NodeKind::kSlice: {
      size_t i = 1;
      std::string from = n.has_from ? child(i++) : "";
      std::string to = n.has_to ? child(i++) : "";
      return child(0) + "[" + from + ":" + to + "]";
    }
    case NodeKind::kCall: return n.text + "(" + joined(0) + ")";
    case NodeKind::kClosure: return "{" + child(0) + "}";
    case NodeKind::kConditional: return "(" + child(0) + " ? " + child(1) + " : " + child(2) + ")";
    case NodeKind::kArray: return "[" + joined(0) + "]";
  }
  return "?";
}

}  // namespace rg::condition
