// The webhook server in process, over TLS on a loopback port: exact answers
// (status line, headers, body) for every route, method and refusal, the
// metrics text those requests leave behind, and the metrics children under
// concurrent use.
#include "server/webhook/server.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <poll.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <functional>
#include <memory>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <openssl/ssl.h>

#include "certs/certs.h"
#include "admission/admission.h"
#include "test/support/conformance.h"
#include "test/support/eventually.h"
#include "test/support/raw_tls_client.h"

namespace rg::webhook {
namespace {

using test::connect_loopback;
using test::RawClient;

class WebhookServerTest : public ::testing::Test {
 protected:
  // What a test changes in the options before the server starts.
  virtual void tune(ServerOptions&) {}

  void SetUp() override {
    certs::Pem ca, leaf;
    ASSERT_TRUE(certs::generate_ca("test-ca", 1, &ca).ok());
    ASSERT_TRUE(certs::issue_serving_cert(ca, {"localhost"}, 1, &leaf).ok());
    std::shared_ptr<const certs::KeyPair> pair;
    ASSERT_TRUE(certs::load_key_pair_pem(leaf.cert, leaf.key, "test", &pair).ok());
    certs_.set(pair);
    policies_.set(std::make_shared<Policy>());
    opts_.host = "127.0.0.1";
    opts_.port = 0;
    opts_.max_body_bytes = 200000;
    tune(opts_);
    server_ = std::make_unique<WebhookServer>(opts_, &certs_, &policies_, &metrics_);
    std::string error;
    ASSERT_TRUE(server_->bind(&error)) << error;
    thread_ = std::thread([this] { server_->run(); });
  }
  void TearDown() override {
    if (server_) server_->stop();
    if (thread_.joinable()) thread_.join();
  }

