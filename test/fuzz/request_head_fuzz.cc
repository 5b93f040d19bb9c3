// Fuzz target for the request head check the transport runs before handing a
// request to cpp-httplib (server/webhook/request_head.h). On any bytes,
// find_head_end() and check_head() return without crashing; a head that
// check_head() accepts is one cpp-httplib reads as checked: a valid request
// line with a method and a path, CRLF line ends, at most kMaxHeaderFields
// fields, no Transfer-Encoding, no Content-Encoding but identity, and a
// Content-Length (required for POST, PUT and PATCH) within the limit.
#include <cctype>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "server/webhook/request_head.h"

namespace {

using rg::webhook::HeadCheck;

[[noreturn]] void fail(const char* what, std::string_view head) {
  std::fprintf(stderr, "request_head_fuzz: %s\n  head: %.*s\n", what, static_cast<int>(head.size()), head.data());
  std::abort();
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// The invariants of an accepted head, checked line by line independently of
// request_head.cc.
void check_accepted(std::string_view head, const HeadCheck& h, size_t max_body) {
  if (h.method.empty()) fail("accepted without a method", head);
  if (h.path.empty()) fail("accepted without a path", head);
  if (h.content_length > max_body) fail("accepted a Content-Length over the limit", head);
  if (head.size() < 4 || head.substr(head.size() - 4) != "\r\n\r\n") fail("accepted a head not ending in CRLF CRLF", head);
  const size_t first = head.find("\r\n");
  const std::string_view request_line = head.substr(0, first);
  if (request_line.substr(0, request_line.find(' ')) != h.method) fail("method is not the request line's", head);
  size_t fields = 0;
  bool has_length = false;
  for (size_t pos = first + 2; pos < head.size() - 2;) {
    const size_t end = head.find("\r\n", pos);
    const std::string_view line = head.substr(pos, end - pos);
    pos = end + 2;
    if (line.find('\n') != std::string_view::npos) fail("accepted a bare LF inside a line", head);
    ++fields;
    const size_t colon = line.find(':');
    if (colon == std::string_view::npos) fail("accepted a field line without a colon", head);
    const std::string name = lower(line.substr(0, colon));
    const std::string_view value = trim(line.substr(colon + 1));
    if (name == "transfer-encoding") fail("accepted a Transfer-Encoding", head);
    if (name == "content-encoding" && lower(value) != "identity") fail("accepted a Content-Encoding", head);
    if (name == "content-length") {
      has_length = true;
      if (value != std::to_string(h.content_length)) {
        // Leading zeros are the one other spelling a checked length may have.
        const size_t nz = value.find_first_not_of('0');
        const std::string_view digits = nz == std::string_view::npos ? std::string_view("0") : value.substr(nz);
        if (digits != std::to_string(h.content_length)) fail("content_length is not the field's value", head);
      }
    }
  }
  if (fields > rg::webhook::kMaxHeaderFields) fail("accepted too many fields", head);
  if ((h.method == "POST" || h.method == "PUT" || h.method == "PATCH") && !has_length) {
    fail("accepted a body-carrying method without Content-Length", head);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  rg::webhook::HeadLimits limits;
  limits.max_body_bytes = size % 2 == 0 ? size_t{3} << 20 : 100;
  limits.body_limit_flag = "--max-body-bytes";

  const size_t end = rg::webhook::find_head_end(bytes);
  if (end != std::string_view::npos) {
    if (end > bytes.size() || end < 2 || bytes.substr(end - 2, 2) != "\r\n") fail("find_head_end out of place", bytes);
    const std::string_view head = bytes.substr(0, end);
    const HeadCheck h = rg::webhook::check_head(head, limits);
    if (h.code == 0) {
      check_accepted(head, h, limits.max_body_bytes);
    } else {
      if (h.message.empty()) fail("refused without a message", head);
      const char* phrase = rg::webhook::reason_phrase(h.code);
      if (phrase == nullptr || *phrase == '\0') fail("refused with a status that has no reason phrase", head);
    }
  }
  (void)rg::webhook::check_head(bytes, limits);  // whatever the transport might pass, no crash
  return 0;
}
