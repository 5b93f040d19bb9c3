// The syntax tree of a success/failure condition, as parse() (parser.h)
// builds it. Plain data: a Node owns its children. An Ast owns the source text
// so that a Node's [begin, end) byte span can be quoted in messages.
//
// Depth of any tree is bounded by kMaxDepth (the parser refuses deeper input),
// so recursive walks over an Ast cannot exhaust the stack; its size by
// kMaxNodes, so they cannot take long either.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace rg::condition {

inline constexpr int kMaxDepth = 200;
inline constexpr size_t kMaxSourceBytes = 64 * 1024;
// The parser repeats an operand for `c ?: b` (c ? c : b) and for chained
// comparisons (a < b < c is a < b && b < c); nested, the copies double at
// each level. A tree may hold at most this many nodes, copies included.
inline constexpr size_t kMaxNodes = 100'000;

// 1-based line and column (columns count bytes), plus the 0-based byte offset.
struct Position {
  int line = 1;
  int column = 1;
  size_t offset = 0;
};

// An error with the place it refers to. to_string(): "1:12: message".
struct Error {
  Position pos;
  std::string message;
  std::string to_string() const;
};

enum class NodeKind {
  kNil,          // nil
  kBool,         // true / false                       -> bool_value
  kInt,          // 42, 0x2a, 1_000                    -> int_value
  kFloat,        // 0.95, 1e-3                         -> float_value
  kString,       // "text", 'text', `raw`              -> text
  kIdentifier,   // result                             -> text
  kPointer,      // # (the element inside a predicate closure)
  kUnary,        // !x, not x, -x, +x                  -> text = operator; children[0]
  kBinary,       // x op y                             -> text = operator; children[0..1]
                 //   ops: or || and && == != < <= > >= in "not in" contains
                 //   "not contains" startsWith endsWith matches .. + - * / % ** ^ ??
  kMember,       // x.name, x?.name                    -> text = name; children[0]; optional
  kIndex,        // x[i]                               -> children[0] = x, children[1] = i
  kSlice,        // x[a:b] (either bound optional)     -> children[0] = x, then from/to
  kCall,         // name(args...)                      -> text = name; children = args
  kClosure,      // {predicate} or a bare predicate    -> children[0] = body
  kConditional,  // c ? a : b                          -> children[0..2]
  kArray,        // [a, b, ...]                        -> children
};

struct Node {
  NodeKind kind = NodeKind::kNil;
  Position pos;            // where the node's token starts (operator for kBinary)
  size_t begin = 0;        // byte span of the whole subexpression in the source
  size_t end = 0;
  std::string text;        // operator, identifier, member, function name or string
  bool bool_value = false;
  int64_t int_value = 0;
  double float_value = 0;
  bool optional = false;   // kMember: "?."
  bool has_from = false;   // kSlice: which bounds are present (children follow in order)
  bool has_to = false;
  int height = 1;          // 1 for a leaf; the parser keeps it <= kMaxDepth
  size_t size = 1;         // nodes in this subtree; the parser keeps the tree's <= kMaxNodes
  std::vector<std::unique_ptr<Node>> children;

  std::unique_ptr<Node> clone() const;
};

class Ast {
 public:
  Ast() = default;
  Ast(std::string source, std::unique_ptr<Node> root)
      : source_(std::move(source)), root_(std::move(root)) {}

  const Node* root() const { return root_.get(); }
  const std::string& source() const { return source_; }
  // The source text of a node (its [begin, end) span).
  std::string_view text(const Node& n) const;

 private:
  std::string source_;
  std::unique_ptr<Node> root_;
};

// Fully parenthesised rendering, for tests and debugging: "((a + b) * c)",
// "result[0]", "all(result, {(# < 0.05)})".
std::string to_debug_string(const Node& n);

}  // namespace rg::condition