  ServerOptions opts_;
  CertStore certs_;
  PolicyStore policies_;
  Metrics metrics_;
  std::unique_ptr<WebhookServer> server_;
  std::thread thread_;
};

std::string head(int code, const std::string& reason, size_t length, const std::string& type,
                 const std::string& extra = "") {
  return "HTTP/1.1 " + std::to_string(code) + " " + reason + "\r\n" + extra +
         "Content-Length: " + std::to_string(length) + "\r\nContent-Type: " + type +
         "\r\nKeep-Alive: timeout=30, max=100000\r\n\r\n";
}

TEST_F(WebhookServerTest, EveryRouteMethodAndRefusalAnswersExactly) {
  const std::string review = test::read_file(test::source_dir() +
                                       "/samples/admission-reviews/good/bookstore-rollout-catalog-create.json");
  ASSERT_FALSE(review.empty());
  admission::Review parsed;
  std::string err;
  ASSERT_TRUE(admission::parse_review(review, &parsed, &err)) << err;
  const Policy policy;
  const EmptyInventory inv;
  const Context ctx{policy, inv};
  const admission::Decision validated = admission::validate(parsed, ctx);
  const admission::Decision mutated = admission::mutate(parsed, ctx);
  const std::string validate_body = admission::response_json(parsed, validated);
  const std::string mutate_body = admission::response_json(parsed, mutated);
  const std::string json_type = "application/json";
  const std::string paths = " (POST /validate, POST /mutate, GET /healthz, /readyz, /metrics)";

  struct Case {
    std::string method, target, body, content_type;
    int code;
    std::string reason, answer, type, extra_headers;
  };
  const std::string not_json_error = [] {
    admission::Review r;
    std::string e;
    admission::parse_review("{not json", &r, &e);
    return e;
  }();
  const std::vector<Case> cases = {
      {"POST", "/validate", review, "application/json", 200, "OK", validate_body, json_type, ""},
      {"POST", "/validate?timeout=10s", review, "application/json", 200, "OK", validate_body, json_type, ""},
      {"POST", "/validate", review, "Application/JSON; charset=utf-8", 200, "OK", validate_body, json_type, ""},
      {"POST", "/mutate?timeout=10s", review, "application/json", 200, "OK", mutate_body, json_type, ""},
      {"POST", "/validate", review, "text/plain", 415, "Unsupported Media Type",
       error_body(415, "Content-Type must be application/json, got \"text/plain\""), json_type, ""},
      {"POST", "/mutate", review, "", 415, "Unsupported Media Type",
       error_body(415, "Content-Type must be application/json, got none"), json_type, ""},
      {"POST", "/validate", "{not json", "application/json", 400, "Bad Request", error_body(400, not_json_error),
       json_type, ""},
      {"GET", "/validate", "", "", 405, "Method Not Allowed",
       error_body(405, "GET /validate is not allowed: send the AdmissionReview with POST"), json_type,
       "Allow: POST\r\n"},
      {"PUT", "/mutate", review, "application/json", 405, "Method Not Allowed",
       error_body(405, "PUT /mutate is not allowed: send the AdmissionReview with POST"), json_type,
       "Allow: POST\r\n"},
      {"PATCH", "/validate", review, "application/json", 405, "Method Not Allowed",
       error_body(405, "PATCH /validate is not allowed: send the AdmissionReview with POST"), json_type,
       "Allow: POST\r\n"},
      {"DELETE", "/mutate", "", "", 405, "Method Not Allowed",
       error_body(405, "DELETE /mutate is not allowed: send the AdmissionReview with POST"), json_type,
       "Allow: POST\r\n"},
      {"POST", "/nope", review, "application/json", 404, "Not Found", error_body(404, "no such path /nope" + paths),
       json_type, ""},
      {"POST", "/validate/", review, "application/json", 404, "Not Found",
       error_body(404, "no such path /validate/" + paths), json_type, ""},
      {"POST", "/validatex", review, "application/json", 404, "Not Found",
       error_body(404, "no such path /validatex" + paths), json_type, ""},
      {"POST", "/VALIDATE", review, "application/json", 404, "Not Found",
       error_body(404, "no such path /VALIDATE" + paths), json_type, ""},
      {"POST", "/healthz", review, "application/json", 404, "Not Found",
       error_body(404, "no such path /healthz" + paths), json_type, ""},
      {"GET", "/healthz", "", "", 200, "OK", "ok\n", "text/plain", ""},
      {"GET", "/readyz", "", "", 200, "OK", "ok\n", "text/plain", ""},
  };
  RawClient c(server_->port());
  ASSERT_TRUE(c.ok());
  for (const Case& k : cases) {
    SCOPED_TRACE(k.method + " " + k.target + " " + k.content_type);
    auto [h, body] = c.roundtrip(k.method, k.target, k.body, k.content_type);
    EXPECT_EQ(h, head(k.code, k.reason, k.answer.size(), k.type, k.extra_headers));
    EXPECT_EQ(body, k.answer);
  }
  {  // Too large: refused from the head alone, before the body is read, answered with our JSON.
    RawClient big(server_->port());
    ASSERT_TRUE(big.ok());
    ASSERT_TRUE(big.send("POST /validate HTTP/1.1\r\nContent-Type: application/json\r\nContent-Length: 300000\r\n\r\n"));
    auto [h, body] = big.answer("POST");
    const std::string answer =
        error_body(413, "request body of 300000 bytes is larger than the limit of 200000 bytes (--max-body-bytes)");
    EXPECT_EQ(h.substr(0, h.find("\r\n")), "HTTP/1.1 413 Payload Too Large");
    EXPECT_NE(h.find("Content-Length: " + std::to_string(answer.size()) + "\r\n"), std::string::npos) << h;
    EXPECT_EQ(body, answer);
  }
  // The logger counts a request out just before the transport sends its
  // answer; waiting keeps the test independent of that order.
  EXPECT_TRUE(test::eventually([&] { return server_->in_flight() == 0; })) << server_->in_flight();

  auto [mh, metrics] = c.roundtrip("GET", "/metrics", "", "");
  ASSERT_NE(mh.find("200 OK"), std::string::npos);
  auto expect_line = [&](const std::string& line) {
    EXPECT_NE(metrics.find("\n" + line + "\n"), std::string::npos) << line << "\nnot in\n" << metrics;
  };
  const std::string kind = std::string(parsed.object.kind());
  expect_line("rollout_guard_admission_requests_total{decision=\"" + std::string(validated.label()) +
              "\",dry_run=\"false\",endpoint=\"validate\",kind=\"" + kind + "\",operation=\"CREATE\"} 3");
  expect_line("rollout_guard_admission_requests_total{decision=\"" + std::string(mutated.label()) +
              "\",dry_run=\"false\",endpoint=\"mutate\",kind=\"" + kind + "\",operation=\"CREATE\"} 1");
  expect_line("rollout_guard_admission_duration_seconds_count{endpoint=\"validate\"} 3");
  expect_line("rollout_guard_admission_duration_seconds_count{endpoint=\"mutate\"} 1");
  expect_line("rollout_guard_admission_bad_requests_total{code=\"415\",endpoint=\"validate\"} 1");
  expect_line("rollout_guard_admission_bad_requests_total{code=\"415\",endpoint=\"mutate\"} 1");
  expect_line("rollout_guard_admission_bad_requests_total{code=\"400\",endpoint=\"validate\"} 1");
  expect_line("rollout_guard_admission_bad_requests_total{code=\"413\",endpoint=\"validate\"} 1");
  expect_line("rollout_guard_admission_bad_requests_total{code=\"405\",endpoint=\"validate\"} 2");
  expect_line("rollout_guard_admission_bad_requests_total{code=\"405\",endpoint=\"mutate\"} 2");
  // Only the series observed: two request series, one per endpoint.
  size_t series = 0;
  for (size_t p = 0; (p = metrics.find("\nrollout_guard_admission_requests_total{", p)) != std::string::npos; ++p) {
    ++series;
  }
  EXPECT_EQ(series, 2u) << metrics;
  for (const Finding& f : validated.findings) {
    EXPECT_NE(metrics.find("rollout_guard_admission_findings_total{action=\"" + std::string(action_name(f.action)) +
                           "\",rule=\"" + f.rule + "\"} "),
              std::string::npos)
        << f.rule;
  }
}

// The transport (tls_server.cc) reads through its own buffer and holds an
// answer until the request is done: requests sent together are all answered
// in order, and a "100 Continue" leaves before the server waits for the body.
TEST_F(WebhookServerTest, PipelinedRequestsAndExpectContinueAreAnswered) {
  const std::string review = test::read_file(test::source_dir() +
                                             "/samples/admission-reviews/good/bookstore-rollout-catalog-create.json");
  ASSERT_FALSE(review.empty());
  RawClient c(server_->port());
  ASSERT_TRUE(c.ok());
  // Three requests in one TLS record: each is answered, in order.
  ASSERT_TRUE(c.send(RawClient::request("GET", "/healthz", "", "") +
                     RawClient::request("POST", "/validate", review, "application/json") +
                     RawClient::request("GET", "/nope", "", "")));
  auto [h1, b1] = c.answer();
  EXPECT_EQ(h1.substr(0, h1.find("\r\n")), "HTTP/1.1 200 OK");
  EXPECT_EQ(b1, "ok\n");
  auto [h2, b2] = c.answer("POST");
  EXPECT_EQ(h2.substr(0, h2.find("\r\n")), "HTTP/1.1 200 OK");
  EXPECT_NE(b2.find("\"allowed\":true"), std::string::npos) << b2;
  auto [h3, b3] = c.answer();
  EXPECT_EQ(h3.substr(0, h3.find("\r\n")), "HTTP/1.1 404 Not Found");

  // Expect: 100-continue: the head alone; the body only after "100 Continue".
  const std::string whole = RawClient::request("POST", "/validate", review, "application/json",
                                               "Expect: 100-continue\r\n");
  const size_t head_end = whole.find("\r\n\r\n") + 4;
  ASSERT_TRUE(c.send(whole.substr(0, head_end)));
  ASSERT_TRUE(c.expect("HTTP/1.1 100 Continue\r\n\r\n"));
  ASSERT_TRUE(c.send(whole.substr(head_end)));
  auto [h4, b4] = c.answer("POST");
  EXPECT_EQ(h4.substr(0, h4.find("\r\n")), "HTTP/1.1 200 OK");
  EXPECT_EQ(b4, b2);
}

// stop() ends idle keep-alive connections at once: run() returns without
// waiting out their 30 s keep-alive timeout, and the client sees the close.
TEST_F(WebhookServerTest, StopClosesIdleKeepAliveConnections) {
  RawClient idle(server_->port());
  ASSERT_TRUE(idle.ok());
  auto [h, body] = idle.roundtrip("GET", "/healthz", "", "");
  ASSERT_EQ(body, "ok\n");
  const auto t0 = std::chrono::steady_clock::now();
  server_->stop();
  thread_.join();
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(5));
  EXPECT_TRUE(idle.closed_by_server());
}

// stop() right after run() has started on another thread (before or while
// cpp-httplib's accept loop begins) ends run(); so does stop() before run().
// (Servers of their own, with the fixture's certificate and policy.)
TEST_F(WebhookServerTest, StopRightAfterStartOrBeforeRunEndsRun) {
  for (int i = 0; i < 40; ++i) {
    SCOPED_TRACE(i);
    WebhookServer server(opts_, &certs_, &policies_, &metrics_);
    std::string error;
    ASSERT_TRUE(server.bind(&error)) << error;
    std::atomic<bool> returned{false};
    const bool stop_first = i % 4 == 3;
    if (stop_first) server.stop();
    std::thread t([&] {
      server.run();
      returned = true;
    });
    if (!stop_first) server.stop();
    const bool ended = test::eventually([&] { return returned.load(); });
    EXPECT_TRUE(ended) << (stop_first ? "stop() before run()" : "stop() right after run() began");
    if (!ended) server.stop();  // the accept loop runs by now: this one ends it
    t.join();
  }
}

class TransportLimitsTest : public WebhookServerTest {
 protected:
  void tune(ServerOptions& o) override {
    o.read_timeout_seconds = 1;
    o.keep_alive_max_count = 3;
  }
};

// A connection that stops sending is closed after --read-timeout (in its
// handshake: at once; within a request: after a 400), and a connection's last request by
// --keep-alive-max-count is answered with "Connection: close", then closed.
TEST_F(TransportLimitsTest, ReadTimeoutAndRequestCountCloseConnections) {
  {  // TCP connected, no handshake.
    const int fd = connect_loopback(server_->port());
    ASSERT_GE(fd, 0);
    const auto t0 = std::chrono::steady_clock::now();
    char b;
    EXPECT_EQ(recv(fd, &b, 1, 0), 0);  // EOF from the server, not the client's 10 s timeout (-1)
    EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(5));
    close(fd);
  }
  {  // Half a request head: 408, then the close.
    RawClient c(server_->port());
    ASSERT_TRUE(c.ok());
    ASSERT_TRUE(c.send("POST /validate HTTP/1.1\r\nHost: localhost\r\n"));
    auto [h, body] = c.answer("POST");
    EXPECT_EQ(h.substr(0, h.find("\r\n")), "HTTP/1.1 408 Request Timeout");
    EXPECT_EQ(body, error_body(408, "request head not complete within the read timeout"));
    EXPECT_TRUE(c.closed_by_server());
  }
  {  // Three requests at most.
    RawClient c(server_->port());
    ASSERT_TRUE(c.ok());
    for (int i = 1; i <= 3; ++i) {
      SCOPED_TRACE(i);
      auto [h, body] = c.roundtrip("GET", "/healthz", "", "");
      EXPECT_EQ(body, "ok\n");
      EXPECT_EQ(h.find("Connection: close\r\n") != std::string::npos, i == 3) << h;
    }
    EXPECT_TRUE(c.closed_by_server());
  }
}

