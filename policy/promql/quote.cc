// Go-compatible quoting, unquoting and number/duration formatting.
#include "policy/promql/quote.h"

#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "policy/utf8.h"

namespace rg::promql {
namespace {


// Approximates Go's unicode.IsPrint: graphic runes plus ASCII space. Control,
// format, separator, private-use and non-character ranges are not printable.
bool is_print(char32_t r) {
  if (r < 0x20 || r == 0x7F) return false;
  if (r < 0x7F) return true;
  if (r >= 0x80 && r <= 0xA0) return false;
  if (r == 0xAD) return false;
  if (r >= 0x600 && r <= 0x605) return false;
  if (r == 0x61C || r == 0x6DD || r == 0x70F || r == 0x180E || r == 0x1680) return false;
  if (r >= 0x2000 && r <= 0x200F) return false;
  if (r >= 0x2028 && r <= 0x202F) return false;
  if (r >= 0x205F && r <= 0x206F) return false;
  if (r == 0x3000 || r == 0xFEFF) return false;
  if (r >= 0xD800 && r <= 0xF8FF) return false;
  if (r >= 0xFFF0 && r <= 0xFFFB) return false;
  if (r == 0xFFFE || r == 0xFFFF) return false;
  if (r >= 0xE0000 && r <= 0xE007F) return false;
  if (r >= 0xF0000) return false;
  return true;
}

void append_escaped_rune(std::string* out, char32_t r, char quote) {
  char buf[16];
  if (r == static_cast<char32_t>(quote) || r == '\\') {
    out->push_back('\\');
    out->push_back(static_cast<char>(r));
    return;
  }
  if (is_print(r)) {
    rg::append_utf8(out, static_cast<uint32_t>(r));
    return;
  }
  switch (r) {
    case '\a': *out += "\\a"; return;
    case '\b': *out += "\\b"; return;
    case '\f': *out += "\\f"; return;
    case '\n': *out += "\\n"; return;
    case '\r': *out += "\\r"; return;
    case '\t': *out += "\\t"; return;
    case '\v': *out += "\\v"; return;
    default: break;
  }
  if (r < ' ' || r == 0x7F) {
    std::snprintf(buf, sizeof buf, "\\x%02x", static_cast<unsigned>(r));
  } else if (r < 0x10000) {
    std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(r));
  } else {
    std::snprintf(buf, sizeof buf, "\\U%08x", static_cast<unsigned>(r));
  }
  *out += buf;
}

int hex_val(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return 99;
}

}  // namespace

std::string go_quote(std::string_view s) {
  std::string out;
  out.reserve(s.size() + 2);
  out.push_back('"');
  for (size_t i = 0; i < s.size();) {
    size_t w;
    char32_t r = decode_utf8(s, i, &w);
    if (r == 0xFFFD && w == 1) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", static_cast<unsigned char>(s[i]));
      out += buf;
    } else {
      append_escaped_rune(&out, r, '"');
    }
    i += w;
  }
  out.push_back('"');
  return out;
}

std::string go_quote_rune(char32_t r) {
  std::string out = "'";
  append_escaped_rune(&out, r, '\'');
  out.push_back('\'');
  return out;
}

