// UTF-8 decoding and encoding of one code point, shared by the parsers
// (PromQL, the condition language, the AdmissionReview reader) and the CLI's
// XML writer.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace rg {

// Decodes the code point at s[i] (i < s.size()) and sets *width (>= 1). A byte
// that does not start a well-formed sequence (RFC 3629: no overlong forms, no
// surrogates, nothing above U+10FFFF) is U+FFFD of width 1, as Go's
// utf8.DecodeRuneInString reads it.
inline char32_t decode_utf8(std::string_view s, size_t i, size_t* width) {
  const auto b = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  const unsigned char c = b(i);
  *width = 1;
  if (c < 0x80) return c;
  size_t need;
  char32_t r;
  char32_t min;
  if ((c & 0xE0) == 0xC0) {
    need = 1, r = c & 0x1F, min = 0x80;
  } else if ((c & 0xF0) == 0xE0) {
    need = 2, r = c & 0x0F, min = 0x800;
  } else if ((c & 0xF8) == 0xF0) {
    need = 3, r = c & 0x07, min = 0x10000;
  } else {
    return 0xFFFD;
  }
  for (size_t k = 1; k <= need; ++k) {
    if (i + k >= s.size() || (b(i + k) & 0xC0) != 0x80) return 0xFFFD;
    r = (r << 6) | (b(i + k) & 0x3F);
  }
  if (r < min || r > 0x10FFFF || (r >= 0xD800 && r < 0xE000)) return 0xFFFD;
  *width = need + 1;
  return r;
}

// Encodes cp. The caller decides what an invalid code point (a surrogate,
// > U+10FFFF) becomes; this only encodes.
inline void append_utf8(std::string* out, uint32_t cp) {
  if (cp < 0x80) {
    out->push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out->push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

}  // namespace rg