// The status line of an answer's head.
std::string status_line(const std::string& head) { return head.substr(0, head.find("\r\n")); }

// Bodies whose cost cpp-httplib does not bound are refused from the head,
// before a byte of the body is read, and the connection is closed: each of
// these requests sends its head alone (or a first piece of its body) and
// gets its answer at once (the client's 10 s read timeout would fail it).
TEST_F(WebhookServerTest, UnboundedBodiesAndHeadsAreRefusedFromTheHead) {
  struct Case {
    std::string name, bytes;
    int code;
    std::string reason, message;
  };
  const std::string post = "POST /validate HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n";
  std::string many_fields = post + "Content-Length: 2\r\n";
  for (int i = 0; i < 101; ++i) many_fields += "X-Field-" + std::to_string(i) + ": v\r\n";
  const std::vector<Case> cases = {
      {"chunked, a first chunk of 40 MiB announced", post + "Transfer-Encoding: chunked\r\n\r\n2800000\r\nxxxx",
       411, "Length Required", "Transfer-Encoding is not accepted: send the body with a Content-Length"},
      {"no Content-Length", post + "\r\n{\"apiVersion\":", 411, "Length Required",
       "a POST request needs a Content-Length"},
      {"gzip", post + "Content-Encoding: gzip\r\nContent-Length: 20\r\n\r\n", 415, "Unsupported Media Type",
       "Content-Encoding \"gzip\" is not accepted: send the body uncompressed"},
      {"huge Content-Length", post + "Content-Length: 1099511627776\r\n\r\n", 413, "Payload Too Large",
       "request body of 1099511627776 bytes is larger than the limit of 200000 bytes (--max-body-bytes)"},
      {"bad Content-Length", post + "Content-Length: 12, 12\r\n\r\n", 400, "Bad Request",
       "malformed Content-Length \"12, 12\""},
      {"101 fields", many_fields + "\r\n", 431, "Request Header Fields Too Large", "more than 100 header fields"},
      {"one 20 KiB field", post + "X-Big: " + std::string(20000, 'a') + "\r\n\r\n", 431,
       "Request Header Fields Too Large", "request head larger than 16384 bytes"},
      {"not HTTP", "\x16\x03\x01 hello\r\n\r\n", 400, "Bad Request", "malformed HTTP request line"},
  };
  for (const Case& k : cases) {
    SCOPED_TRACE(k.name);
    RawClient c(server_->port());
    ASSERT_TRUE(c.ok());
    ASSERT_TRUE(c.send(k.bytes));
    auto [h, body] = c.answer("POST");
    EXPECT_EQ(status_line(h), "HTTP/1.1 " + std::to_string(k.code) + " " + k.reason);
    EXPECT_NE(h.find("Connection: close\r\n"), std::string::npos) << h;
    EXPECT_EQ(body, error_body(k.code, k.message));
    EXPECT_TRUE(c.closed_by_server());
  }
  auto [mh, metrics] = RawClient(server_->port()).roundtrip("GET", "/metrics", "", "");
  for (const char* code : {"411\",endpoint=\"validate\"} 2", "415\",endpoint=\"validate\"} 1",
                           "413\",endpoint=\"validate\"} 1", "431\",endpoint=\"validate\"} 1"}) {
    EXPECT_NE(metrics.find(std::string("rollout_guard_admission_bad_requests_total{code=\"") + code),
              std::string::npos)
        << code;
  }
}

