#include "admission/review_reader.h"

#include <bit>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <string>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "policy/utf8.h"

namespace rg::admission {

namespace {

using json = nlohmann::json;

constexpr std::string_view kLastApplied = "kubectl.kubernetes.io/last-applied-configuration";

using At = ReviewPlace;

}  // namespace

ReviewPlace review_place(ReviewPlace parent, std::string_view key) {
  switch (parent) {
    case At::Root:
      if (key == "request") return At::Request;
      return key == "apiVersion" || key == "kind" ? At::Other : At::Skip;
    case At::Request:
      if (key == "object") return At::Object;
      if (key == "kind") return At::RequestKind;
      return key == "uid" || key == "operation" || key == "subResource" || key == "namespace" || key == "name" ||
                     key == "dryRun"
                 ? At::Other
                 : At::Skip;
    case At::RequestKind: return key == "kind" ? At::Other : At::Skip;
    case At::Object: return key == "metadata" ? At::Metadata : key == "status" ? At::Skip : At::Other;
    case At::Metadata: return key == "annotations" ? At::Annotations : key == "managedFields" ? At::Skip : At::Other;
    case At::Annotations: return key == kLastApplied ? At::Skip : At::Other;
    case At::Other: return At::Other;
    case At::Skip: return At::Skip;
  }
  return At::Skip;
}

namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// Length of the well-formed UTF-8 sequence at p (RFC 3629: no overlong
// forms, no surrogates, nothing above U+10FFFF), or 0.
size_t utf8_length(const char* p, const char* end) {
  const auto b = [&](size_t i) { return static_cast<unsigned char>(p[i]); };
  const auto in = [](unsigned char c, unsigned char lo, unsigned char hi) { return c >= lo && c <= hi; };
  const size_t left = static_cast<size_t>(end - p);
  const unsigned char c = b(0);
  if (in(c, 0xC2, 0xDF)) return left >= 2 && in(b(1), 0x80, 0xBF) ? 2 : 0;
  if (in(c, 0xE0, 0xEF)) {
    if (left < 3) return 0;
    const unsigned char lo = c == 0xE0 ? 0xA0 : 0x80, hi = c == 0xED ? 0x9F : 0xBF;
    return in(b(1), lo, hi) && in(b(2), 0x80, 0xBF) ? 3 : 0;
  }
  if (in(c, 0xF0, 0xF4)) {
    if (left < 4) return 0;
    const unsigned char lo = c == 0xF0 ? 0x90 : 0x80, hi = c == 0xF4 ? 0x8F : 0xBF;
    return in(b(1), lo, hi) && in(b(2), 0x80, 0xBF) && in(b(3), 0x80, 0xBF) ? 4 : 0;
  }
  return 0;
}

// The end of the run of string bytes at p that need no attention: it stops
// at '"', '\\', a control character or a non-ASCII byte (or at end). Sixteen
// bytes at a time with SSE2, else eight (a review is mostly long plain
// strings); byte by byte only within the body's last few.
const char* plain_run(const char* p, const char* end) {
#if defined(__SSE2__)
  const __m128i quotes = _mm_set1_epi8('"'), backslashes = _mm_set1_epi8('\\'), spaces = _mm_set1_epi8(0x20);
  while (end - p >= 16) {
    const __m128i w = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
    // Signed: a non-ASCII byte is negative, so "below 0x20" flags it with the control characters.
    const __m128i special =
        _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(w, quotes), _mm_cmpeq_epi8(w, backslashes)), _mm_cmplt_epi8(w, spaces));
    const unsigned mask = static_cast<unsigned>(_mm_movemask_epi8(special));
    if (mask != 0) return p + std::countr_zero(mask);
    p += 16;
  }
