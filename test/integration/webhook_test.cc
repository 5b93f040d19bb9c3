// The real `rollout-guard serve` binary over TLS: captured apiserver reviews,
// bad input, certificate rotation under load and SIGTERM during load.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <httplib.h>
#include <openssl/ssl.h>

#include "certs/certs.h"
#include "certs/x509_util.h"
#include "admission/admission.h"
#include "test/integration/serve_process.h"
#include "test/support/conformance.h"

namespace rg {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;
using namespace std::chrono_literals;
using test::client;
using test::Server;
using test::temp_dir;
using test::wait_ready;
using test::write;

std::string read(const std::string& p) { return test::read_file(p); }

class Webhook : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = temp_dir(::testing::UnitTest::GetInstance()->current_test_info()->name());
    server_ = std::make_unique<Server>(dir_, std::vector<std::string>{"--dev-self-signed", "--cert-dir", dir_.string(),
                                                                       "--drain-delay", "1s", "--max-body-bytes", "200000"});
    ca_ = (dir_ / "ca.crt").string();
    ASSERT_TRUE(wait_ready(server_->port(), ca_)) << server_->log();
    http_ = client(server_->port(), ca_);
  }
  httplib::Result post(const std::string& path, const std::string& body, const std::string& ct = "application/json") {
    return http_->Post(path.c_str(), body, ct.c_str());
  }
  fs::path dir_;
  std::string ca_;
  std::unique_ptr<Server> server_;
  std::unique_ptr<httplib::SSLClient> http_;
};

TEST_F(Webhook, CapturedApiserverReviewsMatchTheInProcessDecision) {
  RG_REQUIRE_CONFORMANCE("admission-reviews");
  const Policy policy;
  const EmptyInventory inv;
  const Context ctx{policy, inv};
  int n = 0;
  for (const auto& e : fs::directory_iterator(test::conformance_dir() + "/admission-reviews")) {
    if (e.path().extension() != ".json") continue;
    SCOPED_TRACE(e.path().filename().string());
    const std::string body = read(e.path().string());
    auto res = post("/validate?timeout=10s", body);
    ASSERT_TRUE(res);
    ASSERT_EQ(res->status, 200) << res->body;
    json out = json::parse(res->body);
    json in = json::parse(body);
    EXPECT_EQ(out["apiVersion"], in["apiVersion"]);
    EXPECT_EQ(out["kind"], "AdmissionReview");
    EXPECT_EQ(out["response"]["uid"], in["request"]["uid"]);
    admission::Review r;
    std::string err;
    ASSERT_TRUE(admission::parse_review(body, &r, &err)) << err;
    EXPECT_EQ(res->body, admission::response_json(r, admission::validate(r, ctx)));
    const std::string op = in["request"]["operation"];
    const std::string kind = in["request"]["kind"]["kind"];
    if (op == "DELETE" || kind == "Deployment") {
      EXPECT_EQ(out["response"]["allowed"], true);
    }
    if (out["response"]["allowed"] == false) {
      EXPECT_EQ(out["response"]["status"]["code"], 403);
      std::string msg = out["response"]["status"]["message"];
      size_t start = 0;
      while (start < msg.size()) {  // every line starts with a rule id ("area/what: ") or "... and N more"
        std::string line = msg.substr(start, msg.find('\n', start) - start);
        EXPECT_TRUE(line.rfind("... and ", 0) == 0 || (line.find('/') < line.find(": ") && line.find(": ") != std::string::npos))
            << line;
        start += line.size() + 1;
      }
    }
    ++n;
  }
  EXPECT_GE(n, 13);
}

TEST_F(Webhook, V1beta1IsAnsweredInV1beta1AndDryRunGetsTheSameDecision) {
  RG_REQUIRE_CONFORMANCE("admission-reviews");
  const std::string dir = test::conformance_dir() + "/admission-reviews/";
  json plain = json::parse(read(dir + "003-rollout-create-denied.json"));
  json beta = plain;
  beta["apiVersion"] = "admission.k8s.io/v1beta1";
  auto a = post("/validate", plain.dump());
  auto b = post("/validate", beta.dump());
  ASSERT_TRUE(a && b);
  json ja = json::parse(a->body), jb = json::parse(b->body);
  EXPECT_EQ(jb["apiVersion"], "admission.k8s.io/v1beta1");
  EXPECT_EQ(ja["response"], jb["response"]);
  json dry = plain;
  dry["request"]["dryRun"] = true;
  auto c = post("/validate", dry.dump());
  ASSERT_TRUE(c);
  EXPECT_EQ(json::parse(c->body)["response"], ja["response"]);
  auto m = http_->Get("/metrics");
  ASSERT_TRUE(m);
  EXPECT_NE(m->body.find("dry_run=\"true\""), std::string::npos);
}

