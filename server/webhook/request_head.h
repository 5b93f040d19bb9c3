// The checks a request's head passes before cpp-httplib reads it: the
// transport (transport.h) holds the whole head in its buffer, checks it here
// and answers a refusal itself, so that no request costs more memory or time
// than these limits allow, whatever cpp-httplib would do with it (read a
// chunked or length-less body to its end, inflate a gzip body, grow a header
// line without bound).
//
// Stricter than cpp-httplib, never looser: a head that passes is parsed by
// cpp-httplib exactly as checked here (same line splitting, same end of head).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace rg::webhook {

// The most bytes a request head (request line, fields, empty line) may take:
// the transport's read buffer. Larger heads get 431.
constexpr size_t kMaxHeadBytes = 16 * 1024;
// The most header fields a request may have; more get 431.
constexpr size_t kMaxHeaderFields = 100;

struct HeadLimits {
  size_t max_body_bytes = 0;     // larger Content-Length: 413
  std::string body_limit_flag;   // named in the 413 message, e.g. "--max-body-bytes"
};

struct HeadCheck {
  int code = 0;             // 0: accepted; else the HTTP status to answer with
  std::string message;      // why, for the answer's body
  std::string method, path; // as far as the request line could be read (path without the query)
  size_t content_length = 0;
};

// The length of the head at the start of `bytes` (through the empty line that
// ends it), or npos when `bytes` holds no whole head yet. Lines end at '\n';
// the head ends at the first line after the request line that is exactly
// "\r\n", as cpp-httplib reads it.
size_t find_head_end(std::string_view bytes);

// Checks a whole head (as find_head_end delimits it). Refuses with
//  400 a malformed request line, field line or Content-Length;
//  411 a POST, PUT or PATCH without Content-Length, and any Transfer-Encoding
//      (chunked bodies are not accepted: the apiserver sends Content-Length);
//  413 a Content-Length above limits.max_body_bytes;
//  415 a Content-Encoding other than identity (no compressed bodies);
//  431 more than kMaxHeaderFields fields.
HeadCheck check_head(std::string_view head, const HeadLimits& limits);

// The reason phrase of an HTTP status the transport answers with itself.
const char* reason_phrase(int code);

}  // namespace rg::webhook