#endif
  constexpr uint64_t kOnes = 0x0101010101010101ULL, kHigh = 0x8080808080808080ULL;
  while (end - p >= 8) {
    uint64_t w;
    std::memcpy(&w, p, sizeof w);
    const uint64_t quote = w ^ (kOnes * '"'), backslash = w ^ (kOnes * '\\');
    // A byte is zero in x when (x - 1) borrows into its high bit while x's was clear;
    // below 0x20 when subtracting 0x20 does; non-ASCII when its high bit is set.
    // Borrows only carry past a byte that is itself one of these, so a word
    // without any of them never tests positive.
    const uint64_t special =
        ((quote - kOnes) & ~quote) | ((backslash - kOnes) & ~backslash) | (w - kOnes * 0x20) | w;
    if ((special & kHigh) != 0) {
      // The lowest flagged byte is a real one (false positives sit only above
      // it): on a little-endian machine, the first in memory.
      if constexpr (std::endian::native == std::endian::little) {
        return p + (std::countr_zero(special & kHigh) >> 3);
      }
      break;
    }
    p += 8;
  }
  while (p < end) {
    const unsigned char c = static_cast<unsigned char>(*p);
    if (c == '"' || c == '\\' || c < 0x20 || c >= 0x80) break;
    ++p;
  }
  return p;
}

#if defined(__SSE2__)
// One bit per byte of a 64-byte block (bit i: byte i) where `flag` (a 16-byte
// compare) marks it.
template <class Flag>
uint64_t block_mask(const __m128i (&w)[4], Flag flag) {
  uint64_t m = 0;
  for (int k = 0; k < 4; ++k) {
    m |= static_cast<uint64_t>(static_cast<unsigned>(_mm_movemask_epi8(flag(w[k])))) << (16 * k);
  }
  return m;
}
// The bytes that are c.
uint64_t bytes_equal(const __m128i (&w)[4], char c) {
  const __m128i v = _mm_set1_epi8(c);
  return block_mask(w, [v](__m128i x) { return _mm_cmpeq_epi8(x, v); });
}
// The bytes below 0x20 or not ASCII (signed compare: those are negative).
uint64_t bytes_special(const __m128i (&w)[4]) {
  const __m128i v = _mm_set1_epi8(0x20);
  return block_mask(w, [v](__m128i x) { return _mm_cmplt_epi8(x, v); });
}
#endif

// What a backslash and c stand for, when c needs nothing more (\u needs
// four hex digits); 0 for every other c.
constexpr char simple_unescape(unsigned char c) {
  switch (c) {
    case '"': return '"';
    case '\\': return '\\';
    case '/': return '/';
    case 'b': return '\b';
    case 'f': return '\f';
    case 'n': return '\n';
    case 'r': return '\r';
    case 't': return '\t';
    default: return 0;
  }
}

class Reader {
 public:
  explicit Reader(std::string_view s) : p_(s.data()), end_(s.data() + s.size()) {}

  bool document(json* doc) {
    ws();
    if (p_ >= end_ || *p_ != '{') return false;  // a BOM, a non-object: nlohmann decides
    if (!object(doc, At::Root)) return false;
    ws();
    return p_ == end_;
  }

 private:
  void ws() {
    if (p_ < end_ && static_cast<unsigned char>(*p_) > ' ') return;  // compact JSON: none
    while (p_ < end_ && (*p_ == ' ' || *p_ == '\n' || *p_ == '\r' || *p_ == '\t')) ++p_;
  }

  // Any value; built into `out` unless at == At::Skip.
  bool value(json* out, At at) {
    if (p_ >= end_) return false;
    switch (*p_) {
      case '{': return object(out, at);
      case '[': return array(out, at);
      case '"': {
        if (at == At::Skip) return string(nullptr);
        std::string_view s;
        if (!string(&s)) return false;
        if (out->is_string()) {
          out->get_ref<std::string&>().assign(s.data(), s.size());  // the previous text's buffer, when it fits
        } else {
          *out = s;
        }
        return true;
      }
      case 't': return literal("true", out, at, json(true));
      case 'f': return literal("false", out, at, json(false));
      case 'n': return literal("null", out, at, json(nullptr));
      default: return number(out, at);
    }
  }

