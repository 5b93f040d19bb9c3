#include "server/webhook/request_head.h"

#include <cctype>
#include <cstdint>

namespace rg::webhook {

namespace {

// RFC 9110 token characters (method and field names).
bool is_tchar(unsigned char c) {
  if (std::isalnum(c)) return true;
  switch (c) {
    case '!': case '#': case '$': case '%': case '&': case '\'': case '*': case '+':
    case '-': case '.': case '^': case '_': case '`': case '|': case '~':
      return true;
    default:
      return false;
  }
}

bool is_token(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (!is_tchar(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i]))) return false;
  }
  return true;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// A value as it may appear in a message: at most 64 bytes, printable ASCII.
std::string quoted(std::string_view v) {
  std::string out = "\"";
  for (size_t i = 0; i < v.size() && i < 64; ++i) {
    const unsigned char c = static_cast<unsigned char>(v[i]);
    out += c >= 0x20 && c < 0x7f ? static_cast<char>(c) : '?';
  }
  if (v.size() > 64) out += "...";
  return out + "\"";
}

HeadCheck refuse(HeadCheck h, int code, std::string message) {
  h.code = code;
  h.message = std::move(message);
  return h;
}

// "METHOD SP TARGET SP HTTP/1.x" (the line without its CRLF).
bool parse_request_line(std::string_view line, HeadCheck* h) {
  const size_t sp1 = line.find(' ');
  if (sp1 == std::string_view::npos) return false;
  const size_t sp2 = line.find(' ', sp1 + 1);
  if (sp2 == std::string_view::npos || line.find(' ', sp2 + 1) != std::string_view::npos) return false;
  const std::string_view method = line.substr(0, sp1), target = line.substr(sp1 + 1, sp2 - sp1 - 1),
                         version = line.substr(sp2 + 1);
  if (!is_token(method) || target.empty()) return false;
  for (char c : target) {
    const unsigned char u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u == 0x7f) return false;
  }
  h->method = std::string(method);
  h->path = std::string(target.substr(0, target.find('?')));
  if (h->path.empty()) return false;  // "?query" alone: nothing to route
  return version == "HTTP/1.1" || version == "HTTP/1.0";
}

}  // namespace

size_t find_head_end(std::string_view bytes) {
  size_t pos = bytes.find('\n');  // the request line
  if (pos == std::string_view::npos) return std::string_view::npos;
  ++pos;
  for (;;) {
    const size_t nl = bytes.find('\n', pos);
    if (nl == std::string_view::npos) return std::string_view::npos;
    if (nl == pos + 1 && bytes[pos] == '\r') return nl + 1;
    pos = nl + 1;
  }
}

HeadCheck check_head(std::string_view head, const HeadLimits& limits) {
  HeadCheck h;
  const size_t first = head.find('\n');
  if (first == std::string_view::npos || first == 0 || head[first - 1] != '\r' ||
      !parse_request_line(head.substr(0, first - 1), &h)) {
    return refuse(std::move(h), 400, "malformed HTTP request line");
  }
  size_t fields = 0;
  bool has_length = false, has_transfer_encoding = false, has_encoding = false;
  std::string_view length_text, encoding;
  for (size_t pos = first + 1; pos < head.size();) {
    const size_t nl = head.find('\n', pos);
    if (nl == std::string_view::npos || nl == pos || head[nl - 1] != '\r') {
      return refuse(std::move(h), 400, "malformed HTTP header: every line must end with CRLF");
    }
    const std::string_view line = head.substr(pos, nl - 1 - pos);
    pos = nl + 1;
    if (line.empty()) break;  // the empty line that ends the head
    if (++fields > kMaxHeaderFields) {
      return refuse(std::move(h), 431, "more than " + std::to_string(kMaxHeaderFields) + " header fields");
    }
    const size_t colon = line.find(':');
    if (colon == std::string_view::npos || !is_token(line.substr(0, colon))) {
      return refuse(std::move(h), 400, "malformed HTTP header field " + quoted(line));
    }
    const std::string_view name = line.substr(0, colon), value = trim(line.substr(colon + 1));
    for (char c : value) {
      if (c == '\0' || c == '\r') return refuse(std::move(h), 400, "malformed HTTP header field " + quoted(name));
    }
    if (iequals(name, "Content-Length")) {
      if (has_length && value != length_text) {
        return refuse(std::move(h), 400, "conflicting Content-Length fields");
      }
      has_length = true;
      length_text = value;
    } else if (iequals(name, "Transfer-Encoding")) {
      has_transfer_encoding = true;
    } else if (iequals(name, "Content-Encoding") && !iequals(value, "identity")) {
      // The first one is what cpp-httplib reads; a later empty one must not hide it.
      if (!has_encoding) encoding = value;
      has_encoding = true;
    }
  }
  if (has_transfer_encoding) {
    return refuse(std::move(h), 411,
                  "Transfer-Encoding is not accepted: send the body with a Content-Length");
  }
  if (has_encoding) {
    return refuse(std::move(h), 415,
                  "Content-Encoding " + quoted(encoding) + " is not accepted: send the body uncompressed");
  }
  if (has_length) {
    if (length_text.empty() || length_text.size() > 19) {
      return refuse(std::move(h), 400, "malformed Content-Length " + quoted(length_text));
    }
    uint64_t n = 0;
    for (char c : length_text) {
      if (c < '0' || c > '9') return refuse(std::move(h), 400, "malformed Content-Length " + quoted(length_text));
      n = n * 10 + static_cast<uint64_t>(c - '0');
    }
    if (n > limits.max_body_bytes) {
      std::string msg = "request body of " + std::to_string(n) + " bytes is larger than the limit of " +
                        std::to_string(limits.max_body_bytes) + " bytes";
      if (!limits.body_limit_flag.empty()) msg += " (" + limits.body_limit_flag + ")";
      return refuse(std::move(h), 413, std::move(msg));
    }
    h.content_length = static_cast<size_t>(n);
  } else if (h.method == "POST" || h.method == "PUT" || h.method == "PATCH") {
    return refuse(std::move(h), 411, "a " + h.method + " request needs a Content-Length");
  }
  return h;
}

const char* reason_phrase(int code) {
  switch (code) {
    case 400: return "Bad Request";
    case 408: return "Request Timeout";
    case 411: return "Length Required";
    case 413: return "Payload Too Large";
    case 415: return "Unsupported Media Type";
    case 431: return "Request Header Fields Too Large";
    case 503: return "Service Unavailable";
    default: return code >= 500 ? "Internal Server Error" : "Bad Request";
  }
}

}  // namespace rg::webhook