TEST_F(Webhook, SamplesReviews) {
  const std::string dir = test::source_dir() + "/samples/admission-reviews/";
  ASSERT_TRUE(fs::exists(dir + "good")) << "samples/admission-reviews/good is missing (python3 samples/admission-reviews/generate.py)";
  for (const char* sub : {"good", "bad"}) {
    for (const auto& e : fs::directory_iterator(dir + sub)) {
      SCOPED_TRACE(e.path().string());
      auto res = post("/validate", read(e.path().string()));
      ASSERT_TRUE(res);
      ASSERT_EQ(res->status, 200);
      json out = json::parse(res->body);
      if (std::string(sub) == "good") {
        EXPECT_EQ(out["response"]["allowed"], true) << res->body;
      }
      auto mut = post("/mutate", read(e.path().string()));
      ASSERT_TRUE(mut);
      EXPECT_EQ(json::parse(mut->body)["response"]["allowed"], true);
    }
  }
}

TEST_F(Webhook, EveryBadInputIsA4xxWithAJsonErrorNamingIt) {
  auto check = [&](httplib::Result res, int code, const std::string& words) {
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, code) << res->body;
    json j = json::parse(res->body, nullptr, false);
    ASSERT_TRUE(j.is_object()) << res->body;
    EXPECT_EQ(j["code"], code);
    EXPECT_NE(j["message"].get<std::string>().find(words), std::string::npos) << res->body;
  };
  json good = {{"apiVersion", "admission.k8s.io/v1"},
               {"kind", "AdmissionReview"},
               {"request", {{"uid", "x"}, {"operation", "CREATE"}, {"object", {{"kind", "Rollout"}}}}}};
  check(post("/validate", "{not json"), 400, "not JSON");
  json j = good;
  j["apiVersion"] = "v1";
  check(post("/validate", j.dump()), 400, "apiVersion");
  j = good;
  j["kind"] = "Pod";
  check(post("/validate", j.dump()), 400, "kind must be AdmissionReview");
  j = good;
  j.erase("request");
  check(post("/validate", j.dump()), 400, "request is missing");
  j = good;
  j["request"].erase("uid");
  check(post("/mutate", j.dump()), 400, "request.uid");
  j = good;
  j["request"]["object"] = json::array();
  check(post("/validate", j.dump()), 400, "request.object must be an object");
  check(http_->Get("/validate"), 405, "POST");
  check(post("/validate", good.dump(), "text/plain"), 415, "Content-Type");
  check(post("/validate", std::string(300000, ' ')), 413, "max-body-bytes");
  check(http_->Get("/nope"), 404, "no such path");
  // And the server is still fine.
  auto ok = post("/validate", good.dump());
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->status, 200);
}