std::optional<std::string> unquote(std::string_view in) {
  if (in.size() < 2) return std::nullopt;
  char quote = in.front();
  if (in.back() != quote) return std::nullopt;
  std::string_view s = in.substr(1, in.size() - 2);
  if (quote == '`') {
    if (s.find('`') != std::string_view::npos) return std::nullopt;
    std::string out;
    for (char c : s) {
      if (c != '\r') out.push_back(c);
    }
    return out;
  }
  if (quote != '"' && quote != '\'') return std::nullopt;
  if (s.find('\n') != std::string_view::npos) return std::nullopt;
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size();) {
    char c = s[i];
    if (c == quote) return std::nullopt;
    if (c != '\\') {
      out.push_back(c);
      ++i;
      continue;
    }
    if (i + 1 >= s.size()) return std::nullopt;
    char e = s[i + 1];
    i += 2;
    switch (e) {
      case 'a': out.push_back('\a'); break;
      case 'b': out.push_back('\b'); break;
      case 'f': out.push_back('\f'); break;
      case 'n': out.push_back('\n'); break;
      case 'r': out.push_back('\r'); break;
      case 't': out.push_back('\t'); break;
      case 'v': out.push_back('\v'); break;
      case '\\': out.push_back('\\'); break;
      case '\'':
      case '"':
        if (e != quote) return std::nullopt;
        out.push_back(e);
        break;
      case 'x':
      case 'u':
      case 'U': {
        size_t n = e == 'x' ? 2 : e == 'u' ? 4 : 8;
        if (i + n > s.size()) return std::nullopt;
        uint32_t v = 0;
        for (size_t k = 0; k < n; ++k) {
          int d = hex_val(s[i + k]);
          if (d > 15) return std::nullopt;
          v = v * 16 + static_cast<uint32_t>(d);
        }
        i += n;
        if (e == 'x') {
          out.push_back(static_cast<char>(v));
        } else {
          if (v > 0x10FFFF || (v >= 0xD800 && v < 0xE000)) return std::nullopt;
          rg::append_utf8(&out, static_cast<uint32_t>(v));
        }
        break;
      }
      case '0': case '1': case '2': case '3': case '4': case '5': case '6': case '7': {
        if (i + 2 > s.size()) return std::nullopt;
        uint32_t v = static_cast<uint32_t>(e - '0');
        for (size_t k = 0; k < 2; ++k) {
          char d = s[i + k];
          if (d < '0' || d > '7') return std::nullopt;
          v = v * 8 + static_cast<uint32_t>(d - '0');
        }
        i += 2;
        if (v > 255) return std::nullopt;
        out.push_back(static_cast<char>(v));
        break;
      }
      default:
        return std::nullopt;
    }
  }
  return out;
}

std::string format_float(double v) {
  // Go's fmt %v for float64: strconv 'g' with the shortest digits, switching
  // to exponent form when the exponent is < -4 or >= 6 ("1.048576e+06").
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  char buf[400];
  auto sci = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::scientific);
  if (sci.ec != std::errc()) return "NaN";
  std::string s(buf, sci.ptr);
  size_t e = s.find('e');
  int exp = e == std::string::npos ? 0 : std::atoi(s.c_str() + e + 1);
  if (exp < -4 || exp >= 6) return s;
  auto fixed = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::fixed);
  if (fixed.ec != std::errc()) return s;
  return std::string(buf, fixed.ptr);
}

std::string format_duration(int64_t ms) {
  if (ms == 0) return "0s";
  std::string r;
  auto f = [&](const char* unit, int64_t mult, bool exact) {
    if (exact && ms % mult != 0) return;
    int64_t v = ms / mult;
    if (v > 0) {
      r += std::to_string(v);
      r += unit;
      ms -= v * mult;
    }
  };
  f("y", 1000LL * 60 * 60 * 24 * 365, true);
  f("w", 1000LL * 60 * 60 * 24 * 7, true);
  f("d", 1000LL * 60 * 60 * 24, false);
  f("h", 1000LL * 60 * 60, false);
  f("m", 1000LL * 60, false);
  f("s", 1000, false);
  f("ms", 1, false);
  return r;
}