// A handshake's first flight, as a TLS client would send it.
std::string client_hello() {
  SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
  SSL* ssl = SSL_new(ctx);
  BIO* in = BIO_new(BIO_s_mem());
  BIO* out = BIO_new(BIO_s_mem());
  SSL_set_bio(ssl, in, out);
  SSL_connect(ssl);  // writes the ClientHello, then wants the server's answer
  char* data = nullptr;
  const long n = BIO_get_mem_data(out, &data);
  std::string hello(data, static_cast<size_t>(std::max(0L, n)));
  SSL_free(ssl);
  SSL_CTX_free(ctx);
  return hello;
}

// Drips `bytes` one at a time, 100 ms apart, until `answered` holds; returns
// how long that took (or 8 s and more when it never did).
std::chrono::milliseconds drip(const std::string& bytes, const std::function<bool(char)>& send_one,
                               const std::function<bool()>& answered) {
  const auto t0 = std::chrono::steady_clock::now();
  for (size_t i = 0; std::chrono::steady_clock::now() - t0 < std::chrono::seconds(8); ++i) {
    if (answered()) break;
    if (i < bytes.size() && !send_one(bytes[i])) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0);
}

// --read-timeout is a total deadline: a client that drips one byte now and
// then (each well within the timeout) is cut off once the handshake, or the
// request's head, or its body, has taken longer than the timeout in all.
TEST_F(TransportLimitsTest, DrippingClientsAreCutOffAtTheDeadline) {
  {  // The handshake: a ClientHello, byte by byte.
    const std::string hello = client_hello();
    ASSERT_GT(hello.size(), 100u);
    const int fd = connect_loopback(server_->port());
    ASSERT_GE(fd, 0);
    bool closed = false;
    const auto took = drip(
        hello, [&](char b) { return send(fd, &b, 1, MSG_NOSIGNAL) == 1; },
        [&] {
          char b;
          const ssize_t n = recv(fd, &b, 1, MSG_DONTWAIT);
          closed = n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK);
          return closed;
        });
    close(fd);
    EXPECT_TRUE(closed);
    EXPECT_LT(took, std::chrono::milliseconds(4000)) << "a handshake dripped over " << took.count() << " ms";
  }
  {  // The head, byte by byte: 408.
    RawClient c(server_->port());
    ASSERT_TRUE(c.ok());
    const std::string head = "POST /validate HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
                             "X-Padding: " + std::string(200, 'p') + "\r\nContent-Length: 2\r\n\r\n";
    const auto took = drip(head, [&](char b) { return c.send(std::string(1, b)); }, [&] { return c.answer_waiting(); });
    EXPECT_LT(took, std::chrono::milliseconds(4000));
    auto [h, body] = c.answer("POST");
    EXPECT_EQ(status_line(h), "HTTP/1.1 408 Request Timeout");
    EXPECT_TRUE(c.closed_by_server());
  }
  {  // The body, byte by byte: the request is cut (400), then closed.
    RawClient c(server_->port());
    ASSERT_TRUE(c.ok());
    ASSERT_TRUE(c.send("POST /validate HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
                       "Content-Length: 500\r\n\r\n"));
    const auto took = drip(std::string(500, ' '), [&](char b) { return c.send(std::string(1, b)); },
                           [&] { return c.answer_waiting(); });
    EXPECT_LT(took, std::chrono::milliseconds(4000));
    auto [h, body] = c.answer("POST");
    EXPECT_EQ(status_line(h), "HTTP/1.1 400 Bad Request");
    EXPECT_TRUE(c.closed_by_server());
  }
}

