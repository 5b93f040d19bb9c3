#include "policy/messages.h"

#include <cstdio>

namespace rg {

std::string quote(std::string_view s) {
  std::string out;
  out.reserve(s.size() + 2);
  out.push_back('"');
  for (char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      case '\r': out += "\\r"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else {
          out.push_back(c);
        }
    }
  }
  out.push_back('"');
  return out;
}

std::string join_quote(const std::vector<std::string>& items) {
  std::string out;
  for (size_t i = 0; i < items.size(); ++i) {
    if (i) out += ", ";
    out += quote(items[i]);
  }
  return out;
}

std::string_view pluralize(std::string_view singular, std::string_view plural, size_t n) {
  return n == 1 ? singular : plural;
}

std::string object_ref(const Object& obj) {
  std::string out(obj.kind().empty() ? "object" : obj.kind());
  out += ' ';
  if (!obj.ns().empty()) {
    out += obj.ns();
    out += '/';
  }
  out += obj.name().empty() ? std::string_view("<unnamed>") : obj.name();
  return out;
}

std::string path_index(std::string_view base, size_t i) {
  std::string out(base);
  out += '[';
  out += std::to_string(i);
  out += ']';
  return out;
}

std::string path_key(std::string_view base, std::string_view key) {
  if (base.empty()) return std::string(key);
  std::string out(base);
  out += '.';
  out += key;
  return out;
}

std::string short_json(const json& v, size_t max_len) {
  std::string s = v.dump(-1, ' ', false, json::error_handler_t::replace);
  if (s.size() > max_len) s = s.substr(0, max_len - 3) + "...";
  return s;
}

}  // namespace rg
