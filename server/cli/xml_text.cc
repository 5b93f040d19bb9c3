// XML 1.0 text and attribute values (xml_text.h).
#include "server/cli/xml_text.h"

#include <cstdint>

#include "policy/utf8.h"

namespace rg::cli {

namespace {

constexpr uint32_t kReplacement = 0xFFFD;

// XML 1.0's Char production.
bool xml_char(uint32_t cp) {
  return cp == 0x9 || cp == 0xA || cp == 0xD || (cp >= 0x20 && cp <= 0xD7FF) || (cp >= 0xE000 && cp <= 0xFFFD) ||
         (cp >= 0x10000 && cp <= 0x10FFFF);
}

std::string escape(std::string_view s, bool attribute) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size();) {
    size_t width = 0;
    uint32_t cp = decode_utf8(s, i, &width);
    i += width;
    if (!xml_char(cp)) cp = kReplacement;
    switch (cp) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;  // also keeps "]]>" out of text
      case '"': out += attribute ? "&quot;" : "\""; break;
      case '\t': out += attribute ? "&#9;" : "\t"; break;
      case '\n': out += attribute ? "&#10;" : "\n"; break;
      case '\r': out += "&#13;"; break;
      default: append_utf8(&out, cp);
    }
  }
  return out;
}

}  // namespace

std::string xml_text(std::string_view s) { return escape(s, false); }

std::string xml_attribute(std::string_view s) { return escape(s, true); }

}  // namespace rg::cli