  bool literal(std::string_view word, json* out, At at, json v) {
    if (static_cast<size_t>(end_ - p_) < word.size() || std::string_view(p_, word.size()) != word) return false;
    p_ += word.size();
    if (at != At::Skip) *out = std::move(v);
    return true;
  }

  // An object into *out. When *out already is one (the previous review's),
  // its members are kept aside and each is reused, node and value, for this
  // text's member of the same key; those not met are freed at the end, so the
  // result is the same as building anew.
  bool object(json* out, At at) {  // at '{'
    if (++depth_ > kMaxFastDepth) return false;
    ++p_;
    json::object_t* map = nullptr;
    json::object_t old;  // the previous review's members not met yet
    if (at != At::Skip) {
      if (!out->is_object()) *out = json::object();
      map = &out->get_ref<json::object_t&>();
      old.swap(*map);
    }
    ws();
    if (p_ < end_ && *p_ == '}') {
      ++p_;
      --depth_;
      return true;
    }
    for (;;) {
      if (p_ >= end_ || *p_ != '"') return false;
      std::string_view key;
      if (!string(map != nullptr ? &key : nullptr)) return false;
      ws();
      if (p_ >= end_ || *p_ != ':') return false;
      ++p_;
      ws();
      const At child = map == nullptr ? At::Skip : review_place(at, key);
      if (child == At::Skip) {
        if (!value(nullptr, At::Skip)) return false;
      } else {
        // The last of duplicate keys wins, as with nlohmann's parser: value()
        // builds over what an earlier one put there.
        if (!value(&member(map, &old, key), child)) return false;
      }
      ws();
      if (p_ < end_ && *p_ == ',') {
        ++p_;
        ws();
        continue;
      }
      if (p_ < end_ && *p_ == '}') {
        ++p_;
        --depth_;
        return true;
      }
      return false;
    }
  }

  // An array into *out, reusing the elements it already has (the previous
  // review's) by position and dropping those past this text's last.
  bool array(json* out, At at) {  // at '['
    if (++depth_ > kMaxFastDepth) return false;
    ++p_;
    json::array_t* arr = nullptr;
    if (at != At::Skip) {
      if (!out->is_array()) *out = json::array();
      arr = &out->get_ref<json::array_t&>();
    }
    size_t n = 0;
    ws();
    if (p_ < end_ && *p_ == ']') {
      ++p_;
      --depth_;
      if (arr != nullptr) arr->clear();
      return true;
    }
    for (;;) {
      if (arr != nullptr) {
        if (n == arr->size()) arr->emplace_back();
        if (!value(&(*arr)[n], At::Other)) return false;
        ++n;
      } else if (!value(nullptr, At::Skip)) {
        return false;
      }
      ws();
      if (p_ < end_ && *p_ == ',') {
        ++p_;
        ws();
        continue;
      }
      if (p_ < end_ && *p_ == ']') {
        ++p_;
        --depth_;
        if (arr != nullptr) arr->erase(arr->begin() + static_cast<std::ptrdiff_t>(n), arr->end());
        return true;
      }
      return false;
    }
  }

  enum class Skip { Closed, Bad, Rest };