class PoolLimitsTest : public WebhookServerTest {
 protected:
  void tune(ServerOptions& o) override {
    o.max_connections = 2;
    o.max_queued_connections = 1;
    o.read_timeout_seconds = 3;
  }
};

// With every worker holding an idle keep-alive connection, a new client is
// served at once: an idle connection is closed to make room (its client sees
// the close and reconnects, as HTTP clients do), instead of the new one
// waiting out the 30 s keep-alive timeout.
TEST_F(PoolLimitsTest, IdleKeepAliveConnectionsMakeRoomForNewClients) {
  RawClient a(server_->port()), b(server_->port());
  ASSERT_TRUE(a.ok() && b.ok());
  ASSERT_EQ(a.roundtrip("GET", "/healthz", "", "").second, "ok\n");
  ASSERT_EQ(b.roundtrip("GET", "/healthz", "", "").second, "ok\n");
  const auto t0 = std::chrono::steady_clock::now();
  RawClient c(server_->port());
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c.roundtrip("GET", "/healthz", "", "").second, "ok\n");
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(3));
  EXPECT_EQ(server_->transport_stats().shed.load(), 1u);
  // Exactly one of the idle two was closed; the other stays open.
  pollfd fds[2] = {{a.fd(), POLLIN, 0}, {b.fd(), POLLIN, 0}};
  ASSERT_EQ(poll(fds, 2, 2000), 1);
  EXPECT_TRUE((fds[0].revents != 0 ? a : b).closed_by_server());
}

