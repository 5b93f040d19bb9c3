#include "policy/argo.h"

#include <cmath>
#include <cstdio>
#include <limits>

namespace rg::argo {

namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// Nanoseconds per unit, as Go's unitMap.
bool unit_nanos(std::string_view u, uint64_t* out) {
  if (u == "ns") { *out = 1; return true; }
  if (u == "us" || u == "\xC2\xB5s" || u == "\xCE\xBCs") { *out = 1000; return true; }  // us, µs (U+00B5), μs (U+03BC)
  if (u == "ms") { *out = 1000000; return true; }
  if (u == "s") { *out = 1000000000ULL; return true; }
  if (u == "m") { *out = 60ULL * 1000000000ULL; return true; }
  if (u == "h") { *out = 3600ULL * 1000000000ULL; return true; }
  return false;
}

// Parses an optional sign and base-10 digits, the whole string (strconv.Atoi / ParseInt).
bool parse_int(std::string_view s, int64_t* out) {
  if (s.empty()) return false;
  bool neg = false;
  size_t i = 0;
  if (s[0] == '+' || s[0] == '-') {
    neg = s[0] == '-';
    i = 1;
  }
  if (i == s.size()) return false;
  uint64_t v = 0;
  for (; i < s.size(); ++i) {
    if (!is_digit(s[i])) return false;
    if (v > (uint64_t{1} << 63) / 10) return false;
    v = v * 10 + static_cast<uint64_t>(s[i] - '0');
    if (v > (uint64_t{1} << 63)) return false;
  }
  if (!neg && v > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) return false;
  *out = neg ? static_cast<int64_t>(0 - v) : static_cast<int64_t>(v);
  return true;
}

}  // namespace

std::string go_quote(std::string_view s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      case '\r': out += "\\r"; break;
      default:
        if (c < 0x20 || c == 0x7f) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\x%02x", c);
          out += buf;
        } else {
          out.push_back(static_cast<char>(c));
        }
    }
  }
  out += '"';
  return out;
}

bool parse_go_duration(std::string_view orig, int64_t* nanos, std::string* error) {
  auto fail = [&](std::string msg) {
    if (error != nullptr) *error = std::move(msg);
    return false;
  };
  auto invalid = [&] { return fail("time: invalid duration " + go_quote(orig)); };
  std::string_view s = orig;
  bool neg = false;
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) {
    neg = s[0] == '-';
    s.remove_prefix(1);
  }
  if (s == "0") {
    if (nanos != nullptr) *nanos = 0;
    return true;
  }
  if (s.empty()) return invalid();
  uint64_t total = 0;
  const uint64_t kMax = uint64_t{1} << 63;
  while (!s.empty()) {
    if (!(s[0] == '.' || is_digit(s[0]))) return invalid();
    // Integer part.
    uint64_t v = 0;
    size_t i = 0;
    for (; i < s.size() && is_digit(s[i]); ++i) {
      if (v > (kMax - 1) / 10) return invalid();
      v = v * 10 + static_cast<uint64_t>(s[i] - '0');
      if (v > kMax) return invalid();
    }
    bool pre = i > 0;
    s.remove_prefix(i);
    // Fraction.
    uint64_t f = 0;
    double scale = 1;
    bool post = false;
    if (!s.empty() && s[0] == '.') {
      s.remove_prefix(1);
      size_t j = 0;
      bool overflow = false;
      for (; j < s.size() && is_digit(s[j]); ++j) {
        if (overflow) continue;
        if (f > (kMax - 1) / 10) {
          overflow = true;
          continue;
        }
        uint64_t y = f * 10 + static_cast<uint64_t>(s[j] - '0');
        if (y > kMax) {
          overflow = true;
          continue;
        }
        f = y;
        scale *= 10;
      }
      post = j > 0;
      s.remove_prefix(j);
    }
    if (!pre && !post) return invalid();
    // Unit.
    size_t k = 0;
    while (k < s.size() && s[k] != '.' && !is_digit(s[k])) ++k;
    if (k == 0) return fail("time: missing unit in duration " + go_quote(orig));
    std::string_view u = s.substr(0, k);
    s.remove_prefix(k);
    uint64_t unit = 0;
    if (!unit_nanos(u, &unit)) return fail("time: unknown unit " + go_quote(u) + " in duration " + go_quote(orig));
    if (v > kMax / unit) return invalid();
    v *= unit;
    if (f > 0) {
      v += static_cast<uint64_t>(static_cast<double>(f) * (static_cast<double>(unit) / scale));
      if (v > kMax) return invalid();
    }
    total += v;
    if (total > kMax) return invalid();
  }
  if (neg) {
    if (nanos != nullptr) *nanos = total == kMax ? std::numeric_limits<int64_t>::min() : -static_cast<int64_t>(total);
    return true;
  }
  if (total > kMax - 1) return invalid();
  if (nanos != nullptr) *nanos = static_cast<int64_t>(total);
  return true;
}

