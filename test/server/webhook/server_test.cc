// The webhook server in process, over TLS on a loopback port: exact answers
// (status line, headers, body) for every route, method and refusal, the
// metrics text those requests leave behind, and the metrics children under
// concurrent use.
#include "server/webhook/server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <openssl/ssl.h>

#include "certs/certs.h"
#include "policy/admission.h"
#include "test/support/conformance.h"
#include "test/support/eventually.h"

namespace rg::webhook {
namespace {

// A TCP connection to 127.0.0.1:port whose reads give up after 10 s, so
// that a server that never answers fails a test instead of hanging it.
int connect_loopback(int port) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  timeval tv{10, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(static_cast<uint16_t>(port));
  if (connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

// One TLS connection that sends raw HTTP/1.1 requests and reads whole
// answers (headers, then Content-Length bytes), keeping the connection.
class RawClient {
 public:
  explicit RawClient(int port) {
    ctx_ = SSL_CTX_new(TLS_client_method());
    ssl_ = SSL_new(ctx_);
    fd_ = connect_loopback(port);
    ok_ = fd_ >= 0 && SSL_set_fd(ssl_, fd_) == 1 && SSL_connect(ssl_) == 1;
  }
  ~RawClient() {
    SSL_free(ssl_);
    SSL_CTX_free(ctx_);
    close(fd_);
  }
  bool ok() const { return ok_; }

  // The answer's head ("HTTP/1.1 ... \r\n\r\n") and body; head empty on failure.
  std::pair<std::string, std::string> roundtrip(const std::string& method, const std::string& target,
                                                const std::string& body, const std::string& content_type) {
    if (!send(request(method, target, body, content_type))) return {};
    return answer(method);
  }

  static std::string request(const std::string& method, const std::string& target, const std::string& body,
                             const std::string& content_type, const std::string& extra_headers = "") {
    std::string req = method + " " + target + " HTTP/1.1\r\nHost: localhost\r\n" + extra_headers;
    if (!content_type.empty()) req += "Content-Type: " + content_type + "\r\n";
    if (!body.empty() || method == "POST") req += "Content-Length: " + std::to_string(body.size()) + "\r\n";
    return req + "\r\n" + body;
  }

  // Bytes as they are, in one TLS write.
  bool send(const std::string& bytes) {
    return SSL_write(ssl_, bytes.data(), static_cast<int>(bytes.size())) == static_cast<int>(bytes.size());
  }

  // Reads until the server's bytes start with `prefix`, then drops it.
  bool expect(const std::string& prefix) {
    while (buf_.size() < prefix.size()) {
      if (!fill()) return false;
    }
    if (buf_.compare(0, prefix.size(), prefix) != 0) return false;
    buf_.erase(0, prefix.size());
    return true;
  }

  // True when the server ends the connection (close_notify or EOF) with no
  // more bytes sent; false on bytes or on the 10 s read timeout.
  bool closed_by_server() {
    char b[256];
    const int n = SSL_read(ssl_, b, sizeof b);
    if (n > 0) return false;
    const int e = SSL_get_error(ssl_, n);
    return buf_.empty() && (e == SSL_ERROR_ZERO_RETURN || (e == SSL_ERROR_SYSCALL && errno != EAGAIN));
  }

  // The next whole answer to a `method` request.
  std::pair<std::string, std::string> answer(const std::string& method = "GET") {
    size_t end;
    while ((end = buf_.find("\r\n\r\n")) == std::string::npos) {
      if (!fill()) return {};
    }
    std::string head = buf_.substr(0, end + 4);
    size_t length = 0;
    if (size_t p = head.find("Content-Length: "); p != std::string::npos && method != "HEAD") {
      length = std::stoul(head.substr(p + 16));
    }
    while (buf_.size() < end + 4 + length) {
      if (!fill()) return {};
    }
    std::string out = buf_.substr(end + 4, length);
    buf_.erase(0, end + 4 + length);
    return {head, out};
  }

 private:
  bool fill() {
    char b[16384];
    int n = SSL_read(ssl_, b, sizeof b);
    if (n <= 0) return false;
    buf_.append(b, static_cast<size_t>(n));
    return true;
  }
  SSL_CTX* ctx_ = nullptr;
  SSL* ssl_ = nullptr;
  int fd_ = -1;
  bool ok_ = false;
  std::string buf_;
};

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
  {  // Too large: refused by cpp-httplib, answered with our JSON (own connection: it may close).
    RawClient big(server_->port());
    ASSERT_TRUE(big.ok());
    auto [h, body] = big.roundtrip("POST", "/validate", std::string(300000, ' '), "application/json");
    const std::string answer = error_body(413, "request body larger than --max-body-bytes=200000");
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
  {  // Half a request head: cpp-httplib's answer to a cut request, then the close.
    RawClient c(server_->port());
    ASSERT_TRUE(c.ok());
    ASSERT_TRUE(c.send("POST /validate HTTP/1.1\r\nHost: localhost\r\n"));
    auto [h, body] = c.answer("POST");
    EXPECT_EQ(h.substr(0, h.find("\r\n")), "HTTP/1.1 400 Bad Request");
    EXPECT_EQ(body, error_body(400, "malformed HTTP request"));
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
