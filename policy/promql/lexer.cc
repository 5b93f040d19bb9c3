// A state-machine lexer following the token rules of Prometheus 2.42's
// promql/parser/lex.go (written from its documented behaviour): brace and
// bracket state, number-or-duration scanning, Go string escapes.
#include "policy/promql/lexer.h"

#include <cstdio>
#include <string>
#include <unordered_map>

#include "policy/promql/quote.h"
#include "policy/utf8.h"

namespace rg::promql {
namespace {

constexpr char32_t kEof = 0xFFFFFFFF;

bool is_space(char32_t r) { return r == ' ' || r == '\t' || r == '\n' || r == '\r'; }
bool is_digit(char32_t r) { return r >= '0' && r <= '9'; }
bool is_alpha(char32_t r) { return r == '_' || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z'); }
bool is_alnum(char32_t r) { return is_alpha(r) || is_digit(r); }

const std::unordered_map<std::string, Tok>& keywords() {
  static const std::unordered_map<std::string, Tok> k = {
      {"and", Tok::kLand}, {"or", Tok::kLor}, {"unless", Tok::kLunless}, {"atan2", Tok::kAtan2},
      {"sum", Tok::kSum}, {"avg", Tok::kAvg}, {"count", Tok::kCount}, {"min", Tok::kMin},
      {"max", Tok::kMax}, {"group", Tok::kGroup}, {"stddev", Tok::kStddev},
      {"stdvar", Tok::kStdvar}, {"topk", Tok::kTopk}, {"bottomk", Tok::kBottomk},
      {"count_values", Tok::kCountValues}, {"quantile", Tok::kQuantile},
      {"offset", Tok::kOffset}, {"by", Tok::kBy}, {"without", Tok::kWithout}, {"on", Tok::kOn},
      {"ignoring", Tok::kIgnoring}, {"group_left", Tok::kGroupLeft},
      {"group_right", Tok::kGroupRight}, {"bool", Tok::kBool},
      {"start", Tok::kStart}, {"end", Tok::kEnd},
      {"inf", Tok::kNumber}, {"nan", Tok::kNumber},
  };
  return k;
}

class Lexer {
 public:
  explicit Lexer(std::string_view in) : in_(in) {}

  std::vector<Token> run() {
    std::vector<Token> out;
    out.reserve(in_.size() / 3 + 2);
    out_ = &out;
    while (!done_) step();
    return out;
  }

 private:
  char32_t next() {
    if (pos_ >= in_.size()) {
      width_ = 0;
      return kEof;
    }
    char32_t r = decode_utf8(in_, pos_, &width_);
    pos_ += width_;
    return r;
  }
  void backup() { pos_ -= width_; }
  char32_t peek() {
    char32_t r = next();
    backup();
    return r;
  }
  bool accept(std::string_view valid) {
    char32_t r = next();
    if (r != kEof && r < 0x80 && valid.find(static_cast<char>(r)) != std::string_view::npos) return true;
    backup();
    return false;
  }
  void accept_run(std::string_view valid) {
    while (accept(valid)) {
    }
  }
  void emit(Tok t) {
    Token tok;
    tok.type = t;
    tok.pos = static_cast<uint32_t>(start_);
    tok.text = in_.substr(start_, pos_ - start_);
    out_->push_back(std::move(tok));
    start_ = pos_;
  }
  void error(std::string msg) {
    Token tok;
    tok.type = Tok::kError;
    tok.pos = static_cast<uint32_t>(start_);
    tok.error = std::move(msg);
    out_->push_back(std::move(tok));
    done_ = true;
  }

  void step() {
    if (brace_open_) return inside_braces();
    if (in_.substr(pos_, 1) == "#") return line_comment();
    char32_t r = next();
    if (r == kEof) {
      if (paren_depth_ != 0) return error("unclosed left parenthesis");
      if (bracket_open_) return error("unclosed left bracket");
      emit(Tok::kEof);
      done_ = true;
      return;
    }
    if (is_space(r)) return skip_space();
    switch (r) {
      case ',': return emit(Tok::kComma);
      case '*': return emit(Tok::kMul);
      case '/': return emit(Tok::kDiv);
      case '%': return emit(Tok::kMod);
      case '+': return emit(Tok::kAdd);
      case '-': return emit(Tok::kSub);
      case '^': return emit(Tok::kPow);
      case '@': return emit(Tok::kAt);
      case '=': {
        char32_t t = peek();
        if (t == '=') {
          next();
          return emit(Tok::kEqlc);
        }
        if (t == '~') return error("unexpected character after '=': " + go_quote_rune(t));
        return emit(Tok::kEql);
      }
      case '!': {
        char32_t t = next();
        if (t != '=') return error("unexpected character after '!': " + quote_or_eof(t));
        return emit(Tok::kNeq);
      }
      case '<':
        if (peek() == '=') {
          next();
          return emit(Tok::kLte);
        }
        return emit(Tok::kLss);
      case '>':
        if (peek() == '=') {
          next();
          return emit(Tok::kGte);
        }
        return emit(Tok::kGtr);
      case '"':
      case '\'':
      case '`':
        string_open_ = r;
        return r == '`' ? raw_string() : string();
      case '(':
        emit(Tok::kLeftParen);
        ++paren_depth_;
        return;
      case ')':
        // An unbalanced ')' becomes the error token itself (Prometheus
        // overwrites the just-emitted item), positioned after the ')'.
        if (--paren_depth_ < 0) {
          start_ = pos_;
          return error("unexpected right parenthesis ')'");
        }
        return emit(Tok::kRightParen);
      case '{':
        emit(Tok::kLeftBrace);
        brace_open_ = true;
        return;
      case '[':
        if (bracket_open_) return error("unexpected left bracket '['");
        got_colon_ = false;
        emit(Tok::kLeftBracket);
        while (is_space(peek())) next();
        start_ = pos_;
        bracket_open_ = true;
        return duration();
      case ']':
        if (!bracket_open_) return error("unexpected right bracket ']'");
        emit(Tok::kRightBracket);
        bracket_open_ = false;
        return;
      default:
        break;
    }
    if (is_digit(r) || (r == '.' && is_digit(peek()))) {
      backup();
      return number_or_duration();
    }
    if (is_alpha(r) || r == ':') {
      if (!bracket_open_) {
        backup();
        return keyword_or_identifier();
      }
      if (got_colon_) return error("unexpected colon " + go_quote_rune(r));
      emit(Tok::kColon);
      got_colon_ = true;
      return;
    }
    error("unexpected character: " + go_quote_rune(r));
  }

  static std::string quote_or_eof(char32_t r) {
    return r == kEof ? std::string("'\\uffffffff'") : go_quote_rune(r);
  }

  void skip_space() {
    while (is_space(peek())) next();
    start_ = pos_;
  }

  void line_comment() {
    while (true) {
      char32_t r = next();
      if (r == kEof) break;
      if (r == '\n' || r == '\r') {
        backup();
        break;
      }
    }
    start_ = pos_;  // comments are not emitted
  }

  void inside_braces() {
    if (in_.substr(pos_, 1) == "#") return line_comment();
    char32_t r = next();
    if (r == kEof) return error("unexpected end of input inside braces");
    if (is_space(r)) return skip_space();
    if (is_alpha(r)) {
      while (is_alnum(peek())) next();
      return emit(Tok::kIdentifier);
    }
    switch (r) {
      case ',': return emit(Tok::kComma);
      case '"':
      case '\'':
        string_open_ = r;
        return string();
      case '`':
        string_open_ = r;
        return raw_string();
      case '=':
        if (next() == '~') return emit(Tok::kEqlRegex);
        backup();
        return emit(Tok::kEql);
      case '!': {
        char32_t nr = next();
        if (nr == '~') return emit(Tok::kNeqRegex);
        if (nr == '=') return emit(Tok::kNeq);
        return error("unexpected character after '!' inside braces: " + quote_or_eof(nr));
      }
      case '{':
        return error("unexpected left brace '{'");
      case '}':
        emit(Tok::kRightBrace);
        brace_open_ = false;
        return;
      default:
        return error("unexpected character inside braces: " + go_quote_rune(r));
    }
  }

  // Escapes are checked as Go does (\a \b \f \n \r \t \v \\ the quote,
  // octal, \x, \u, \U); unquote() decodes them later.
  void string() {
    while (true) {
      char32_t r = next();
      if (r == '\\') {
        if (!escape()) return;
        continue;
      }
      if (r == 0xFFFD) return error("invalid UTF-8 rune");
      if (r == kEof || r == '\n') return error("unterminated quoted string");
      if (r == string_open_) break;
    }
    emit(Tok::kString);
  }

  static std::string go_rune_u(char32_t r) {  // Go's %#U: U+0063 'c'
    char buf[32];
    std::snprintf(buf, sizeof buf, "U+%04X", static_cast<unsigned>(r));
    std::string out = buf;
    if (r >= 0x20 && r != 0x7F && r <= 0x10FFFF) {
      out += ' ';
      out += go_quote_rune(r);
    }
    return out;
  }

  bool escape() {
    char32_t ch = next();
    int n;
    uint32_t base, max;
    if (ch == kEof) {
      error("escape sequence not terminated");
      return false;
    }
    switch (ch) {
      case 'a': case 'b': case 'f': case 'n': case 'r': case 't': case 'v': case '\\':
        return true;
      case '0': case '1': case '2': case '3': case '4': case '5': case '6': case '7':
        n = 3; base = 8; max = 255;
        break;
      case 'x': ch = next(); n = 2; base = 16; max = 255; break;
      case 'u': ch = next(); n = 4; base = 16; max = 0x10FFFF; break;
      case 'U': ch = next(); n = 8; base = 16; max = 0x10FFFF; break;
      default:
        if (ch == string_open_) return true;
        error("unknown escape sequence " + go_rune_u(ch));
        return false;
    }
    uint32_t x = 0;
    while (n > 0) {
      uint32_t d = 99;
      if (ch >= '0' && ch <= '9') d = ch - '0';
      else if (ch >= 'a' && ch <= 'f') d = ch - 'a' + 10;
      else if (ch >= 'A' && ch <= 'F') d = ch - 'A' + 10;
      if (d >= base) {
        if (ch == kEof) error("escape sequence not terminated");
        else error("illegal character " + go_rune_u(ch) + " in escape sequence");
        return false;
      }
      x = x * base + d;
      if (--n > 0) ch = next();
    }
    if (x > max || (x >= 0xD800 && x < 0xE000)) {
      error("escape sequence is an invalid Unicode code point");
      return false;
    }
    return true;
  }

  void raw_string() {
    while (true) {
      char32_t r = next();
      if (r == 0xFFFD) return error("invalid UTF-8 rune");
      if (r == kEof) return error("unterminated raw string");
      if (r == string_open_) break;
    }
    emit(Tok::kString);
  }

  // Scans a number; false when it runs into a letter (a duration, or junk).
  bool scan_number() {
    std::string_view digits = "0123456789";
    if (accept("0") && accept("xX")) digits = "0123456789abcdefABCDEF";
    accept_run(digits);
    if (accept(".")) accept_run(digits);
    if (accept("eE")) {
      accept("+-");
      accept_run("0123456789");
    }
    return !is_alnum(peek());
  }

  bool accept_remaining_duration() {
    if (!accept("smhdwy")) return false;
    accept("s");  // ms
    while (accept("0123456789")) {
      while (accept("0123456789")) {
      }
      if (!accept("smhdw")) return false;
      accept("s");
    }
    return !is_alnum(next());
  }

  void number_or_duration() {
    if (scan_number()) return emit(Tok::kNumber);
    if (accept_remaining_duration()) {
      backup();
      return emit(Tok::kDuration);
    }
    error("bad number or duration syntax: " + go_quote(in_.substr(start_, pos_ - start_)));
  }

  void duration() {
    if (scan_number()) return error("missing unit character in duration");
    if (!accept_remaining_duration()) {
      return error("bad duration syntax: " + go_quote(in_.substr(start_, pos_ - start_)));
    }
    backup();
    emit(Tok::kDuration);
  }

  void keyword_or_identifier() {
    while (true) {
      char32_t r = next();
      if (is_alnum(r) || r == ':') continue;
      backup();
      break;
    }
    std::string_view word = in_.substr(start_, pos_ - start_);
    std::string lower;
    lower.reserve(word.size());
    for (char c : word) lower.push_back(static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c));
    const auto& kw = keywords();
    auto it = kw.find(lower);
    if (it != kw.end()) return emit(it->second);
    emit(word.find(':') == std::string_view::npos ? Tok::kIdentifier : Tok::kMetricIdentifier);
  }

  std::string_view in_;
  std::vector<Token>* out_ = nullptr;
  size_t pos_ = 0;
  size_t start_ = 0;
  size_t width_ = 0;
  int paren_depth_ = 0;
  bool brace_open_ = false;
  bool bracket_open_ = false;
  bool got_colon_ = false;
  bool done_ = false;
  char32_t string_open_ = 0;
};

}  // namespace

bool is_aggregator(Tok t) { return t >= Tok::kAvg && t <= Tok::kTopk; }
bool is_keyword(Tok t) { return t >= Tok::kBool && t <= Tok::kEnd; }
bool is_operator(Tok t) { return t >= Tok::kSub && t <= Tok::kAtan2; }

std::vector<Token> lex(std::string_view input) { return Lexer(input).run(); }

std::string describe(const Token& t) {
  std::string val(t.text);
  switch (t.type) {
    case Tok::kEof: return "end of input";
    case Tok::kError: return t.error;
    case Tok::kIdentifier: return "identifier " + go_quote(val);
    case Tok::kMetricIdentifier: return "metric identifier " + go_quote(val);
    case Tok::kDuration: return "duration " + go_quote(val);
    case Tok::kLeftParen: case Tok::kRightParen: case Tok::kLeftBrace: case Tok::kRightBrace:
    case Tok::kLeftBracket: case Tok::kRightBracket: case Tok::kComma: case Tok::kEql:
    case Tok::kColon:
      return go_quote(val);
    case Tok::kAt:
      return "\"<Item 57385>\" <op:@>";  // 2.42 has no display name for '@'

    default:
      break;
  }
  if (is_keyword(t.type)) return "<" + val + ">";
  if (is_operator(t.type)) return "<op:" + val + ">";
  if (is_aggregator(t.type)) return "<aggr:" + val + ">";
  std::string kind = t.type == Tok::kNumber ? "number " : t.type == Tok::kString ? "string " : "";
  if (val.size() > 10) {
    // Go's %.10q: quote the first ten runes, then "...".
    size_t i = 0;
    for (int n = 0; n < 10 && i < val.size(); ++n) {
      size_t w;
      decode_utf8(val, i, &w);
      i += w;
    }
    return kind + go_quote(val.substr(0, i)) + "...";
  }
  return kind + go_quote(val);
}

}  // namespace rg::promql
