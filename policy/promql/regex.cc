// A small recursive-descent reader of Go's regexp/syntax (Perl flags), written
// from the RE2 syntax documentation. It builds nothing: it checks the syntax
// and computes "can match the empty string" for the anchored pattern.
#include "policy/promql/regex.h"

#include <cstdint>

namespace rg::promql {
namespace {

constexpr int kMaxNesting = 1000;
constexpr int kMaxRepeat = 1000;

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_alnum(char c) { return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool is_hex(char c) { return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }

class RegexChecker {
 public:
  explicit RegexChecker(std::string_view p) : p_(p) {}

  bool run(bool* nullable, std::string* error) {
    bool n = false;
    if (!alternation(&n)) {
      *error = "error parsing regexp: " + err_;
      return false;
    }
    if (i_ < p_.size()) {  // only a stray ')' stops alternation early
      *error = "error parsing regexp: unexpected ): `" + std::string(p_) + "`";
      return false;
    }
    *nullable = n;
    return true;
  }

 private:
  bool fail(std::string code, std::string_view what) {
    if (err_.empty()) err_ = code + ": `" + std::string(what) + "`";
    return false;
  }

  bool alternation(bool* nullable) {
    if (++depth_ > kMaxNesting) return fail("expression nests too deeply", p_);
    bool any = false;
    while (true) {
      bool n = true;
      if (!concatenation(&n)) return false;
      any = any || n;
      if (i_ < p_.size() && p_[i_] == '|') {
        ++i_;
        continue;
      }
      break;
    }
    --depth_;
    *nullable = any;
    return true;
  }

  bool concatenation(bool* nullable) {
    bool all = true;
    while (i_ < p_.size() && p_[i_] != '|' && p_[i_] != ')') {
      size_t atom_start = i_;
      bool n = false;
      bool is_atom = true;  // false for flag groups like (?i), which cannot repeat
      if (!atom(&n, &is_atom)) return false;
      // Repetition operators.
      bool repeated = false;
      while (i_ < p_.size()) {
        char c = p_[i_];
        size_t op_start = i_;
        int min = -1;
        if (c == '*' || c == '?') {
          min = 0;
          ++i_;
        } else if (c == '+') {
          min = 1;
          ++i_;
        } else if (c == '{') {
          int lo = 0, hi = 0;
          size_t save = i_;
          if (!repeat_braces(&lo, &hi)) {
            i_ = save;
            break;  // a literal '{'
          }
          if (lo > kMaxRepeat || hi > kMaxRepeat || (hi >= 0 && hi < lo)) {
            return fail("invalid repeat count", p_.substr(op_start, i_ - op_start));
          }
          min = lo;
        } else {
          break;
        }
        if (i_ < p_.size() && p_[i_] == '?') ++i_;  // non-greedy
        if (!is_atom || atom_start == op_start) {
          return fail("missing argument to repetition operator", p_.substr(op_start, i_ - op_start));
        }
        if (repeated) return fail("invalid nested repetition operator", p_.substr(op_start, i_ - op_start));
        repeated = true;
        if (min == 0) n = true;
      }
      if (is_atom) all = all && n;
    }
    *nullable = all;
    return true;
  }

  // {n}, {n,}, {n,m}; hi = -1 for unbounded. False if not a repeat.
  bool repeat_braces(int* lo, int* hi) {
    ++i_;  // '{'
    auto number = [&](int* out) {
      size_t s = i_;
      long v = 0;
      while (i_ < p_.size() && is_digit(p_[i_])) {
        if (v < 100000) v = v * 10 + (p_[i_] - '0');
        ++i_;
      }
      *out = static_cast<int>(v);
      return i_ > s;
    };
    if (!number(lo)) return false;
    if (i_ < p_.size() && p_[i_] == ',') {
      ++i_;
      if (i_ < p_.size() && p_[i_] == '}') {
        *hi = -1;
      } else if (!number(hi)) {
        return false;
      }
    } else {
      *hi = *lo;
    }
    if (i_ >= p_.size() || p_[i_] != '}') return false;
    ++i_;
    return true;
  }

  bool atom(bool* nullable, bool* is_atom) {
    char c = p_[i_];
    switch (c) {
      case '*': case '+': case '?':
        return fail("missing argument to repetition operator", p_.substr(i_, 1));
      case '(':
        return group(nullable, is_atom);
      case '[':
        *nullable = false;
        return char_class();
      case '^': case '$':
        ++i_;
        *nullable = true;
        return true;
      case '.':
        ++i_;
        *nullable = false;
        return true;
      case '\\':
        return escape(nullable, false);
      default: {
        ++i_;
        // Skip UTF-8 continuation bytes of a multi-byte literal.
        while (i_ < p_.size() && (static_cast<unsigned char>(p_[i_]) & 0xC0) == 0x80) ++i_;
        *nullable = false;
        return true;
      }
    }
  }

  bool group(bool* nullable, bool* is_atom) {
    size_t start = i_;
    ++i_;  // '('
    if (i_ < p_.size() && p_[i_] == '?') {
      ++i_;
      if (p_.substr(i_, 2) == "P<") {
        i_ += 2;
        size_t name_start = i_;
        while (i_ < p_.size() && (is_alnum(p_[i_]) || p_[i_] == '_')) ++i_;
        if (i_ >= p_.size() || p_[i_] != '>' || i_ == name_start) {
          return fail("invalid named capture", p_.substr(start));
        }
        ++i_;
      } else {
        // Flags: (?flags) or (?flags:re)
        bool neg = false, any = false;
        while (true) {
          if (i_ >= p_.size()) return fail("missing closing )", p_.substr(start));
          char f = p_[i_];
          if (f == 'i' || f == 'm' || f == 's' || f == 'U') {
            any = true;
            ++i_;
          } else if (f == '-' && !neg) {
            neg = true;
            any = false;
            ++i_;
          } else if (f == ')' || f == ':') {
            if (neg && !any) return fail("invalid or unsupported Perl syntax", p_.substr(start, i_ + 1 - start));
            if (f == ')') {
              if (!any && !neg) return fail("invalid or unsupported Perl syntax", p_.substr(start, i_ + 1 - start));
              ++i_;
              *nullable = true;
              *is_atom = false;
              return true;
            }
            ++i_;
            break;
          } else {
            return fail("invalid or unsupported Perl syntax", p_.substr(start, i_ + 1 - start));
          }
        }
      }
    }
    bool n = false;
    if (!alternation(&n)) return false;
    if (i_ >= p_.size() || p_[i_] != ')') return fail("missing closing )", p_);
    ++i_;
    *nullable = n;
    return true;
  }

  // Reads an escape at p_[i_] == '\\'. In a class, *nullable is unused.
  bool escape(bool* nullable, bool in_class) {
    size_t start = i_;
    ++i_;
    if (i_ >= p_.size()) return fail("trailing backslash at end of expression", "");
    char c = p_[i_++];
    *nullable = false;
    switch (c) {
      case 'A': case 'z': case 'B':
        if (in_class) return fail("invalid escape sequence", p_.substr(start, 2));
        *nullable = true;
        return true;
      case 'b':
        if (in_class) return fail("invalid escape sequence", p_.substr(start, 2));
        *nullable = false;
        return true;
      case 'd': case 'D': case 's': case 'S': case 'w': case 'W':
      case 'a': case 'f': case 't': case 'n': case 'r': case 'v':
        return true;
      case 'Q': {
        if (in_class) return fail("invalid escape sequence", p_.substr(start, 2));
        size_t end = p_.find("\\E", i_);
        size_t lit_len = (end == std::string_view::npos ? p_.size() : end) - i_;
        i_ = end == std::string_view::npos ? p_.size() : end + 2;
        *nullable = lit_len == 0;
        return true;
      }
      case 'p': case 'P': {
        if (i_ >= p_.size()) return fail("invalid character class range", p_.substr(start));
        if (p_[i_] == '{') {
          size_t close = p_.find('}', i_);
          if (close == std::string_view::npos) return fail("invalid character class range", p_.substr(start));
          std::string_view name = p_.substr(i_ + 1, close - i_ - 1);
          if (!name.empty() && name[0] == '^') name.remove_prefix(1);
          i_ = close + 1;
          if (!is_unicode_class(name)) return fail("invalid character class range", p_.substr(start, i_ - start));
        } else {
          std::string_view name = p_.substr(i_, 1);
          ++i_;
          if (!is_unicode_class(name)) return fail("invalid character class range", p_.substr(start, i_ - start));
        }
        return true;
      }
      case 'x': {
        if (i_ < p_.size() && p_[i_] == '{') {
          size_t close = p_.find('}', i_);
          if (close == std::string_view::npos || close == i_ + 1) {
            return fail("invalid escape sequence", p_.substr(start));
          }
          uint32_t v = 0;
          for (size_t k = i_ + 1; k < close; ++k) {
            if (!is_hex(p_[k])) return fail("invalid escape sequence", p_.substr(start, close + 1 - start));
            v = v * 16 + static_cast<uint32_t>(is_digit(p_[k]) ? p_[k] - '0' : (p_[k] | 0x20) - 'a' + 10);
            if (v > 0x10FFFF) return fail("invalid escape sequence", p_.substr(start, close + 1 - start));
          }
          i_ = close + 1;
          return true;
        }
        if (i_ + 2 > p_.size() || !is_hex(p_[i_]) || !is_hex(p_[i_ + 1])) {
          return fail("invalid escape sequence", p_.substr(start, std::min<size_t>(4, p_.size() - start)));
        }
        i_ += 2;
        return true;
      }
      case '0': case '1': case '2': case '3': case '4': case '5': case '6': case '7': {
        // Octal: \0, or \1-\7 followed by another octal digit; else a backreference.
        if (c != '0' && (i_ >= p_.size() || p_[i_] < '0' || p_[i_] > '7')) {
          return fail("invalid escape sequence", p_.substr(start, 2));
        }
        for (int k = 0; k < 2 && i_ < p_.size() && p_[i_] >= '0' && p_[i_] <= '7'; ++k) ++i_;
        return true;
      }
      default:
        if (static_cast<unsigned char>(c) < 0x80 && !is_alnum(c)) return true;  // escaped punctuation
        return fail("invalid escape sequence", p_.substr(start, 2));
    }
  }

  static bool is_unicode_class(std::string_view name) {
    static const char* kNames[] = {
        "L", "Lu", "Ll", "Lt", "Lm", "Lo", "M", "Mn", "Mc", "Me", "N", "Nd", "Nl", "No", "P", "Pc", "Pd", "Ps",
        "Pe", "Pi", "Pf", "Po", "S", "Sm", "Sc", "Sk", "So", "Z", "Zs", "Zl", "Zp", "C", "Cc", "Cf", "Co", "Cs",
        "Any", "Latin", "Greek", "Cyrillic", "Han", "Arabic", "Hebrew", "Hiragana", "Katakana", "Hangul", "Thai",
        "Armenian", "Georgian", "Devanagari", "Common", "Inherited"};
    for (const char* n : kNames) {
      if (name == n) return true;
    }
    return false;
  }

  bool char_class() {
    size_t start = i_;
    ++i_;  // '['
    if (i_ < p_.size() && p_[i_] == '^') ++i_;
    bool first = true;
    while (true) {
      if (i_ >= p_.size()) return fail("missing closing ]", p_.substr(start));
      char c = p_[i_];
      if (c == ']' && !first) {
        ++i_;
        return true;
      }
      first = false;
      if (c == '[' && p_.substr(i_, 2) == "[:") {
        size_t close = p_.find(":]", i_ + 2);
        if (close != std::string_view::npos) {
          std::string_view name = p_.substr(i_ + 2, close - i_ - 2);
          if (!name.empty() && name[0] == '^') name.remove_prefix(1);
          static const char* kPosix[] = {"alnum", "alpha", "ascii", "blank", "cntrl", "digit", "graph",
                                         "lower", "print", "punct", "space", "upper", "word", "xdigit"};
          bool ok = false;
          for (const char* n : kPosix) ok = ok || name == n;
          if (!ok) return fail("invalid character class range", p_.substr(i_, close + 2 - i_));
          i_ = close + 2;
          continue;
        }
      }
      uint32_t lo = 0;
      bool lo_single = true;
      if (!class_char(&lo, &lo_single)) return false;
      if (lo_single && i_ + 1 < p_.size() && p_[i_] == '-' && p_[i_ + 1] != ']') {
        size_t range_start = i_;
        ++i_;
        uint32_t hi = 0;
        bool hi_single = true;
        if (!class_char(&hi, &hi_single)) return false;
        if (!hi_single || hi < lo) return fail("invalid character class range", p_.substr(range_start - 1, i_ - range_start + 1));
      }
    }
  }

  // One class element: a rune, or an escape (single = false for \d etc.).
  bool class_char(uint32_t* value, bool* single) {
    char c = p_[i_];
    if (c == '\\') {
      size_t s = i_;
      bool unused;
      if (!escape(&unused, true)) return false;
      std::string_view esc = p_.substr(s, i_ - s);
      char k = esc.size() > 1 ? esc[1] : 0;
      if (k == 'd' || k == 'D' || k == 's' || k == 'S' || k == 'w' || k == 'W' || k == 'p' || k == 'P') {
        *single = false;
        return true;
      }
      *value = esc.size() == 2 ? static_cast<unsigned char>(k) : 0;
      if (k == 'x' && esc.size() >= 4 && esc[2] != '{') {
        auto hv = [](char h) { return static_cast<uint32_t>(is_digit(h) ? h - '0' : (h | 0x20) - 'a' + 10); };
        *value = hv(esc[2]) * 16 + hv(esc[3]);
      }
      return true;
    }
    size_t w = 1;
    uint32_t v = static_cast<unsigned char>(c);
    if (v >= 0x80) {
      int extra = (v & 0xE0) == 0xC0 ? 1 : (v & 0xF0) == 0xE0 ? 2 : (v & 0xF8) == 0xF0 ? 3 : 0;
      v &= extra == 1 ? 0x1F : extra == 2 ? 0x0F : 0x07;
      for (int k = 0; k < extra && i_ + w < p_.size(); ++k, ++w) v = (v << 6) | (p_[i_ + w] & 0x3F);
    }
    i_ += w;
    *value = v;
    return true;
  }

  std::string_view p_;
  size_t i_ = 0;
  int depth_ = 0;
  std::string err_;
};

}  // namespace

bool check_regex(std::string_view pattern, bool* matches_empty, std::string* error) {
  RegexChecker c(pattern);
  return c.run(matches_empty, error);
}

}  // namespace rg::promql