std::optional<int64_t> json_int(const json* v) {
  if (v == nullptr) return std::nullopt;
  if (v->is_number_integer()) {
    if (v->is_number_unsigned()) {
      uint64_t u = v->get<uint64_t>();
      if (u > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) return std::numeric_limits<int64_t>::max();
      return static_cast<int64_t>(u);
    }
    return v->get<int64_t>();
  }
  if (v->is_number_float()) {
    double d = v->get<double>();
    if (!std::isfinite(d) || std::floor(d) != d || std::fabs(d) > 9.0e18) return std::nullopt;
    return static_cast<int64_t>(d);
  }
  return std::nullopt;
}

int64_t int_or_string_value(const json* v) {
  if (v == nullptr) return 0;
  if (v->is_string()) {
    int64_t out = 0;
    if (parse_int(v->get_ref<const std::string&>(), &out)) return out;
    return 0;
  }
  return json_int(v).value_or(0);
}

int64_t int_or_percent_value(const json* v) {
  if (v != nullptr && v->is_string()) {
    const std::string& s = v->get_ref<const std::string&>();
    int64_t n = 0;
    if (s.size() >= 2 && s.back() == '%' && parse_int(std::string_view(s).substr(0, s.size() - 1), &n)) return n;
  }
  return int_or_string_value(v);
}

int64_t pause_duration_seconds(const json* duration) {
  if (duration == nullptr || duration->is_null()) return 0;
  if (duration->is_string()) {
    const std::string& s = duration->get_ref<const std::string&>();
    int64_t secs = 0;
    if (parse_int(s, &secs)) {
      if (secs < std::numeric_limits<int32_t>::min() || secs > std::numeric_limits<int32_t>::max()) return -1;
      return secs;
    }
    int64_t ns = 0;
    if (!parse_go_duration(s, &ns)) return -1;
    return ns / 1000000000LL;
  }
  if (auto i = json_int(duration)) return *i;
  return -1;
}

bool has_placeholder(std::string_view s) { return s.find("{{") != std::string_view::npos; }

std::string field_invalid(std::string_view path, std::string_view value, std::string_view detail) {
  std::string out(path);
  out += ": Invalid value: ";
  out += value;
  if (!detail.empty()) {
    out += ": ";
    out += detail;
  }
  return out;
}

std::string field_required(std::string_view path, std::string_view detail) {
  std::string out(path);
  out += ": Required value";
  if (!detail.empty()) {
    out += ": ";
    out += detail;
  }
  return out;
}

std::string field_internal(std::string_view path, std::string_view detail) {
  return std::string(path) + ": Internal error: " + std::string(detail);
}

std::string field_forbidden(std::string_view path, std::string_view detail) {
  return std::string(path) + ": Forbidden: " + std::string(detail);
}

std::string field_duplicate(std::string_view path, std::string_view value) {
  return std::string(path) + ": Duplicate value: " + std::string(value);
}

bool is_valid_quantity(const json& v) {
  if (v.is_number()) return true;
  if (!v.is_string()) return false;
  std::string_view s = v.get_ref<const std::string&>();
  // ^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$
  size_t i = 0;
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
  size_t start = i;
  while (i < s.size() && (is_digit(s[i]) || s[i] == '.')) ++i;
  if (i == start) return false;
  while (i < s.size() && std::string_view("eEinumkKMGTP").find(s[i]) != std::string_view::npos) ++i;
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
  while (i < s.size() && is_digit(s[i])) ++i;
  return i == s.size();
}

}  // namespace rg::argo
