#include "policy/condition/lexer.h"

#include <charconv>
#include <cstdint>
#include <string>

#include "policy/utf8.h"

namespace rg::condition {

namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_ident_start(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == '$';
}
bool is_ident_char(char c) { return is_ident_start(c) || is_digit(c); }
int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Invalid code points (surrogates, beyond U+10FFFF) become U+FFFD, as Go's
// utf8.AppendRune does.
void append_rune(std::string* out, uint32_t cp) {
  if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) cp = 0xFFFD;
  rg::append_utf8(out, cp);
}

constexpr std::string_view kWordOperators[] = {"not", "and", "or", "in", "matches",
                                               "contains", "startsWith", "endsWith"};
constexpr std::string_view kTwoCharOperators[] = {"**", "==", "!=", "<=", ">=", "&&",
                                                  "||", "..", "??"};
constexpr std::string_view kOneCharOperators = "+-*/%^<>!?:,.#|";

class Lexer {
 public:
  Lexer(std::string_view src, std::vector<Token>* out, Error* err)
      : src_(src), out_(out), err_(err) {}

  bool run() {
    while (true) {
      if (!skip_space_and_comments()) return false;
      if (i_ >= src_.size()) break;
      if (!next_token()) return false;
    }
    Token eof;
    eof.kind = TokenKind::kEof;
    eof.pos = here();
    eof.end = i_;
    out_->push_back(std::move(eof));
    return true;
  }

 private:
  Position here() const { return Position{line_, static_cast<int>(i_ - line_start_) + 1, i_}; }
  char peek(size_t ahead = 0) const { return i_ + ahead < src_.size() ? src_[i_ + ahead] : '\0'; }
  void advance() {
    if (src_[i_] == '\n') {
      ++line_;
      line_start_ = i_ + 1;
    }
    ++i_;
  }
  bool fail(Position p, std::string msg) {
    err_->pos = p;
    err_->message = std::move(msg);
    return false;
  }