  // Inside a string that is checked but not kept (the last-applied
  // annotation: a JSON text with an escaped quote every few bytes), from p_:
  // whole 64-byte blocks at a time, while they hold only ASCII text and
  // simple escapes. Closed: the string ended (p_ past its quote). Bad: an
  // escape no JSON string may hold. Rest: p_ is where the byte loop in
  // string() goes on (the tail, a \\u escape, a control or non-ASCII byte),
  // at the start of an escape, never inside one.
  Skip skip_blocks() {
#if defined(__SSE2__)
    uint64_t carry = 0;  // 1: the block's first byte is escaped by the last byte of the one before
    while (end_ - p_ >= 64) {
      __m128i w[4];
      for (int k = 0; k < 4; ++k) w[k] = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p_ + 16 * k));
      const uint64_t quotes = bytes_equal(w, '"'), backslashes = bytes_equal(w, '\\'), special = bytes_special(w);
      if ((backslashes | special | carry) == 0) {  // plain text: ends at the first quote, if any
        if (quotes != 0) {
          p_ += std::countr_zero(quotes) + 1;
          return Skip::Closed;
        }
        p_ += 64;
        continue;
      }
      // The escaped bytes: each backslash not itself escaped escapes the next.
      uint64_t escaped = carry;
      uint64_t carry_out = 0;
      for (uint64_t m = backslashes; m != 0; m &= m - 1) {
        const int i = std::countr_zero(m);
        if ((escaped >> i) & 1) continue;
        if (i == 63) carry_out = 1;
        else escaped |= uint64_t{1} << (i + 1);
      }
      const uint64_t closing = quotes & ~escaped;
      const int end = closing != 0 ? std::countr_zero(closing) : 64;
      const uint64_t before = end == 64 ? ~uint64_t{0} : (uint64_t{1} << end) - 1;
      bool byte_loop = (special & before) != 0;
      for (uint64_t m = escaped & before; m != 0 && !byte_loop; m &= m - 1) {
        const unsigned char c = static_cast<unsigned char>(p_[std::countr_zero(m)]);
        if (c == 'u') byte_loop = true;
        else if (simple_unescape(c) == 0) return Skip::Bad;
      }
      if (byte_loop) break;  // from this block's start
      if (closing != 0) {
        p_ += end + 1;
        return Skip::Closed;
      }
      carry = carry_out;
      p_ += 64;
    }
    if (carry != 0) --p_;  // back to the backslash, so the byte loop reads the escape whole