// Workers busy for long enough that the queue can be watched on a loaded
// machine: the requests below hold them until the client closes.
class QueueLimitsTest : public PoolLimitsTest {
 protected:
  void tune(ServerOptions& o) override {
    PoolLimitsTest::tune(o);
    o.read_timeout_seconds = 30;
  }
};

// Busy workers and a full queue: a further connection is reset at once
// (counted), and the queued one is served when a worker is free.
TEST_F(QueueLimitsTest, APastTheQueueConnectionIsResetAtOnceAndTheQueuedOneServed) {
  // Two workers busy with requests that do not finish.
  auto a = std::make_unique<RawClient>(server_->port());
  auto b = std::make_unique<RawClient>(server_->port());
  ASSERT_TRUE(a->ok() && b->ok());
  const std::string half = "POST /validate HTTP/1.1\r\nHost: localhost\r\n";
  ASSERT_TRUE(a->send(half));
  ASSERT_TRUE(b->send(half));
  // One waits in the queue (its handshake waits for a worker).
  std::unique_ptr<RawClient> queued;
  std::thread t([&] { queued = std::make_unique<RawClient>(server_->port()); });
  // Whatever fails below, the client thread is joined: closing the busy
  // clients frees the workers, which finish its handshake.
  struct Joiner {
    std::thread& t;
    std::unique_ptr<RawClient>& a;
    std::unique_ptr<RawClient>& b;
    ~Joiner() {
      a.reset();
      b.reset();
      if (t.joinable()) t.join();
    }
  } joiner{t, a, b};
  ASSERT_TRUE(test::eventually([&] { return server_->transport_stats().queued.load() == 1; }));
  // The next one is reset.
  const int fd = connect_loopback(server_->port());
  ASSERT_GE(fd, 0);
  const auto t0 = std::chrono::steady_clock::now();
  char byte;
  EXPECT_LE(recv(fd, &byte, 1, 0), 0);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(2));
  close(fd);
  EXPECT_EQ(server_->transport_stats().refused.load(), 1u);
  a.reset();  // a worker is free: the queued connection is served
  t.join();
  ASSERT_TRUE(queued && queued->ok());
  EXPECT_EQ(queued->roundtrip("GET", "/healthz", "", "").second, "ok\n");
}

