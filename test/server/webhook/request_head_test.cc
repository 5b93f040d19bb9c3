// check_head() and find_head_end(): what the transport refuses before
// cpp-httplib reads a request, with the status and message of each refusal.
#include "server/webhook/request_head.h"

#include <string>

#include <gtest/gtest.h>

namespace rg::webhook {
namespace {

HeadLimits limits(size_t max_body = 1000) { return HeadLimits{max_body, "--max-body-bytes"}; }

HeadCheck check(const std::string& head, size_t max_body = 1000) { return check_head(head, limits(max_body)); }

TEST(FindHeadEnd, EndsAtTheFirstEmptyCrlfLineAfterTheRequestLine) {
  EXPECT_EQ(find_head_end(""), std::string::npos);
  EXPECT_EQ(find_head_end("GET / HTTP/1.1\r\n"), std::string::npos);
  EXPECT_EQ(find_head_end("GET / HTTP/1.1\r\nHost: a\r\n"), std::string::npos);
  const std::string head = "GET / HTTP/1.1\r\nHost: a\r\n\r\n";
  EXPECT_EQ(find_head_end(head + "body"), head.size());
  // A request line of "\r\n" does not end the head (cpp-httplib reads it as the request line).
  EXPECT_EQ(find_head_end("\r\n\r\n"), 4u);
  // A field line ending in a bare LF followed by CRLF: the CRLF line ends the head, as cpp-httplib reads it.
  EXPECT_EQ(find_head_end("GET / HTTP/1.1\r\nA: b\n\r\nrest"), 23u);
}

TEST(CheckHead, AcceptsWhatTheApiserverSends) {
  const HeadCheck h = check(
      "POST /validate?timeout=10s HTTP/1.1\r\nHost: rg.svc:443\r\nUser-Agent: kube-apiserver-admission\r\n"
      "Content-Length: 1000\r\nAccept: application/json, */*\r\nContent-Type: application/json\r\n"
      "Accept-Encoding: gzip\r\n\r\n");
  EXPECT_EQ(h.code, 0) << h.message;
  EXPECT_EQ(h.method, "POST");
  EXPECT_EQ(h.path, "/validate");
  EXPECT_EQ(h.content_length, 1000u);
  EXPECT_EQ(check("GET /healthz HTTP/1.1\r\n\r\n").code, 0);
  EXPECT_EQ(check("GET /healthz HTTP/1.0\r\nHost: x\r\n\r\n").code, 0);
  EXPECT_EQ(check("POST /validate HTTP/1.1\r\nContent-Encoding: identity\r\nContent-Length: 2\r\n\r\n").code, 0);
  // The same length twice is one length.
  EXPECT_EQ(check("POST /v HTTP/1.1\r\nContent-Length: 5\r\ncontent-length: 5\r\n\r\n").code, 0);
  // Exactly kMaxHeaderFields fields.
  std::string many = "GET / HTTP/1.1\r\n";
  for (size_t i = 0; i < kMaxHeaderFields; ++i) many += "X-" + std::to_string(i) + ": v\r\n";
  EXPECT_EQ(check(many + "\r\n").code, 0);
}

TEST(CheckHead, RefusesEachUnboundedOrUnreadableRequest) {
  struct Case {
    std::string head;
    int code;
    std::string message;
  };
  std::string too_many = "GET / HTTP/1.1\r\n";
  for (size_t i = 0; i <= kMaxHeaderFields; ++i) too_many += "X-" + std::to_string(i) + ": v\r\n";
  const std::vector<Case> cases = {
      {"POST /validate HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n", 411,
       "Transfer-Encoding is not accepted: send the body with a Content-Length"},
      {"POST /validate HTTP/1.1\r\nTransfer-Encoding: chunked\r\nContent-Length: 10\r\n\r\n", 411,
       "Transfer-Encoding is not accepted: send the body with a Content-Length"},
      {"POST /validate HTTP/1.1\r\nHost: x\r\n\r\n", 411, "a POST request needs a Content-Length"},
      {"PUT /validate HTTP/1.1\r\n\r\n", 411, "a PUT request needs a Content-Length"},
      {"POST /validate HTTP/1.1\r\nContent-Length: 1001\r\n\r\n", 413,
       "request body of 1001 bytes is larger than the limit of 1000 bytes (--max-body-bytes)"},
      {"POST /validate HTTP/1.1\r\nContent-Length: 99999999999999999999\r\n\r\n", 400,
       "malformed Content-Length \"99999999999999999999\""},
      {"POST /validate HTTP/1.1\r\nContent-Length: 12a\r\n\r\n", 400, "malformed Content-Length \"12a\""},
      {"POST /validate HTTP/1.1\r\nContent-Length: -1\r\n\r\n", 400, "malformed Content-Length \"-1\""},
      {"POST /validate HTTP/1.1\r\nContent-Length:\r\n\r\n", 400, "malformed Content-Length \"\""},
      {"POST /validate HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n", 400,
       "conflicting Content-Length fields"},
      {"POST /validate HTTP/1.1\r\nContent-Encoding: gzip\r\nContent-Length: 10\r\n\r\n", 415,
       "Content-Encoding \"gzip\" is not accepted: send the body uncompressed"},
      {"POST /validate HTTP/1.1\r\nContent-Encoding: gzip\r\nContent-Encoding:\r\nContent-Length: 10\r\n\r\n", 415,
       "Content-Encoding \"gzip\" is not accepted: send the body uncompressed"},  // a later empty one (fuzz)
      {"POST /validate HTTP/1.1\r\nContent-Encoding:\r\nContent-Length: 10\r\n\r\n", 415,
       "Content-Encoding \"\" is not accepted: send the body uncompressed"},
      {too_many + "\r\n", 431, "more than 100 header fields"},
      {"GET /\r\n\r\n", 400, "malformed HTTP request line"},
      {"GET / HTTP/2.0\r\n\r\n", 400, "malformed HTTP request line"},
      {"GET  / HTTP/1.1\r\n\r\n", 400, "malformed HTTP request line"},
      {"G(T / HTTP/1.1\r\n\r\n", 400, "malformed HTTP request line"},
      {"GET / HTTP/1.1\n\r\n", 400, "malformed HTTP request line"},
      {"\r\n\r\n", 400, "malformed HTTP request line"},
      {"GET ?healthz HTTP/1.1\r\nHost: x\r\n\r\n", 400, "malformed HTTP request line"},  // no path (fuzz)
      {"GET / HTTP/1.1\r\nNoColon\r\n\r\n", 400, "malformed HTTP header field \"NoColon\""},
      {"GET / HTTP/1.1\r\nBad Name: v\r\n\r\n", 400, "malformed HTTP header field \"Bad Name: v\""},
      {"GET / HTTP/1.1\r\nA: b\n\r\n", 400, "malformed HTTP header: every line must end with CRLF"},
      {"GET / HTTP/1.1\r\n folded: v\r\n\r\n", 400, "malformed HTTP header field \" folded: v\""},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.head.substr(0, 80));
    const HeadCheck h = check(c.head);
    EXPECT_EQ(h.code, c.code);
    EXPECT_EQ(h.message, c.message);
  }
}

TEST(CheckHead, NamesTheMethodAndPathOfARefusedRequest) {
  const HeadCheck h = check("POST /mutate?timeout=5s HTTP/1.1\r\nContent-Length: 5000\r\n\r\n");
  EXPECT_EQ(h.code, 413);
  EXPECT_EQ(h.method, "POST");
  EXPECT_EQ(h.path, "/mutate");
  // Without a flag name, the limit alone.
  EXPECT_EQ(check_head("POST / HTTP/1.1\r\nContent-Length: 1\r\n\r\n", HeadLimits{}).message,
            "request body of 1 bytes is larger than the limit of 0 bytes");
}

TEST(ReasonPhrase, ForEveryStatusTheTransportAnswers) {
  EXPECT_STREQ(reason_phrase(400), "Bad Request");
  EXPECT_STREQ(reason_phrase(408), "Request Timeout");
  EXPECT_STREQ(reason_phrase(411), "Length Required");
  EXPECT_STREQ(reason_phrase(413), "Payload Too Large");
  EXPECT_STREQ(reason_phrase(415), "Unsupported Media Type");
  EXPECT_STREQ(reason_phrase(431), "Request Header Fields Too Large");
}

}  // namespace
}  // namespace rg::webhook
