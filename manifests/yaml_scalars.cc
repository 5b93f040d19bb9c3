// go-yaml v2's scalar resolution and sigs.k8s.io/yaml's JSON conversion
// (see yaml_scalars.h). Written from their documented behaviour:
// strconv.ParseInt/ParseUint with base 0 after removing "_", the YAML float
// pattern, the YAML 1.1 boolean and null words, encoding/json's number text.
#include "manifests/yaml_scalars.h"

#include <charconv>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <string>

namespace rg::yaml11 {

namespace {

using Kind = Scalar::Kind;

Scalar make_bool(bool v) {
  Scalar s;
  s.kind = Kind::kBool;
  s.b = v;
  return s;
}

Scalar make_float(double v) {
  Scalar s;
  s.kind = Kind::kFloat;
  s.f = v;
  return s;
}

// The words go-yaml v2 looks up before anything else.
bool lookup_word(std::string_view t, Scalar* out) {
  static constexpr std::string_view kTrue[] = {"y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON"};
  static constexpr std::string_view kFalse[] = {"n",     "N",     "no",  "No",  "NO",  "false",
                                                "False", "FALSE", "off", "Off", "OFF"};
  for (std::string_view w : kTrue) {
    if (t == w) return *out = make_bool(true), true;
  }
  for (std::string_view w : kFalse) {
    if (t == w) return *out = make_bool(false), true;
  }
  if (t.empty() || t == "~" || t == "null" || t == "Null" || t == "NULL") {
    *out = Scalar{};
    out->kind = Kind::kNull;
    return true;
  }
  constexpr double kInf = std::numeric_limits<double>::infinity();
  if (t == ".nan" || t == ".NaN" || t == ".NAN") return *out = make_float(std::numeric_limits<double>::quiet_NaN()), true;
  for (std::string_view w : {".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF"}) {
    if (t == w) return *out = make_float(kInf), true;
  }
  for (std::string_view w : {"-.inf", "-.Inf", "-.INF"}) {
    if (t == w) return *out = make_float(-kInf), true;
  }
  return false;
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// ^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$, then strconv.ParseFloat:
// an overflow is no float (go-yaml then keeps the text), an underflow is 0.
bool parse_yaml_float(std::string_view s, double* out) {
  size_t i = 0;
  if (i < s.size() && (s[i] == '-' || s[i] == '+')) ++i;
  size_t int_digits = 0, frac_digits = 0;
  while (i < s.size() && is_digit(s[i])) ++i, ++int_digits;
  bool dot = i < s.size() && s[i] == '.';
  if (dot) {
    ++i;
    while (i < s.size() && is_digit(s[i])) ++i, ++frac_digits;
  }
  if (int_digits == 0 && (!dot || frac_digits == 0)) return false;
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < s.size() && (s[i] == '-' || s[i] == '+')) ++i;
    size_t exp_digits = 0;
    while (i < s.size() && is_digit(s[i])) ++i, ++exp_digits;
    if (exp_digits == 0) return false;
  }
  if (i != s.size()) return false;
  // strtod reads every spelling the pattern allows ("1.", ".5", "+2") in the
  // C locale, which this program never changes.
  std::string text(s);
  char* end = nullptr;
  double v = std::strtod(text.c_str(), &end);
  if (end != text.c_str() + text.size() || std::isinf(v)) return false;
  *out = v;
  return true;
}

// strconv.ParseUint(s, 0, 64): "0x"/"0o"/"0b" (either case) prefixes with at
// least one digit after them, a leading "0" for octal, else decimal.
bool go_parse_uint(std::string_view s, uint64_t* out) {
  if (s.empty()) return false;
  int base = 10;
  if (s[0] == '0') {
    char p = s.size() >= 3 ? static_cast<char>(s[1] | 0x20) : 0;
    if (p == 'b') base = 2, s.remove_prefix(2);
    else if (p == 'o') base = 8, s.remove_prefix(2);
    else if (p == 'x') base = 16, s.remove_prefix(2);
    else base = 8, s.remove_prefix(1);
    if (s.empty()) return *out = 0, true;  // "0"
  }
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), *out, base);
  return ec == std::errc() && ptr == s.data() + s.size();
}

// strconv.ParseInt(s, 0, 64): an optional sign, then ParseUint's syntax.
bool go_parse_int(std::string_view s, int64_t* out) {
  bool neg = false;
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) {
    neg = s[0] == '-';
    s.remove_prefix(1);
  }
  uint64_t u = 0;
  if (!go_parse_uint(s, &u)) return false;
  constexpr uint64_t kMax = static_cast<uint64_t>(std::numeric_limits<int64_t>::max());
  if (!neg) {
    if (u > kMax) return false;
    *out = static_cast<int64_t>(u);
  } else {
    if (u > kMax + 1) return false;
    *out = static_cast<int64_t>(0 - u);
  }
  return true;
}

// Go's strconv.FormatFloat(f, 'g', -1, 32): the shortest digits that read
// back as the same float32, in %e form when the exponent is below -4 or at
// least 6 (two exponent digits at least), else in %f form.
std::string go_format_float32(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  float f = static_cast<float>(v);
  if (std::isinf(f)) return f > 0 ? "+Inf" : "-Inf";
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, std::fabs(f), std::chars_format::scientific);
  if (ec != std::errc()) return std::to_string(v);
  std::string_view sci(buf, static_cast<size_t>(end - buf));  // "d.ddde+XX"
  size_t e = sci.find('e');
  std::string digits;
  for (char c : sci.substr(0, e)) {
    if (c != '.') digits += c;
  }
  int exp = std::atoi(std::string(sci.substr(e + 1)).c_str());
  std::string out = std::signbit(f) ? "-" : "";
  if (digits == "0") return out + "0";
  int nd = static_cast<int>(digits.size());
  if (exp < -4 || exp >= 6) {
    out += digits[0];
    if (nd > 1) out += "." + digits.substr(1);
    out += exp < 0 ? "e-" : "e+";
    int a = exp < 0 ? -exp : exp;
    if (a < 10) out += '0';
    return out + std::to_string(a);
  }
  int dp = exp + 1;  // digits before the decimal point
  if (dp <= 0) return out + "0." + std::string(static_cast<size_t>(-dp), '0') + digits;
  if (dp >= nd) return out + digits + std::string(static_cast<size_t>(dp - nd), '0');
  return out + digits.substr(0, static_cast<size_t>(dp)) + "." + digits.substr(static_cast<size_t>(dp));
}

}  // namespace