// The serial number of the certificate the server presents to a new handshake.
std::string served_serial(int port) {
  SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
  SSL* ssl = SSL_new(ctx);
  int s = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(static_cast<uint16_t>(port));
  std::string serial;
  if (connect(s, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0) {
    SSL_set_fd(ssl, s);
    if (SSL_connect(ssl) == 1) {
      if (X509* cert = SSL_get1_peer_certificate(ssl)) {
        serial = certs::serial_hex(cert);
        X509_free(cert);
      }
    }
  }
  SSL_free(ssl);
  SSL_CTX_free(ctx);
  close(s);
  return serial;
}

TEST(WebhookCerts, RotationUnderLoadFailsNoRequestAndServesTheNewPair) {
  fs::path dir = temp_dir("rotation");
  certs::Pem ca, one, two;
  ASSERT_TRUE(certs::generate_ca("test CA", 1, &ca).ok());
  ASSERT_TRUE(certs::issue_serving_cert(ca, {}, 1, &one).ok());
  ASSERT_TRUE(certs::issue_serving_cert(ca, {}, 1, &two).ok());
  write(dir / "ca.crt", ca.cert);
  write(dir / "tls.crt", one.cert);
  write(dir / "tls.key", one.key);
  std::shared_ptr<const certs::KeyPair> p1, p2;
  ASSERT_TRUE(certs::load_key_pair_pem(one.cert, one.key, "one", &p1).ok());
  ASSERT_TRUE(certs::load_key_pair_pem(two.cert, two.key, "two", &p2).ok());
  Server server(dir, {"--tls-cert-file", (dir / "tls.crt").string(), "--tls-private-key-file",
                      (dir / "tls.key").string()});
  const std::string ca_file = (dir / "ca.crt").string();
  ASSERT_TRUE(wait_ready(server.port(), ca_file)) << server.log();
  EXPECT_EQ(served_serial(server.port()), p1->serial_hex());

  std::atomic<bool> stop{false};
  std::atomic<int> ok{0}, failed{0};
  std::mutex mu;
  std::vector<std::string> failures;  // the first few, to say why
  const std::string body = json({{"apiVersion", "admission.k8s.io/v1"},
                                 {"kind", "AdmissionReview"},
                                 {"request", {{"uid", "r"}, {"operation", "DELETE"}, {"object", nullptr}}}})
                               .dump();
  std::vector<std::thread> clients;
  for (int t = 0; t < 16; ++t) {
    clients.emplace_back([&, t] {
      auto c = client(server.port(), ca_file);
      int i = 0;
      while (!stop) {
        const bool fresh = t % 2 == 0 && ++i % 5 == 0;
        if (fresh) c = client(server.port(), ca_file);  // new handshakes too
        auto r = c->Post("/validate", body, "application/json");
        if (r && r->status == 200) {
          ++ok;
          continue;
        }
        ++failed;
        std::lock_guard<std::mutex> lock(mu);
        if (failures.size() < 10) {
          failures.push_back(std::string(fresh ? "new" : "reused") + " connection: " +
                             (r ? "HTTP " + std::to_string(r->status) : httplib::to_string(r.error())) + " at " +
                             std::to_string(ok.load()) + " answered");
        }
      }
    });
  }
  std::this_thread::sleep_for(300ms);
  // Replace the files the way a careless rotation does: key first, then cert.
  write(dir / "tls.key", two.key);
  std::this_thread::sleep_for(50ms);
  write(dir / "tls.crt", two.cert);
  std::string now;
  for (int i = 0; i < 60 && now != p2->serial_hex(); ++i) {
    std::this_thread::sleep_for(100ms);
    now = served_serial(server.port());
  }
  std::this_thread::sleep_for(300ms);
  stop = true;
  for (auto& c : clients) c.join();
  EXPECT_EQ(now, p2->serial_hex()) << server.log();
  std::string why;
  for (const std::string& f : failures) why += f + "\n";
  EXPECT_EQ(failed.load(), 0) << why << server.log();
  EXPECT_GT(ok.load(), 50);
  std::printf("[ measured ] rotation under 16 connections: %d answered, %d failed\n", ok.load(), failed.load());
}

TEST(WebhookShutdown, SigtermFlipsReadyzFirstAndAnswersEveryInFlightRequest) {
  fs::path dir = temp_dir("sigterm");
  Server server(dir, {"--dev-self-signed", "--cert-dir", dir.string(), "--drain-delay", "1500ms",
                      "--shutdown-grace", "6s", "--log-level", "info"});
  const std::string ca = (dir / "ca.crt").string();
  ASSERT_TRUE(wait_ready(server.port(), ca)) << server.log();
  const std::string body = json({{"apiVersion", "admission.k8s.io/v1"},
                                 {"kind", "AdmissionReview"},
                                 {"request", {{"uid", "r"}, {"operation", "DELETE"}, {"object", nullptr}}}})
                               .dump();
  std::atomic<bool> stop{false};
  std::atomic<int> ok{0}, failed{0};
  std::vector<std::thread> clients;
  for (int t = 0; t < 16; ++t) {
    clients.emplace_back([&] {
      auto c = client(server.port(), ca);
      while (!stop) {
        auto r = c->Post("/validate", body, "application/json");
        (r && r->status == 200) ? ++ok : ++failed;
      }
    });
  }
  // One request truly in flight across the listener closing: headers and half
  // the body now, the rest after the server has stopped accepting.
  SSL_CTX* sctx = SSL_CTX_new(TLS_client_method());
  SSL* ssl = SSL_new(sctx);
  int s = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(static_cast<uint16_t>(server.port()));
  ASSERT_EQ(connect(s, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  SSL_set_fd(ssl, s);
  ASSERT_EQ(SSL_connect(ssl), 1);
  std::string head = "POST /validate HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: " +
                     std::to_string(body.size()) + "\r\n\r\n" + body.substr(0, 10);
  ASSERT_GT(SSL_write(ssl, head.data(), static_cast<int>(head.size())), 0);

  std::this_thread::sleep_for(300ms);
  ASSERT_EQ(kill(server.pid(), SIGTERM), 0);
  const auto t0 = std::chrono::steady_clock::now();
  bool flipped = false;
  while (std::chrono::steady_clock::now() - t0 < 1s) {
    auto c = client(server.port(), ca);
    auto r = c->Get("/readyz");
    if (r && r->status == 503) {
      flipped = true;
      break;
    }
  }
  EXPECT_TRUE(flipped) << "readyz did not turn 503 within 1s of SIGTERM";
  // Requests keep being answered while draining; the clients stop as a load
  // balancer would once readiness is gone.
  std::this_thread::sleep_for(500ms);
  stop = true;
  for (auto& c : clients) c.join();
  std::this_thread::sleep_for(1200ms);  // past the drain delay: the listener is closed now
  std::string rest = body.substr(10);
  ASSERT_GT(SSL_write(ssl, rest.data(), static_cast<int>(rest.size())), 0);
  char buf[4096];
  int n = SSL_read(ssl, buf, sizeof buf);
  ASSERT_GT(n, 0) << "the in-flight request got no answer";
  std::string answer(buf, static_cast<size_t>(n));
  EXPECT_EQ(answer.rfind("HTTP/1.1 200", 0), 0u) << answer;
  SSL_free(ssl);
  SSL_CTX_free(sctx);
  close(s);

  EXPECT_EQ(failed.load(), 0);
  EXPECT_GT(ok.load(), 20);
  std::printf("[ measured ] SIGTERM under 16 connections: %d answered, %d failed, the in-flight one answered\n",
              ok.load(), failed.load());
  EXPECT_EQ(server.wait_exit(6s), 0) << server.log();
  EXPECT_NE(server.log().find("draining"), std::string::npos);
}

TEST(WebhookPolicy, BadPolicyFileKeepsTheLastGoodOneAndIsCounted) {
  fs::path dir = temp_dir("policy");
  write(dir / "policy.yaml", "rules:\n  policy/exemption-reason: warn\n");
  Server server(dir, {"--dev-self-signed", "--cert-dir", dir.string(), "--policy", (dir / "policy.yaml").string()});
  const std::string ca = (dir / "ca.crt").string();
  ASSERT_TRUE(wait_ready(server.port(), ca)) << server.log();
  json rv = {{"apiVersion", "admission.k8s.io/v1"},
             {"kind", "AdmissionReview"},
             {"request",
              {{"uid", "p"},
               {"operation", "CREATE"},
               {"object",
                {{"apiVersion", "argoproj.io/v1alpha1"},
                 {"kind", "Rollout"},
                 {"metadata", {{"name", "x"}, {"annotations", {{"rollout-guard.io/exempt", "no-such/rule"}}}}}}}}}};
  auto exemption_action = [&]() -> std::string {
    auto r = client(server.port(), ca)->Post("/validate", rv.dump(), "application/json");
    if (!r) return "no answer";
    json out = json::parse(r->body)["response"];
    for (const auto& w : out.value("warnings", json::array()))
      if (w.get<std::string>().rfind("policy/exemption-reason", 0) == 0) return "warn";
    if (out["status"].value("message", "").find("policy/exemption-reason") != std::string::npos) return "deny";
    return "none";
  };
  EXPECT_EQ(exemption_action(), "warn");
  write(dir / "policy.yaml", "rules:\n  policy/exemption-reason: sometimes\n");
  std::this_thread::sleep_for(1500ms);
  EXPECT_EQ(exemption_action(), "warn");  // the last good policy stays
  auto m = client(server.port(), ca)->Get("/metrics");
  ASSERT_TRUE(m);
  EXPECT_NE(m->body.find("rollout_guard_policy_reloads_total{result=\"error\"} 1"), std::string::npos) << m->body;
  write(dir / "policy.yaml", "rules:\n  policy/exemption-reason: deny\n");
  std::this_thread::sleep_for(1500ms);
  EXPECT_EQ(exemption_action(), "deny");
}

}  // namespace
}  // namespace rg
