#include "server/kube/watch_stream.h"

#include <climits>
#include <cstdio>

namespace rg::kube {
namespace {

using Kind = WatchStreamError::Kind;

// The start of a line for a message: at most `max` bytes, trailing
// whitespace dropped, bytes outside printable ASCII as \xNN (the text goes
// into logs).
std::string excerpt(std::string_view s, size_t max = 200) {
  while (!s.empty() && (s.back() == '\r' || s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  std::string out;
  for (size_t i = 0; i < s.size() && i < max; ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c < 0x7f) {
      out.push_back(static_cast<char>(c));
    } else {
      char hex[8];
      std::snprintf(hex, sizeof hex, "\\x%02x", c);
      out += hex;
    }
  }
  if (s.size() > max) out += "...";
  return out;
}

// The offset in `line` at which JSON nesting first goes deeper than
// `max_depth`, or npos. Counts brackets outside strings; for text that is not
// JSON it bounds the nesting of the longest prefix a parser accepts, which is
// all a parser builds before it stops.
size_t too_deep_at(std::string_view line, int max_depth) {
  int depth = 0;
  bool in_string = false;
  for (size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (in_string) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > max_depth) return i;
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
  return std::string_view::npos;
}

// nlohmann's parse error without its id and without the last token read (a
// long string would be repeated whole): "parse error at line 1, column 2:
// syntax error while parsing value - invalid literal; expected end of input".
std::string parse_error_text(const json::exception& e) {
  std::string what = e.what();
  if (size_t p = what.find("] "); what.rfind("[json.exception.", 0) == 0 && p != std::string::npos) {
    what.erase(0, p + 2);
  }
  if (size_t p = what.find("; last read: "); p != std::string::npos) {
    const size_t expected = what.rfind("; expected ");
    what.erase(p, expected != std::string::npos && expected > p ? expected - p : std::string::npos);
  }
  return excerpt(what, 300);
}

// "an array", "a string", "null": a JSON value's type, for messages.
std::string described(const json& v) {
  if (v.is_null()) return "null";
  if (v.is_array() || v.is_object()) return std::string("an ") + v.type_name();
  return std::string("a ") + v.type_name();
}

bool is_known_type(std::string_view t) {
  return t == "ADDED" || t == "MODIFIED" || t == "DELETED" || t == "BOOKMARK" || t == "ERROR";
}

bool is_int32(const json& v) {
  if (v.is_number_unsigned()) return v.get<uint64_t>() <= INT_MAX;
  if (!v.is_number_integer()) return false;
  const auto n = v.get<int64_t>();
  return n >= INT_MIN && n <= INT_MAX;
}

// Why an ERROR event's object is not a metav1.Status as the informer reads
// it (kind, code, reason, message), or "".
std::string not_a_status(const json& o) {
  if (auto it = o.find("kind"); it != o.end() && *it != "Status") {
    const std::string kind = it->dump(-1, ' ', false, json::error_handler_t::replace);
    return "the object of an ERROR event is not a Status (kind " + excerpt(kind, 60) + ")";
  }
  if (auto it = o.find("code"); it != o.end() && !is_int32(*it)) {
    return "the Status of an ERROR event has a \"code\" that is not a 32-bit integer";
  }
  for (const char* key : {"reason", "message"}) {
    if (auto it = o.find(key); it != o.end() && !it->is_string()) {
      return std::string("the Status of an ERROR event has a \"") + key + "\" that is " + described(*it) +
             ", not a string";
    }
  }
  return "";
}

}  // namespace

std::string bytes_text(size_t n) {
  if (n >= (size_t{1} << 20) && n % (size_t{1} << 20) == 0) return std::to_string(n >> 20) + " MiB";
  if (n >= (size_t{1} << 10) && n % (size_t{1} << 10) == 0) return std::to_string(n >> 10) + " KiB";
  return std::to_string(n) + " bytes";
}

WatchStreamDecoder::WatchStreamDecoder(size_t max_event_bytes, int max_depth)
    : max_event_bytes_(max_event_bytes), max_depth_(max_depth) {}

void WatchStreamDecoder::feed(std::string_view bytes) {
  if (failed()) return;
  if (pos_ > 0) {  // drop the decoded lines: at most one partial line is moved
    buffer_.erase(0, pos_);
    consumed_ += pos_;
    scan_ -= pos_;
    pos_ = 0;
  }
  buffer_.append(bytes);
}

bool WatchStreamDecoder::next(WatchEvent* event) {
  while (!failed()) {
    const size_t nl = buffer_.find('\n', scan_);
    if (nl == std::string::npos) {
      scan_ = buffer_.size();
      if (buffer_.size() - pos_ > max_event_bytes_) {  // part of a line, already too long
        ++events_;
        fail(Kind::kTooLarge, consumed_ + pos_, {}, "");
      }
      return false;
    }
    const std::string_view line(buffer_.data() + pos_, nl - pos_);
    const uint64_t offset = consumed_ + pos_;
    pos_ = scan_ = nl + 1;
    if (line.size() > max_event_bytes_) {
      ++events_;
      return fail(Kind::kTooLarge, offset, {}, "");
    }
    if (line.find_first_not_of(" \r\t") == std::string_view::npos) continue;
    ++events_;
    if (decode(line, offset, event)) return true;
  }
  return false;
}

bool WatchStreamDecoder::decode(std::string_view line, uint64_t offset, WatchEvent* event) {
  if (size_t at = too_deep_at(line, max_depth_); at != std::string_view::npos) {
    return fail(Kind::kTooDeep, offset, line,
                "nested deeper than " + std::to_string(max_depth_) + " levels at byte " + std::to_string(at) +
                    " of the line");
  }
  json j;
  try {
    j = json::parse(line);
  } catch (const json::exception& e) {
    return fail(Kind::kNotJson, offset, line, "not JSON: " + parse_error_text(e));
  }
  if (!j.is_object()) {
    return fail(Kind::kNotObject, offset, line, described(j) + ", not an object");
  }
  auto type = j.find("type");
  if (type == j.end()) return fail(Kind::kBadType, offset, line, "no \"type\"");
  if (!type->is_string()) {
    return fail(Kind::kBadType, offset, line, "\"type\" is " + described(*type) + ", not a string");
  }
  if (!is_known_type(type->get_ref<const std::string&>())) {
    return fail(Kind::kBadType, offset, line,
                "unknown type \"" + excerpt(type->get_ref<const std::string&>(), 40) +
                    "\" (not ADDED, MODIFIED, DELETED, BOOKMARK or ERROR)");
  }
  auto object = j.find("object");
  if (object == j.end()) return fail(Kind::kBadObject, offset, line, "no \"object\"");
  if (!object->is_object()) {
    return fail(Kind::kBadObject, offset, line,
                "\"object\" is " + described(*object) + ", not an object");
  }
  if (*type == "ERROR") {
    if (std::string why = not_a_status(*object); !why.empty()) return fail(Kind::kBadObject, offset, line, why);
  }
  event->type = std::move(type->get_ref<std::string&>());
  event->object = std::move(*object);
  return true;
}

bool WatchStreamDecoder::fail(Kind kind, uint64_t offset, std::string_view line, const std::string& why) {
  error_.kind = kind;
  error_.event = events_;
  error_.offset = offset;
  const std::string where = "event " + std::to_string(events_) + ", at byte " + std::to_string(offset);
  if (kind == Kind::kTooLarge) {
    error_.message = "an event is larger than the " + bytes_text(max_event_bytes_) + " bound (" + where + ")";
  } else {
    error_.message = "not a watch event: " + excerpt(line) + " (" + where + ": " + why + ")";
  }
  std::string().swap(buffer_);
  pos_ = scan_ = 0;
  return false;
}

}  // namespace rg::kube