std::optional<int64_t> parse_duration(std::string_view s, std::string* error) {
  // Grammar: [Ny][Nw][Nd][Nh][Nm][Ns][Nms], each unit at most once, in order.
  static const struct { const char* unit; int64_t ms; } kUnits[] = {
      {"y", 1000LL * 60 * 60 * 24 * 365}, {"w", 1000LL * 60 * 60 * 24 * 7},
      {"d", 1000LL * 60 * 60 * 24},       {"h", 1000LL * 60 * 60},
      {"m", 1000LL * 60},                 {"s", 1000},
      {"ms", 1}};
  auto invalid = [&]() {
    *error = "not a valid duration string: " + go_quote(s);
    return std::nullopt;
  };
  if (s.empty()) {
    *error = "empty duration string";
    return std::nullopt;
  }
  if (s == "0") {
    *error = "duration must be greater than 0";
    return std::nullopt;
  }
  size_t i = 0;
  size_t next_unit = 0;
  // Durations are nanoseconds (int64) in Go: track the total in ns.
  int64_t total_ns = 0;
  bool overflow = false;
  while (i < s.size()) {
    size_t j = i;
    while (j < s.size() && s[j] >= '0' && s[j] <= '9') ++j;
    if (j == i) return invalid();
    std::string_view digits = s.substr(i, j - i);
    size_t k = j;
    while (k < s.size() && (s[k] < '0' || s[k] > '9')) ++k;
    std::string_view unit = s.substr(j, k - j);
    size_t u = next_unit;
    while (u < 7 && unit != kUnits[u].unit) ++u;
    if (u == 7) return invalid();
    next_unit = u + 1;
    int64_t n = 0;
    for (char c : digits) {
      if (__builtin_mul_overflow(n, 10, &n) || __builtin_add_overflow(n, c - '0', &n)) overflow = true;
    }
    int64_t part = 0;
    if (__builtin_mul_overflow(n, kUnits[u].ms * 1000000, &part) ||
        __builtin_add_overflow(total_ns, part, &total_ns)) {
      overflow = true;
    }
    i = k;
  }
  if (overflow) {
    *error = "duration out of range";
    return std::nullopt;
  }
  int64_t ms = total_ns / 1000000;
  if (ms == 0) {
    *error = "duration must be greater than 0";
    return std::nullopt;
  }
  return ms;
}

std::optional<double> parse_number(std::string_view s, bool* out_of_range) {
  *out_of_range = false;
  std::string str(s);
  // ParseInt with base 0: 0x hex, leading-0 octal, else decimal; int64 range.
  {
    const char* p = str.c_str();
    bool neg = false;
    if (*p == '+' || *p == '-') { neg = *p == '-'; ++p; }
    int base = 10;
    const char* digits = p;
    if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) { base = 16; digits = p + 2; }
    else if (p[0] == '0' && p[1] != '\0') { base = 8; digits = p + 1; }
    if (*digits != '\0') {
      unsigned long long v = 0;
      auto res = std::from_chars(digits, str.c_str() + str.size(), v, base);
      if (res.ec == std::errc() && res.ptr == str.c_str() + str.size()) {
        if (!neg && v <= static_cast<unsigned long long>(INT64_MAX)) return static_cast<double>(v);
        if (neg && v <= static_cast<unsigned long long>(INT64_MAX) + 1ULL) {
          return -static_cast<double>(v);
        }
      }
    }
  }
  // ParseFloat: decimal floats, inf, infinity, nan. Hex floats need a 'p'
  // exponent in Go, which the lexer never produces, so reject hex here.
  std::string lower;
  for (char c : str) lower.push_back(static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c));
  std::string_view body = lower;
  if (!body.empty() && (body[0] == '+' || body[0] == '-')) body.remove_prefix(1);
  if (body == "inf" || body == "infinity") return lower[0] == '-' ? -INFINITY : INFINITY;
  if (body == "nan") return NAN;
  if (body.empty() || body.find('x') != std::string_view::npos ||
      body.find_first_not_of("0123456789.e+-") != std::string_view::npos) {
    return std::nullopt;
  }
  // Go requires digits in the mantissa and, after 'e', at least one digit.
  size_t epos = body.find('e');
  std::string_view mant = body.substr(0, epos);
  if (mant.find_first_of("0123456789") == std::string_view::npos) return std::nullopt;
  if (epos != std::string_view::npos) {
    std::string_view ex = body.substr(epos + 1);
    if (!ex.empty() && (ex[0] == '+' || ex[0] == '-')) ex.remove_prefix(1);
    if (ex.empty() || ex.find_first_not_of("0123456789") != std::string_view::npos) return std::nullopt;
  }
  errno = 0;
  char* end = nullptr;
  double v = std::strtod(str.c_str(), &end);
  if (end != str.c_str() + str.size()) return std::nullopt;
  if (std::isinf(v)) {  // Go: ErrRange
    *out_of_range = true;
    return std::nullopt;
  }
  return v;
}

}  // namespace rg::promql