#endif
    return Skip::Rest;
  }

  bool hex4(uint32_t* cp) {
    if (end_ - p_ < 4) return false;
    uint32_t v = 0;
    for (int i = 0; i < 4; ++i) {
      const char c = *p_++;
      v <<= 4;
      if (c >= '0' && c <= '9') v |= static_cast<uint32_t>(c - '0');
      else if (c >= 'a' && c <= 'f') v |= static_cast<uint32_t>(c - 'a' + 10);
      else if (c >= 'A' && c <= 'F') v |= static_cast<uint32_t>(c - 'A' + 10);
      else return false;
    }
    *cp = v;
    return true;
  }

  // The member `key` of *map for this text's value: the previous review's
  // member of that key moved over from *old when there is one, else the one
  // an earlier duplicate added, else a new (null) one. Kubernetes writes
  // maps with sorted keys, so a key after the last one goes in at the end
  // without a search.
  static json& member(json::object_t* map, json::object_t* old, std::string_view key) {
    const bool last = map->empty() || std::string_view(map->rbegin()->first) < key;
    if (!old->empty()) {
      auto it = old->find(key);
      if (it != old->end()) {
        auto node = old->extract(it);
        return last ? map->insert(map->end(), std::move(node))->second : map->insert(std::move(node)).position->second;
      }
    }
    if (last) {
      return map->emplace_hint(map->end(), std::piecewise_construct, std::forward_as_tuple(key), std::forward_as_tuple())
          ->second;
    }
    auto it = map->lower_bound(key);
    if (it != map->end() && it->first == key) return it->second;
    return map->emplace_hint(it, std::piecewise_construct, std::forward_as_tuple(key), std::forward_as_tuple())->second;
  }

  // A string at '"'. Its text in *out unless out is null: a view of the body
  // when it has no escapes, else of scratch_ (valid until the next string).
  bool string(std::string_view* out) {
    ++p_;
    if (out == nullptr) {  // not kept: long runs 64 bytes at a time first
      switch (skip_blocks()) {
        case Skip::Closed: return true;
        case Skip::Bad: return false;
        case Skip::Rest: break;
      }
    }
    const char* run = p_;
    bool decoded = false;  // scratch_ holds the text before `run`
    for (;;) {
      p_ = plain_run(p_, end_);
      if (p_ >= end_) return false;
      const unsigned char c = static_cast<unsigned char>(*p_);
      if (c == '"') {
        if (out != nullptr) {
          if (decoded) {
            scratch_.append(run, p_);
            *out = scratch_;
          } else {
            *out = std::string_view(run, static_cast<size_t>(p_ - run));
          }
        }
        ++p_;
        return true;
      }
      if (c < 0x20) return false;  // control characters must be escaped
      if (c >= 0x80) {
        const size_t n = utf8_length(p_, end_);
        if (n == 0) return false;
        p_ += n;
        continue;
      }
      // A backslash escape.
      if (out != nullptr) {
        if (!decoded) scratch_.clear();
        decoded = true;
        scratch_.append(run, p_);
      }
      ++p_;
      if (p_ >= end_) return false;
      const char e = *p_++;
      if (const char plain = simple_unescape(static_cast<unsigned char>(e)); plain != 0) {
        if (out != nullptr) scratch_.push_back(plain);
      } else if (e == 'u') {
        uint32_t cp = 0;
        if (!hex4(&cp)) return false;
        if (cp >= 0xD800 && cp <= 0xDBFF) {  // a high surrogate needs its low half
          uint32_t low = 0;
          if (end_ - p_ < 2 || p_[0] != '\\' || p_[1] != 'u') return false;
          p_ += 2;
          if (!hex4(&low) || low < 0xDC00 || low > 0xDFFF) return false;
          cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
        } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
          return false;
        }
        if (out != nullptr) append_utf8(&scratch_, cp);
      } else {
        return false;
      }
      run = p_;
    }
  }

  // RFC 8259 number. Types as nlohmann's lexer: no fraction or exponent and
  // in range -> int64 (negative) or uint64; otherwise a double, which must be
  // finite (nlohmann refuses the rest; underflow is left to it too).
  bool number(json* out, At at) {
    const char* start = p_;
    if (*p_ == '-') ++p_;
    if (p_ >= end_) return false;
    if (*p_ == '0') {
      ++p_;
    } else if (*p_ >= '1' && *p_ <= '9') {
      while (p_ < end_ && is_digit(*p_)) ++p_;
    } else {
      return false;
    }
    bool integral = true;
    if (p_ < end_ && *p_ == '.') {
      integral = false;
      ++p_;
      if (p_ >= end_ || !is_digit(*p_)) return false;
      while (p_ < end_ && is_digit(*p_)) ++p_;
    }
    if (p_ < end_ && (*p_ == 'e' || *p_ == 'E')) {
      integral = false;
      ++p_;
      if (p_ < end_ && (*p_ == '+' || *p_ == '-')) ++p_;
      if (p_ >= end_ || !is_digit(*p_)) return false;
      while (p_ < end_ && is_digit(*p_)) ++p_;
    }
    if (integral) {
      if (*start == '-') {
        int64_t v = 0;
        auto [ptr, ec] = std::from_chars(start, p_, v);
        if (ec == std::errc() && ptr == p_) {
          if (at != At::Skip) *out = v;
          return true;
        }
      } else {
        uint64_t v = 0;
        auto [ptr, ec] = std::from_chars(start, p_, v);
        if (ec == std::errc() && ptr == p_) {
          if (at != At::Skip) *out = v;
          return true;
        }
      }
    }
    double d = 0;
    auto [ptr, ec] = std::from_chars(start, p_, d);
    if (ec != std::errc() || ptr != p_ || !std::isfinite(d)) return false;
    if (at != At::Skip) *out = d;
    return true;
  }

  const char* p_;
  const char* const end_;
  int depth_ = 0;
  std::string scratch_;  // the decoded text of the last string with escapes
};

}  // namespace

bool read_review_into(std::string_view body, nlohmann::json* doc) { return Reader(body).document(doc); }

bool read_review_fast(std::string_view body, nlohmann::json* doc) {
  json out;
  if (!read_review_into(body, &out)) return false;
  *doc = std::move(out);
  return true;
}

}  // namespace rg::admission