class HealthListenerTest : public WebhookServerTest {
 protected:
  void tune(ServerOptions& o) override {
    o.max_connections = 1;
    o.max_queued_connections = 0;
    o.read_timeout_seconds = 5;
    o.health_host = "127.0.0.1";
    o.health_port = 0;
  }
};

// One plain-HTTP GET and its whole answer (the server closes).
std::string plain_get(int port, const std::string& path) {
  return test::plain_exchange(port, "GET " + path + " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
}

// Probes and scrapes have their own listener and pool: with the HTTPS
// listener's only worker busy and its queue full, /readyz still answers.
TEST_F(HealthListenerTest, ProbesAnswerWhileTheWebhookPoolIsBusy) {
  ASSERT_GT(server_->health_port(), 0);
  RawClient busy(server_->port());
  ASSERT_TRUE(busy.ok());
  ASSERT_TRUE(busy.send("POST /validate HTTP/1.1\r\nHost: localhost\r\n"));
  const std::string ready = plain_get(server_->health_port(), "/readyz");
  EXPECT_EQ(ready.substr(0, ready.find("\r\n")), "HTTP/1.1 200 OK") << ready;
  EXPECT_EQ(ready.substr(ready.find("\r\n\r\n") + 4), "ok\n");
  const std::string metrics = plain_get(server_->health_port(), "/metrics");
  EXPECT_NE(metrics.find("rollout_guard_ready 1"), std::string::npos) << metrics.substr(0, 300);
  const std::string none = plain_get(server_->health_port(), "/validate");
  EXPECT_EQ(none.substr(0, none.find("\r\n")), "HTTP/1.1 404 Not Found");
}

// A request refused by cpp-httplib before routing (here a bad Range header:
// 416) is not counted out of the in-flight requests it never entered, so a
// drain does not end while another request is still in flight.
TEST_F(WebhookServerTest, RequestsRefusedBeforeRoutingLeaveTheInFlightCountAlone) {
  RawClient slow(server_->port());
  ASSERT_TRUE(slow.ok());
  ASSERT_TRUE(slow.send("POST /validate HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
                        "Content-Length: 100\r\n\r\n{"));
  ASSERT_TRUE(test::eventually([&] { return server_->in_flight() == 1; }));
  RawClient bad(server_->port());
  ASSERT_TRUE(bad.ok());
  auto [h, body] = bad.roundtrip("GET", "/healthz", "", "", "Range: bytes=oops\r\n");
  EXPECT_EQ(status_line(h), "HTTP/1.1 416 Range Not Satisfiable");
  EXPECT_EQ(server_->in_flight(), 1u);
}

class ClientCertificateTest : public WebhookServerTest {
 protected:
  // A self-signed client certificate (as an apiserver's could be) made with
  // the openssl tool; the server trusts exactly it.
  void tune(ServerOptions& o) override {
    char tmpl[] = "/tmp/rg-client-cert-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    const std::string cmd = "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1 "
                            "-subj /CN=kube-apiserver -addext keyUsage=digitalSignature "
                            "-addext extendedKeyUsage=clientAuth -keyout " + dir_ + "/client.key -out " + dir_ +
                            "/client.crt 2>/dev/null";
    ASSERT_EQ(std::system(cmd.c_str()), 0);
    o.client_ca_file = dir_ + "/client.crt";
  }
  void TearDown() override {
    WebhookServerTest::TearDown();
    std::error_code ec;
    if (!dir_.empty()) std::filesystem::remove_all(dir_, ec);
  }
  std::string dir_;
};

// --client-ca-file: a client without a certificate, or with one the CA did
// not sign, gets no answer; the trusted one is served.
TEST_F(ClientCertificateTest, OnlyClientsWithATrustedCertificateAreServed) {
  {
    RawClient anonymous(server_->port());
    EXPECT_TRUE(anonymous.roundtrip("GET", "/healthz", "", "").first.empty());
  }
  {
    certs::Pem other, leaf;
    ASSERT_TRUE(certs::generate_ca("other-ca", 1, &other).ok());
    const std::string cert = dir_ + "/other.crt", key = dir_ + "/other.key";
    FILE* f = std::fopen(cert.c_str(), "w");
    std::fputs(other.cert.c_str(), f);
    std::fclose(f);
    f = std::fopen(key.c_str(), "w");
    std::fputs(other.key.c_str(), f);
    std::fclose(f);
    RawClient stranger(server_->port(), cert, key);
    EXPECT_TRUE(stranger.roundtrip("GET", "/healthz", "", "").first.empty());
  }
  RawClient trusted(server_->port(), dir_ + "/client.crt", dir_ + "/client.key");
  ASSERT_TRUE(trusted.ok());
  EXPECT_EQ(trusted.roundtrip("GET", "/healthz", "", "").second, "ok\n");
}

TEST(ClientCertificates, AnUnreadableCaFileIsABindError) {
  CertStore certs;
  PolicyStore policies;
  Metrics metrics;
  ServerOptions o;
  o.host = "127.0.0.1";
  o.port = 0;
  o.client_ca_file = "/nonexistent/ca.crt";
  WebhookServer server(o, &certs, &policies, &metrics);
  std::string error;
  EXPECT_FALSE(server.bind(&error));
  EXPECT_EQ(error, "cannot read client CA bundle /nonexistent/ca.crt (PEM certificates expected)");
}

TEST(Metrics, NoSeriesBeforeTheFirstObservationAndExactCountsFromManyThreads) {
  Metrics m;
  const std::string empty = m.render();
  EXPECT_EQ(empty.find("rollout_guard_admission_requests_total{"), std::string::npos) << empty;
  EXPECT_EQ(empty.find("rollout_guard_admission_duration_seconds_count{"), std::string::npos) << empty;
  EXPECT_EQ(empty.find("rollout_guard_admission_findings_total{"), std::string::npos) << empty;

  const std::vector<std::string> kinds = {"Rollout", "Deployment", "other", "Service"};
  const std::vector<std::string> decisions = {"allow", "warn", "deny", "patch", "skip"};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 2000; ++i) {
        const std::string& kind = kinds[static_cast<size_t>(i + t) % kinds.size()];
        const std::string& decision = decisions[static_cast<size_t>(i) % decisions.size()];
        m.review(i % 2 ? "mutate" : "validate", kind, "CREATE", decision, i % 3 == 0, 0.0001);
        m.finding("rollout/rule-" + std::to_string(i % 7), i % 2 ? "warn" : "deny");
      }
    });
  }
  for (auto& th : threads) th.join();
  const std::string text = m.render();
  // Every increment landed: the counts add up per family.
  auto sum_of = [&](const std::string& prefix) {
    double sum = 0;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) {
      if (line.rfind(prefix, 0) == 0) sum += std::stod(line.substr(line.rfind(' ') + 1));
    }
    return sum;
  };
  EXPECT_EQ(sum_of("rollout_guard_admission_requests_total{"), 8000);
  EXPECT_EQ(sum_of("rollout_guard_admission_findings_total{"), 8000);
  EXPECT_EQ(sum_of("rollout_guard_admission_duration_seconds_count{"), 8000);
  // Labels as given, one line per distinct combination.
  EXPECT_NE(text.find("rollout_guard_admission_findings_total{action=\"warn\",rule=\"rollout/rule-1\"} "),
            std::string::npos);
  EXPECT_NE(text.find("rollout_guard_admission_requests_total{decision=\"deny\",dry_run=\"true\",endpoint=\"validate\","
                      "kind=\"Rollout\",operation=\"CREATE\"} "),
            std::string::npos)
      << text;
  m.bad_request("validate", 415);
  EXPECT_NE(m.render().find("rollout_guard_admission_bad_requests_total{code=\"415\",endpoint=\"validate\"} 1\n"),
            std::string::npos);
}

}  // namespace
}  // namespace rg::webhook