Scalar resolve_plain(std::string_view t) {
  Scalar out;
  out.kind = Kind::kString;
  // go-yaml v2 only tries a scalar whose first character could start a word
  // or a number; anything else is text at once.
  char c0 = t.empty() ? 'N' : t[0];
  bool numeric = is_digit(c0) || c0 == '+' || c0 == '-';
  if (!numeric && c0 != '.' && std::string_view("yYnNtTfFoO~").find(c0) == std::string_view::npos) return out;
  if (lookup_word(t, &out)) return out;
  if (c0 == '.') {
    // strconv.ParseFloat on the text as written: no "_" separators here.
    double d = 0;
    if (t.find('_') == std::string_view::npos && parse_yaml_float(t, &d)) out = make_float(d);
    return out;
  }
  if (!numeric) return out;
  std::string plain;
  plain.reserve(t.size());
  for (char c : t) {
    if (c != '_') plain += c;
  }
  int64_t i = 0;
  if (go_parse_int(plain, &i)) {
    out.kind = Kind::kInt;
    out.i = i;
    return out;
  }
  uint64_t u = 0;
  if (go_parse_uint(plain, &u)) {
    out.kind = Kind::kUint;
    out.u = u;
    return out;
  }
  double d = 0;
  if (parse_yaml_float(plain, &d)) return make_float(d);
  return out;
}

bool to_json(const Scalar& s, nlohmann::json* out, std::string* why) {
  switch (s.kind) {
    case Kind::kString: return false;  // the caller has the text
    case Kind::kNull: *out = nullptr; return true;
    case Kind::kBool: *out = s.b; return true;
    case Kind::kInt: *out = s.i; return true;
    case Kind::kUint: *out = s.u; return true;
    case Kind::kFloat: break;
  }
  double f = s.f;
  if (std::isnan(f) || std::isinf(f)) {
    *why = std::string("JSON has no ") + (std::isnan(f) ? "NaN" : f > 0 ? "+Inf" : "-Inf") +
           ", so kubectl refuses this value (\"json: unsupported value\"); quote it to send text";
    return false;
  }
  // encoding/json writes an integral float below 1e21 without a fraction or
  // an exponent ("1000", "-0"), which the API server and nlohmann read as an
  // integer when it fits one.
  if (f == std::floor(f) && std::fabs(f) < 1e21) {
    constexpr double kTwo63 = 9223372036854775808.0;
    constexpr double kTwo64 = 18446744073709551616.0;
    if (f >= -kTwo63 && f < kTwo63) {
      *out = static_cast<int64_t>(f);
      return true;
    }
    if (f > 0 && f < kTwo64) {
      *out = static_cast<uint64_t>(f);
      return true;
    }
  }
  *out = f;
  return true;
}

bool key_text(const Scalar& s, std::string_view text, std::string* out, std::string* why) {
  switch (s.kind) {
    case Kind::kString: *out = std::string(text); return true;
    case Kind::kBool: *out = s.b ? "true" : "false"; return true;
    case Kind::kInt: *out = std::to_string(s.i); return true;
    case Kind::kNull:
      *why = "a null key (`~`, `null` or nothing) cannot be a JSON object key; kubectl refuses it "
             "(\"Unsupported map key\"); quote it to mean the text";
      return false;
    case Kind::kUint:
      *why = "an integer key above 9223372036854775807 cannot be converted to JSON; kubectl refuses it "
             "(\"Unsupported map key of type: uint64\"); quote it";
      return false;
    case Kind::kFloat: {
      std::string f = go_format_float32(s.f);
      if (f == "+Inf") f = ".inf";
      else if (f == "-Inf") f = "-.inf";
      else if (f == "NaN") f = ".nan";
      *out = std::move(f);
      return true;
    }
  }
  return false;
}

bool resolve_tagged(std::string_view tag, std::string_view text, Scalar* out) {
  constexpr std::string_view kPrefix = "tag:yaml.org,2002:";
  *out = Scalar{};
  if (tag.substr(0, kPrefix.size()) != kPrefix) return true;  // a local or custom tag: text
  std::string_view name = tag.substr(kPrefix.size());
  if (name == "str" || name == "binary" || name == "timestamp") return true;
  Scalar r = resolve_plain(text);
  if (name == "bool") return (*out = r).kind == Kind::kBool;
  if (name == "int") return (*out = r).kind == Kind::kInt || r.kind == Kind::kUint;
  if (name == "null") return (*out = r).kind == Kind::kNull;
  if (name == "float") {
    if (r.kind == Kind::kInt) return *out = make_float(static_cast<double>(r.i)), true;
    if (r.kind == Kind::kUint) return *out = make_float(static_cast<double>(r.u)), true;
    return (*out = r).kind == Kind::kFloat;
  }
  return true;  // another yaml.org tag (!!set, !!omap, ...) on a scalar: text
}

}  // namespace rg::yaml11