  bool skip_space_and_comments() {
    while (i_ < src_.size()) {
      char c = src_[i_];
      if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
        advance();
      } else if (c == '/' && peek(1) == '/') {
        while (i_ < src_.size() && src_[i_] != '\n') advance();
      } else if (c == '/' && peek(1) == '*') {
        Position start = here();
        advance();
        advance();
        while (i_ < src_.size() && !(src_[i_] == '*' && peek(1) == '/')) advance();
        if (i_ >= src_.size()) return fail(start, "unterminated comment");
        advance();
        advance();
      } else {
        break;
      }
    }
    return true;
  }

  bool next_token() {
    Token t;
    t.pos = here();
    char c = src_[i_];
    if (is_digit(c) || (c == '.' && is_digit(peek(1)) && !prev_is_value())) {
      if (!number(&t)) return false;
    } else if (is_ident_start(c)) {
      while (i_ < src_.size() && is_ident_char(src_[i_])) advance();
      t.text = std::string(src_.substr(t.pos.offset, i_ - t.pos.offset));
      t.kind = TokenKind::kIdentifier;
      for (auto w : kWordOperators)
        if (t.text == w) t.kind = TokenKind::kOperator;
    } else if (c == '"' || c == '\'') {
      if (!quoted(&t)) return false;
    } else if (c == '`') {
      advance();
      size_t start = i_;
      while (i_ < src_.size() && src_[i_] != '`') advance();
      if (i_ >= src_.size()) return fail(t.pos, "literal not terminated");
      t.text = std::string(src_.substr(start, i_ - start));
      t.kind = TokenKind::kString;
      advance();
    } else if (c == '(' || c == ')' || c == '[' || c == ']' || c == '{' || c == '}') {
      t.kind = TokenKind::kBracket;
      t.text = std::string(1, c);
      advance();
    } else {
      t.kind = TokenKind::kOperator;
      std::string_view two = src_.substr(i_, 2);
      bool matched = false;
      // "?." is optional chaining unless a digit follows ("a ?.5 : 1").
      if (two == "?." && !is_digit(peek(2))) matched = true;
      for (auto op : kTwoCharOperators)
        if (two == op) matched = true;
      if (matched) {
        t.text = std::string(two);
        advance();
        advance();
      } else if (kOneCharOperators.find(c) != std::string_view::npos) {
        t.text = std::string(1, c);
        advance();
      } else {
        std::string shown = (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) >= 0x7f)
                                ? "byte 0x" + to_hex(static_cast<unsigned char>(c))
                                : "'" + std::string(1, c) + "'";
        return fail(t.pos, "unrecognized character: " + shown);
      }
    }
    t.end = i_;
    out_->push_back(std::move(t));
    return true;
  }

  static std::string to_hex(unsigned v) {
    const char* d = "0123456789abcdef";
    return {d[(v >> 4) & 0xF], d[v & 0xF]};
  }

  // ".5" starts a number only where a value cannot precede it (not after "a").
  bool prev_is_value() const {
    if (out_->empty()) return false;
    const Token& p = out_->back();
    return p.kind == TokenKind::kIdentifier || p.kind == TokenKind::kInt ||
           p.kind == TokenKind::kFloat || p.kind == TokenKind::kString || p.is_bracket(")") ||
           p.is_bracket("]") || p.is_op("#");
  }

  bool number(Token* t) {
    size_t start = i_;
    bool is_float = false;
    int base = 10;
    if (peek() == '0' && (peek(1) == 'x' || peek(1) == 'X' || peek(1) == 'o' || peek(1) == 'O' ||
                          peek(1) == 'b' || peek(1) == 'B')) {
      char b = peek(1);
      base = (b == 'x' || b == 'X') ? 16 : (b == 'o' || b == 'O') ? 8 : 2;
      advance();
      advance();
      while (i_ < src_.size() && (hex_value(src_[i_]) >= 0 || src_[i_] == '_')) advance();
    } else {
      while (i_ < src_.size() && (is_digit(src_[i_]) || src_[i_] == '_')) advance();
      // A fraction, unless this is the range operator "1..2".
      if (peek() == '.' && peek(1) != '.') {
        is_float = true;
        advance();
        while (i_ < src_.size() && (is_digit(src_[i_]) || src_[i_] == '_')) advance();
      }
      if (peek() == 'e' || peek() == 'E') {
        size_t save = i_;
        advance();
        if (peek() == '+' || peek() == '-') advance();
        if (is_digit(peek())) {
          is_float = true;
          while (i_ < src_.size() && is_digit(src_[i_])) advance();
        } else {
          i_ = save;
          return fail(t->pos, "bad number syntax: \"" + std::string(src_.substr(start, i_ + 1 - start)) + "\"");
        }
      }
    }
    if (i_ < src_.size() && is_ident_char(src_[i_]))
      return fail(t->pos, "bad number syntax: \"" + std::string(src_.substr(start, i_ + 1 - start)) + "\"");
    std::string raw(src_.substr(start, i_ - start));
    std::string digits;
    for (char ch : raw)
      if (ch != '_') digits.push_back(ch);
    t->text = raw;
    if (is_float) {
      t->kind = TokenKind::kFloat;
      if (!digits.empty() && digits.back() == '.') digits.pop_back();
      const char* b = digits.data();
      const char* e = b + digits.size();
      if (*b == '.') {  // ".5"
        digits.insert(digits.begin(), '0');
        b = digits.data();
        e = b + digits.size();
      }
      auto r = std::from_chars(b, e, t->float_value);
      if (r.ec == std::errc::result_out_of_range) {
        // Go's ParseFloat also fails on overflow; underflow rounds to 0 there.
        bool huge = false;
        size_t epos = digits.find_first_of("eE");
        if (epos != std::string::npos && digits[epos + 1] != '-') huge = true;
        if (huge) return fail(t->pos, "invalid float literal: " + raw);
        t->float_value = 0;
      } else if (r.ec != std::errc() || r.ptr != e) {
        return fail(t->pos, "invalid float literal: " + raw);
      }
      return true;
    }
    t->kind = TokenKind::kInt;
    std::string_view body = digits;
    if (base != 10) body.remove_prefix(2);
    uint64_t v = 0;
    auto r = std::from_chars(body.data(), body.data() + body.size(), v, base);
    if (body.empty() || r.ec != std::errc() || r.ptr != body.data() + body.size() ||
        v > static_cast<uint64_t>(INT64_MAX))
      return fail(t->pos, "invalid integer literal: " + raw);
    t->int_value = static_cast<int64_t>(v);
    return true;
  }

  bool quoted(Token* t) {
    char q = src_[i_];
    advance();
    std::string out;
    while (true) {
      if (i_ >= src_.size() || src_[i_] == '\n') return fail(t->pos, "literal not terminated");
      char c = src_[i_];
      if (c == q) {
        advance();
        break;
      }
      if (c != '\\') {
        out.push_back(c);
        advance();
        continue;
      }
      Position esc = here();
      advance();
      if (i_ >= src_.size()) return fail(t->pos, "literal not terminated");
      char e = src_[i_];
      advance();
      switch (e) {
        case 'a': out.push_back('\a'); break;
        case 'b': out.push_back('\b'); break;
        case 'f': out.push_back('\f'); break;
        case 'n': out.push_back('\n'); break;
        case 'r': out.push_back('\r'); break;
        case 't': out.push_back('\t'); break;
        case 'v': out.push_back('\v'); break;
        case '\\': out.push_back('\\'); break;
        case '\'': out.push_back('\''); break;
        case '"': out.push_back('"'); break;
        case 'x': case 'u': case 'U': {
          int n = e == 'x' ? 2 : e == 'u' ? 4 : 8;
          uint32_t cp = 0;
          for (int k = 0; k < n; ++k) {
            int h = hex_value(peek());
            if (h < 0) return fail(esc, "invalid char escape");
            cp = cp * 16 + static_cast<uint32_t>(h);
            advance();
          }
          if (e == 'x') out.push_back(static_cast<char>(cp));
          else append_rune(&out, cp);
          break;
        }
        default:
          if (e >= '0' && e <= '7') {
            uint32_t cp = static_cast<uint32_t>(e - '0');
            for (int k = 0; k < 2; ++k) {
              if (peek() < '0' || peek() > '7') return fail(esc, "invalid char escape");
              cp = cp * 8 + static_cast<uint32_t>(peek() - '0');
              advance();
            }
            if (cp > 255) return fail(esc, "invalid char escape");
            out.push_back(static_cast<char>(cp));
            break;
          }
          return fail(esc, "invalid char escape");
      }
    }
    t->kind = TokenKind::kString;
    t->text = std::move(out);
    return true;
  }

  std::string_view src_;
  std::vector<Token>* out_;
  Error* err_;
  size_t i_ = 0;
  int line_ = 1;
  size_t line_start_ = 0;
};

}  // namespace

bool lex(std::string_view source, std::vector<Token>* tokens, Error* error) {
  tokens->clear();
  Error scratch;
  return Lexer(source, tokens, error ? error : &scratch).run();
}

}  // namespace rg::condition
