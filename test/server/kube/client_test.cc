#include "server/kube/client.h"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <thread>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <httplib.h>

#include "test/server/kube/test_util.h"

namespace rg::kube {
namespace {

using ::rg::test::FakeApiServer;
using ::rg::test::make_obj;
using ::testing::HasSubstr;
namespace res = resources;

TEST(ResourcePath, EveryResource) {
  EXPECT_EQ(resource_path(res::kRollouts, "ns1", "r"), "/apis/argoproj.io/v1alpha1/namespaces/ns1/rollouts/r");
  EXPECT_EQ(resource_path(res::kRollouts, ""), "/apis/argoproj.io/v1alpha1/rollouts");
  EXPECT_EQ(resource_path(res::kAnalysisTemplates, "a"), "/apis/argoproj.io/v1alpha1/namespaces/a/analysistemplates");
  EXPECT_EQ(resource_path(res::kClusterAnalysisTemplates, "ignored", "t"),
            "/apis/argoproj.io/v1alpha1/clusteranalysistemplates/t");
  EXPECT_EQ(resource_path(res::kDeployments, "a", "d"), "/apis/apps/v1/namespaces/a/deployments/d");
  EXPECT_EQ(resource_path(res::kHorizontalPodAutoscalers, "a"), "/apis/autoscaling/v2/namespaces/a/horizontalpodautoscalers");
  EXPECT_EQ(resource_path(res::kScaledObjects, "a"), "/apis/keda.sh/v1alpha1/namespaces/a/scaledobjects");
  EXPECT_EQ(resource_path(res::kNamespaces, "", "a"), "/api/v1/namespaces/a");
  EXPECT_EQ(resource_path(res::kLeases, "a", "l"), "/apis/coordination.k8s.io/v1/namespaces/a/leases/l");
  EXPECT_EQ(resource_path(res::kEvents, "a"), "/apis/events.k8s.io/v1/namespaces/a/events");
  EXPECT_EQ(res::kHorizontalPodAutoscalers.str(), "horizontalpodautoscalers.autoscaling/v2");
}

class ClientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_.serve(res::kDeployments);
    server_.serve(res::kLeases);
    server_.serve(res::kEvents);
    client_ = test::client_for(server_);
    ASSERT_TRUE(client_);
  }
  FakeApiServer server_;
  std::unique_ptr<Client> client_;
};

TEST_F(ClientTest, GetAndErrors) {
  server_.put(res::kDeployments, make_obj(res::kDeployments, "a", "web", {{"replicas", 2}}));
  json out;
  ApiStatus s = client_->get(res::kDeployments, "a", "web", &out);
  ASSERT_TRUE(s.ok()) << s.message();
  EXPECT_EQ(out["spec"]["replicas"], 2);

  s = client_->get(res::kDeployments, "a", "missing", &out);
  EXPECT_TRUE(s.not_found());
  EXPECT_EQ(s.reason(), "NotFound");
  EXPECT_EQ(s.message(),
            "GET /apis/apps/v1/namespaces/a/deployments/missing: HTTP 404 Not Found: deployments.apps \"missing\" not found");

  auto bad = test::client_for(server_, "wrong-token");
  s = bad->get(res::kDeployments, "a", "web", &out);
  EXPECT_EQ(s.code(), 401);
  EXPECT_THAT(s.message(), HasSubstr("HTTP 401 Unauthorized"));

  s = client_->get(res::kScaledObjects, "a", "x", &out);  // not served
  EXPECT_TRUE(s.not_found());
}

TEST_F(ClientTest, TransportErrorNamesTheServer) {
  Config c;
  c.server = "http://127.0.0.1:1";  // nothing listens there
  c.source = "test";
  std::unique_ptr<Client> cl;
  ASSERT_TRUE(Client::Create(c, &cl).ok());
  json out;
  ApiStatus s = cl->get(res::kDeployments, "a", "b", &out);
  EXPECT_EQ(s.code(), 0);
  EXPECT_THAT(s.message(), HasSubstr("cannot reach http://127.0.0.1:1"));
}

TEST_F(ClientTest, CreateRejectsBadTlsMaterial) {
  Config c;
  c.server = "https://127.0.0.1:6443";
  c.source = "kubeconfig";
  c.ca_pem = "not a certificate";
  std::unique_ptr<Client> cl;
  EXPECT_THAT(Client::Create(c, &cl).message(), HasSubstr("certificate-authority: no PEM certificate found"));
  c.ca_pem.clear();
  c.client_cert_file = "/nonexistent.crt";
  c.client_key_file = "/nonexistent.key";
  EXPECT_THAT(Client::Create(c, &cl).message(), HasSubstr("client-certificate /nonexistent.crt: cannot read file"));
  c = Config();
  c.server = "ftp://x";
  EXPECT_THAT(Client::Create(c, &cl).message(), HasSubstr("is not an http(s)://host[:port] URL"));
}

// A one-page HTTPS server that speaks exactly one TLS version, for the
// client's protocol floor. TLS 1.1 with static RSA key exchange is what an old
// server negotiates with a client that allows it: no SHA-1 signature is
// involved, so only the version floor refuses it.
class FixedVersionTlsServer {
 public:
  explicit FixedVersionTlsServer(int version) {
    EVP_PKEY* key = EVP_RSA_gen(2048);
    X509* cert = X509_new();
    ASN1_INTEGER_set(X509_get_serialNumber(cert), 1);
    X509_gmtime_adj(X509_getm_notBefore(cert), -60);
    X509_gmtime_adj(X509_getm_notAfter(cert), 3600);
    X509_NAME_add_entry_by_txt(X509_get_subject_name(cert), "CN", MBSTRING_ASC,
                               reinterpret_cast<const unsigned char*>("127.0.0.1"), -1, -1, 0);
    X509_set_issuer_name(cert, X509_get_subject_name(cert));
    X509_set_pubkey(cert, key);
    X509_sign(cert, key, EVP_sha256());
    ctx_ = SSL_CTX_new(TLS_server_method());
    SSL_CTX_set_security_level(ctx_, 0);  // let OpenSSL 3 speak TLS 1.1 at all
    SSL_CTX_set_min_proto_version(ctx_, version);
    SSL_CTX_set_max_proto_version(ctx_, version);
    if (version < TLS1_2_VERSION) SSL_CTX_set_cipher_list(ctx_, "AES128-SHA:@SECLEVEL=0");
    SSL_CTX_use_certificate(ctx_, cert);
    SSL_CTX_use_PrivateKey(ctx_, key);
    X509_free(cert);
    EVP_PKEY_free(key);

    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    ::listen(fd_, 4);
    socklen_t len = sizeof addr;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] { serve(); });
  }
  ~FixedVersionTlsServer() {
    ::shutdown(fd_, SHUT_RDWR);
    thread_.join();
    ::close(fd_);
    SSL_CTX_free(ctx_);
  }
  std::string url() const { return "https://127.0.0.1:" + std::to_string(port_); }
  int handshakes() const { return handshakes_.load(); }

 private:
  void serve() {
    for (int conn; (conn = ::accept(fd_, nullptr, nullptr)) >= 0;) {
      SSL* ssl = SSL_new(ctx_);
      SSL_set_fd(ssl, conn);
      if (SSL_accept(ssl) == 1) {
        ++handshakes_;
        std::string req;
        char buf[4096];
        for (int n; req.find("\r\n\r\n") == std::string::npos && (n = SSL_read(ssl, buf, sizeof buf)) > 0;)
          req.append(buf, static_cast<size_t>(n));
        const std::string body = R"({"metadata":{"name":"web"}})";
        const std::string resp = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " +
                                 std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + body;
        SSL_write(ssl, resp.data(), static_cast<int>(resp.size()));
        SSL_shutdown(ssl);
      }
      ERR_clear_error();
      SSL_free(ssl);
      ::close(conn);
    }
  }

  SSL_CTX* ctx_ = nullptr;
  int fd_ = -1;
  int port_ = 0;
  std::thread thread_;
  std::atomic<int> handshakes_{0};
};

std::unique_ptr<Client> insecure_client_for(const std::string& url) {
  Config c;
  c.server = url;
  c.insecure_skip_tls_verify = true;  // the version floor holds whatever the verification
  c.source = "test";
  std::unique_ptr<Client> cl;
  EXPECT_TRUE(Client::Create(c, &cl).ok());
  return cl;
}

TEST(ClientTls, ATls11OnlyServerIsRefused) {
  FixedVersionTlsServer old_server(TLS1_1_VERSION);
  auto cl = insecure_client_for(old_server.url());
  ASSERT_TRUE(cl);
  json out;
  ApiStatus s = cl->get(res::kDeployments, "a", "web", &out);
  EXPECT_FALSE(s.ok()) << "got " << out.dump();
  EXPECT_EQ(s.code(), 0);
  EXPECT_THAT(s.message(), HasSubstr("cannot reach " + old_server.url()));
  EXPECT_THAT(s.message(), HasSubstr("rollout-guard needs TLS 1.2 or later"));
  EXPECT_EQ(old_server.handshakes(), 0);
}

TEST(ClientTls, ATls12ServerIsAccepted) {  // the control: the same server, one version up
  FixedVersionTlsServer server(TLS1_2_VERSION);
  auto cl = insecure_client_for(server.url());
  ASSERT_TRUE(cl);
  json out;
  ApiStatus s = cl->get(res::kDeployments, "a", "web", &out);
  ASSERT_TRUE(s.ok()) << s.message();
  EXPECT_EQ(out["metadata"]["name"], "web");
  EXPECT_EQ(server.handshakes(), 1);
}

TEST(ClientPlainHttp, ATokenIsNotSentInClearTextToAnotherHost) {
  Config c;
  c.server = "http://10.1.2.3:8080";
  c.token = "secret";
  c.source = "/home/me/.kube/config (context dev)";
  c.server_field = "/home/me/.kube/config: clusters[dev].cluster: server";
  c.token_field = "/home/me/.kube/config: users[admin].user: token";
  std::unique_ptr<Client> cl;
  Status st = Client::Create(c, &cl);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.message(),
            "/home/me/.kube/config: clusters[dev].cluster: server \"http://10.1.2.3:8080\" is plain http:// and "
            "/home/me/.kube/config: users[admin].user: token is set: the token would be sent in clear text. Use an "
            "https:// server (a token goes over http:// only to localhost, 127.0.0.0/8 or ::1)");
  EXPECT_FALSE(cl);

  for (const char* server : {"http://api.example.com", "http://[2001:db8::1]:80", "http://128.0.0.1",
                             "http://localhost.example.com", "http://[::ffff:10.0.0.1]"}) {
    c.server = server;
    EXPECT_THAT(Client::Create(c, &cl).message(), HasSubstr("the token would be sent in clear text")) << server;
  }
  c.token.clear();  // a token file counts the same
  test::TempDir dir;
  c.token_file = std::make_shared<TokenFile>(dir.write("token", "secret"));
  EXPECT_THAT(Client::Create(c, &cl).message(), HasSubstr("the token would be sent in clear text"));
}

TEST(ClientPlainHttp, LoopbackOrNoTokenIsAllowed) {
  Config c;
  c.source = "test";
  c.token = "secret";
  std::unique_ptr<Client> cl;
  for (const char* server : {"http://127.0.0.1:8080", "http://127.9.8.7", "http://localhost:8001",
                             "http://LOCALHOST", "http://[::1]:8080", "http://[::ffff:127.0.0.1]:8080"}) {
    c.server = server;
    Status st = Client::Create(c, &cl);
    EXPECT_TRUE(st.ok()) << server << ": " << st.message();
  }
  c.server = "http://10.1.2.3:8080";
  c.token.clear();  // nothing secret to send
  EXPECT_TRUE(Client::Create(c, &cl).ok());
}

TEST(ClientPlainHttp, TheRefusalNamesTheKubeconfigFields) {
  test::TempDir dir;
  const std::string p = dir.write("config",
                                  "apiVersion: v1\nkind: Config\ncurrent-context: dev\n"
                                  "contexts: [{name: dev, context: {cluster: remote, user: admin}}]\n"
                                  "clusters: [{name: remote, cluster: {server: 'http://api.example.com:8080'}}]\n"
                                  "users: [{name: admin, user: {token: secret}}]\n");
  Config c;
  ASSERT_TRUE(load_kubeconfig({p}, "", &c).ok());
  std::unique_ptr<Client> cl;
  Status st = Client::Create(c, &cl);
  ASSERT_FALSE(st.ok());
  EXPECT_THAT(st.message(), HasSubstr(p + ": clusters[remote].cluster: server \"http://api.example.com:8080\" is "
                                          "plain http:// and " + p + ": users[admin].user: token is set"));
}

TEST_F(ClientTest, ListPagesWithContinue) {
  for (int i = 0; i < 5; ++i) server_.put(res::kDeployments, make_obj(res::kDeployments, "a", "d" + std::to_string(i)));
  server_.put(res::kDeployments, make_obj(res::kDeployments, "b", "other"));
  ListResult lr;
  ApiStatus s = client_->list(res::kDeployments, "a", &lr, 2);
  ASSERT_TRUE(s.ok()) << s.message();
  EXPECT_EQ(lr.items.size(), 5u);
  EXPECT_EQ(lr.pages, 3);
  EXPECT_EQ(lr.resource_version, std::to_string(server_.resource_version()));
  EXPECT_EQ(lr.items[0]["kind"], "Deployment");  // filled in: the server leaves it out
  EXPECT_EQ(lr.items[0]["apiVersion"], "apps/v1");

  ASSERT_TRUE(client_->list(res::kDeployments, "", &lr, 500).ok());
  EXPECT_EQ(lr.items.size(), 6u);
  EXPECT_EQ(lr.pages, 1);
}

// A Deployment whose text is about `bytes` long (a big annotation, as
// last-applied-configuration makes them).
json big_deployment(const std::string& ns, const std::string& name, size_t bytes) {
  json d = make_obj(res::kDeployments, ns, name, {{"replicas", 1}});
  d["metadata"]["annotations"]["kubectl.kubernetes.io/last-applied-configuration"] = std::string(bytes, 'x');
  return d;
}

TEST_F(ClientTest, ListEachHandsOverEachPageBeforeAskingForTheNext) {
  for (int i = 0; i < 12; ++i) {
    server_.put(res::kDeployments, make_obj(res::kDeployments, "a", "d" + std::string(i < 10 ? "0" : "") + std::to_string(i)));
  }
  ListOptions opts;
  opts.limit = 5;
  std::vector<std::string> names;
  std::vector<int> pages_served;  // how many pages the server had sent when each object arrived
  ListInfo info;
  ApiStatus s = client_->list_each(
      res::kDeployments, "a", opts,
      [&](json&& item) {
        names.push_back(item["metadata"]["name"]);
        EXPECT_EQ(item["kind"], "Deployment");
        pages_served.push_back(server_.list_pages(res::kDeployments));
      },
      &info);
  ASSERT_TRUE(s.ok()) << s.message();
  ASSERT_EQ(names.size(), 12u);
  EXPECT_EQ(names.front(), "d00");
  EXPECT_EQ(names.back(), "d11");
  EXPECT_EQ(pages_served, (std::vector<int>{1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 3, 3}));
  EXPECT_EQ(info.pages, 3);
  EXPECT_EQ(info.limit, 5);
  EXPECT_EQ(info.resource_version, std::to_string(server_.resource_version()));
}

TEST_F(ClientTest, AnOversizedPageIsAskedForAgainInSmallerPieces) {
  for (int i = 0; i < 40; ++i) {
    server_.put(res::kDeployments, big_deployment("a", "d" + std::string(i < 10 ? "0" : "") + std::to_string(i), 4000));
  }
  ListOptions opts;
  opts.limit = 500;
  opts.max_page_bytes = 32 * 1024;  // about 7 of these objects
  std::vector<std::string> names;
  ListInfo info;
  ApiStatus s = client_->list_each(
      res::kDeployments, "", opts, [&](json&& item) { names.push_back(item["metadata"]["name"]); }, &info);
  ASSERT_TRUE(s.ok()) << s.message();
  ASSERT_EQ(names.size(), 40u);  // each once, in order
  for (size_t i = 1; i < names.size(); ++i) EXPECT_LT(names[i - 1], names[i]);
  EXPECT_EQ(info.limit, 7);  // 500 -> 250 -> ... -> 15 -> 7
  EXPECT_LE(info.largest_page_bytes, opts.max_page_bytes);
  EXPECT_GT(info.largest_page_bytes, opts.max_page_bytes / 2);
  EXPECT_EQ(info.pages, 6);  // 40 objects, 7 a page
}

TEST_F(ClientTest, AnObjectLargerThanThePageBoundIsAnErrorNamingTheResourceAndTheBound) {
  server_.put(res::kDeployments, big_deployment("a", "small", 100));
  server_.put(res::kDeployments, big_deployment("a", "vast", 40 * 1024));
  ListOptions opts;
  opts.limit = 4;
  opts.max_page_bytes = 32 * 1024;
  std::vector<std::string> names;
  ApiStatus s = client_->list_each(res::kDeployments, "a", opts,
                                   [&](json&& item) { names.push_back(item["metadata"]["name"]); });
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.reason(), "TooLarge");
  EXPECT_THAT(s.message(), HasSubstr("LIST deployments.apps/v1 in namespace a: a page of one object (limit=1) is "
                                     "larger than the 32 KiB bound on a page's body (GET "
                                     "/apis/apps/v1/namespaces/a/deployments?limit=1&continue="));
  EXPECT_EQ(names, std::vector<std::string>{"small"});
  // The connection is usable afterwards.
  json out;
  EXPECT_TRUE(client_->get(res::kDeployments, "a", "small", &out).ok());
}

TEST_F(ClientTest, AListPageThatBreaksOffIsATransportErrorThatSaysSo) {
  for (int i = 0; i < 4; ++i) server_.put(res::kDeployments, make_obj(res::kDeployments, "a", "d" + std::to_string(i)));
  server_.break_continue_pages({FakeApiServer::PageFault::kCut});
  ListOptions lo;
  lo.limit = 2;
  int items = 0;
  ApiStatus s = client_->list_each(res::kDeployments, "", lo, [&](json&&) { ++items; });
  EXPECT_EQ(items, 2);  // the first page
  EXPECT_EQ(s.reason(), "TransportError");
  EXPECT_THAT(s.message(), HasSubstr("GET /apis/apps/v1/deployments?limit=2&continue="));
  EXPECT_THAT(s.message(), ::testing::MatchesRegex(".*: the response from http://127\\.0\\.0\\.1:[0-9]+ broke after "
                                                   "[0-9]+ bytes of its body \\(.+\\)"));
  ListResult all;  // the shared connection serves the next request
  ASSERT_TRUE(client_->list(res::kDeployments, "", &all, 2).ok());
  EXPECT_EQ(all.items.size(), 4u);
}

TEST_F(ClientTest, AListPageSlowerThanItsDeadlineIsAbandoned) {
  for (int i = 0; i < 10; ++i) {
    json d = make_obj(res::kDeployments, "a", "d" + std::to_string(i));
    d["metadata"]["annotations"] = {{"note", std::string(1024, 'x')}};
    server_.put(res::kDeployments, d);
  }
  // Five objects of 1 KiB in 64-byte pieces every 20 ms: about 1.7 s.
  server_.break_continue_pages({FakeApiServer::PageFault::kDrip}, std::chrono::milliseconds(20));
  ListOptions lo;
  lo.limit = 5;
  lo.page_deadline = std::chrono::milliseconds(150);
  int items = 0;
  ApiStatus s = client_->list_each(res::kDeployments, "", lo, [&](json&&) { ++items; });
  EXPECT_EQ(items, 5);
  EXPECT_EQ(s.reason(), "Timeout");
  EXPECT_THAT(s.message(), ::testing::MatchesRegex("GET /apis/apps/v1/deployments\\?limit=5&continue=.*: the response "
                                                   "from .* did not arrive whole within 150 ms \\([0-9]+ bytes "
                                                   "received\\); abandoned"));
  ListResult all;
  ASSERT_TRUE(client_->list(res::kDeployments, "", &all, 5).ok());
  EXPECT_EQ(all.items.size(), 10u);
}

TEST_F(ClientTest, AnExpiredContinueTokenRestartsTheListOnce) {
  for (int i = 0; i < 6; ++i) server_.put(res::kDeployments, make_obj(res::kDeployments, "a", "d" + std::to_string(i)));
  ListOptions opts;
  opts.limit = 2;
  int restarts = 0;
  std::vector<std::string> names;
  opts.on_restart = [&] {
    ++restarts;
    names.clear();
  };
  ApiStatus s = client_->list_each(res::kDeployments, "a", opts, [&](json&& item) {
    names.push_back(item["metadata"]["name"]);
    if (names.size() == 2 && restarts == 0) {  // after the first page: the server forgets the list's version
      server_.del(res::kDeployments, "a", "d0");
      server_.compact();
    }
  });
  ASSERT_TRUE(s.ok()) << s.message();
  EXPECT_EQ(restarts, 1);
  EXPECT_EQ(names, (std::vector<std::string>{"d1", "d2", "d3", "d4", "d5"}));
}

TEST_F(ClientTest, AWatchEventLargerThanTheBoundEndsTheWatchWithAnError) {
  std::string rv = server_.put(res::kDeployments, make_obj(res::kDeployments, "a", "web"));
  server_.put(res::kDeployments, big_deployment("a", "vast", 8 * 1024));
  WatchOptions wo;
  wo.resource_version = rv;
  wo.max_event_bytes = 4 * 1024;
  wo.timeout_seconds = 10;
  int events = 0;
  ApiStatus s = client_->watch(res::kDeployments, "a", wo, [&](const WatchEvent&) {
    ++events;
    return true;
  });
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.reason(), "TooLarge");
  EXPECT_THAT(s.message(), HasSubstr("WATCH /apis/apps/v1/namespaces/a/deployments?watch=1&resourceVersion=" + rv));
  EXPECT_THAT(s.message(), HasSubstr(": an event is larger than the 4 KiB bound"));
  EXPECT_EQ(events, 0);
}

// A watch line whose "type" is not a string ends the watch with an error
// naming the line (it threw out of the client, ending serve or reconcile;
// found by fuzzing).
TEST(ClientWatch, AnEventTypeThatIsNotAStringIsABadLineNotAThrow) {
  httplib::Server api;
  api.Get(".*", [](const httplib::Request&, httplib::Response& res) {
    res.set_content("{\"type\":1,\"object\":{}}\n", "application/json");
  });
  const int port = api.bind_to_any_port("127.0.0.1");
  ASSERT_GT(port, 0);
  std::thread t([&] { api.listen_after_bind(); });
  Config c;
  c.source = "test";
  c.server = "http://127.0.0.1:" + std::to_string(port);
  std::unique_ptr<Client> client;
  ASSERT_TRUE(Client::Create(c, &client).ok());
  WatchOptions wo;
  wo.timeout_seconds = 5;
  int events = 0;
  ApiStatus s = client->watch(res::kDeployments, "a", wo, [&](const WatchEvent&) {
    ++events;
    return true;
  });
  api.stop();
  t.join();
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.reason(), "InvalidResponse");
  EXPECT_THAT(s.message(), HasSubstr("not a watch event: {\"type\":1,\"object\":{}}"));
  EXPECT_EQ(events, 0);
}

// A watch against a server whose every response is `body`: the status and
// the types of the events delivered.
ApiStatus watch_body(const std::string& body, std::vector<std::string>* types) {
  httplib::Server api;
  api.Get(".*", [&](const httplib::Request&, httplib::Response& res) { res.set_content(body, "application/json"); });
  const int port = api.bind_to_any_port("127.0.0.1");
  if (port <= 0) return ApiStatus::Error(0, "Test", "cannot bind");
  std::thread t([&] { api.listen_after_bind(); });
  Config c;
  c.source = "test";
  c.server = "http://127.0.0.1:" + std::to_string(port);
  std::unique_ptr<Client> client;
  ApiStatus s = ApiStatus::Error(0, "Test", "no client");
  if (Client::Create(c, &client).ok()) {
    WatchOptions wo;
    wo.timeout_seconds = 5;
    s = client->watch(res::kDeployments, "a", wo, [&](const WatchEvent& ev) {
      types->push_back(ev.type);
      return true;
    });
  }
  api.stop();
  t.join();
  return s;
}

// An ERROR event whose Status has a code that is not a number ends the watch
// with an error (the informer's read of the code would throw).
TEST(ClientWatch, AnErrorEventWhoseCodeIsNotANumberIsABadLine) {
  std::vector<std::string> types;
  ApiStatus s = watch_body("{\"type\":\"BOOKMARK\",\"object\":{}}\n"
                           "{\"type\":\"ERROR\",\"object\":{\"kind\":\"Status\",\"code\":\"410\"}}\n",
                           &types);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.reason(), "InvalidResponse");
  EXPECT_THAT(s.message(), HasSubstr("(event 2, at byte 32: the Status of an ERROR event has a \"code\" that is not "
                                     "a 32-bit integer)"));
  EXPECT_EQ(types, (std::vector<std::string>{"BOOKMARK"}));
}

TEST(ClientWatch, AnUnknownEventTypeEndsTheWatchWithAnError) {
  std::vector<std::string> types;
  ApiStatus s = watch_body("{\"type\":\"SYNCED\",\"object\":{}}\n", &types);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.reason(), "InvalidResponse");
  EXPECT_THAT(s.message(), HasSubstr("unknown type \"SYNCED\""));
  EXPECT_TRUE(types.empty());
}

// A stream cut inside its last event ends the watch normally without that
// event; the informer's next watch, from the last version it saw, gets it.
TEST(ClientWatch, AFinalEventCutBeforeItsNewlineIsDropped) {
  std::vector<std::string> types;
  ApiStatus s = watch_body("{\"type\":\"ADDED\",\"object\":{}}\n{\"type\":\"MODIFIED\",\"object\":{}}", &types);
  EXPECT_TRUE(s.ok()) << s.message();
  EXPECT_EQ(types, (std::vector<std::string>{"ADDED"}));
}

TEST_F(ClientTest, WatchStreamsEventsUntilTheServerEndsIt) {
  std::string rv = server_.put(res::kDeployments, make_obj(res::kDeployments, "a", "web"));
  std::vector<std::string> seen;
  std::mutex mu;
  std::thread t([&] {
    WatchOptions wo;
    wo.resource_version = rv;
    ApiStatus s = client_->watch(res::kDeployments, "", wo, [&](const WatchEvent& ev) {
      std::lock_guard<std::mutex> lock(mu);
      seen.push_back(ev.type + ":" + ev.object["metadata"].value("name", "") + ":" +
                     ev.object["metadata"].value("resourceVersion", ""));
      return true;
    });
    EXPECT_TRUE(s.ok()) << s.message();
  });
  ASSERT_TRUE(test::eventually([&] { return server_.open_watches() == 1; }));
  std::string rv2 = server_.put(res::kDeployments, make_obj(res::kDeployments, "a", "api"));
  std::string rv3 = server_.put(res::kDeployments, make_obj(res::kDeployments, "a", "web", {{"replicas", 3}}));
  server_.bookmark(res::kDeployments);
  server_.del(res::kDeployments, "a", "api");
  ASSERT_TRUE(test::eventually([&] {
    std::lock_guard<std::mutex> lock(mu);
    return seen.size() == 4;
  }));
  server_.end_watches();
  t.join();
  long long rv4 = server_.resource_version();
  EXPECT_EQ(seen, (std::vector<std::string>{"ADDED:api:" + rv2, "MODIFIED:web:" + rv3, "BOOKMARK::" + rv3,
                                            "DELETED:api:" + std::to_string(rv4)}));
  EXPECT_EQ(server_.last_param("allowWatchBookmarks"), "true");
  EXPECT_EQ(server_.last_param("resourceVersion"), rv);
  EXPECT_EQ(server_.last_param("timeoutSeconds"), "300");
}

TEST_F(ClientTest, AStreamCutInsideAnEventIsATransportErrorThatSaysSo) {
  std::string rv = server_.put(res::kDeployments, make_obj(res::kDeployments, "a", "web"));
  std::atomic<int> seen{0};
  ApiStatus s;
  std::thread t([&] {
    WatchOptions wo;
    wo.resource_version = rv;
    s = client_->watch(res::kDeployments, "", wo, [&](const WatchEvent&) {
      ++seen;
      return true;
    });
  });
  ASSERT_TRUE(test::eventually([&] { return server_.open_watches() == 1; }));
  server_.put(res::kDeployments, make_obj(res::kDeployments, "a", "one"));
  ASSERT_TRUE(test::eventually([&] { return seen == 1; }));
  server_.cut_watches(res::kDeployments);
  server_.put(res::kDeployments, make_obj(res::kDeployments, "a", "two"));
  t.join();
  EXPECT_EQ(seen, 1);  // the half event is not handed out
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(s.reason(), "TransportError");
  EXPECT_THAT(s.message(), HasSubstr("/apis/apps/v1/deployments?watch=1"));
  EXPECT_THAT(s.message(), HasSubstr(": the stream from " + server_.url() + " broke after 1 event ("));
  EXPECT_THAT(s.message(), ::testing::MatchesRegex(".*; the first [0-9]+ bytes of the next event were dropped"));
}

TEST_F(ClientTest, WatchFromACompactedVersionGetsError410) {
  std::string rv = server_.put(res::kDeployments, make_obj(res::kDeployments, "a", "web"));
  server_.put(res::kDeployments, make_obj(res::kDeployments, "a", "web2"));
  server_.compact();
  WatchOptions wo;
  wo.resource_version = rv;
  std::vector<WatchEvent> events;
  ApiStatus s = client_->watch(res::kDeployments, "", wo, [&](const WatchEvent& ev) {
    events.push_back(ev);
    return true;
  });
  EXPECT_TRUE(s.ok()) << s.message();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].type, "ERROR");
  EXPECT_EQ(events[0].object["code"], 410);

  server_.set_http_gone_on_watch(true);
  s = client_->watch(res::kDeployments, "", wo, [&](const WatchEvent&) { return true; });
  EXPECT_TRUE(s.gone());
  EXPECT_THAT(s.message(), HasSubstr("HTTP 410 Gone: too old resource version"));
}

TEST_F(ClientTest, WatchCancelReturnsPromptly) {
  Cancel cancel;
  auto started = std::chrono::steady_clock::now();
  std::thread t([&] {
    WatchOptions wo;
    wo.resource_version = std::to_string(server_.resource_version());
    ApiStatus s = client_->watch(res::kDeployments, "", wo, [](const WatchEvent&) { return true; }, &cancel);
    EXPECT_TRUE(s.ok()) << s.message();
  });
  ASSERT_TRUE(test::eventually([&] { return server_.open_watches() == 1; }));
  cancel.cancel();
  t.join();
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(3));
}

TEST_F(ClientTest, ServerSideApplyStoresTheObject) {
  json obj = make_obj(res::kDeployments, "a", "web", {{"replicas", 4}});
  json out;
  ApiStatus s = client_->apply(res::kDeployments, "a", obj, /*force=*/true, &out);
  ASSERT_TRUE(s.ok()) << s.message();
  EXPECT_EQ(s.code(), 201);
  EXPECT_EQ(server_.last_content_type(), "application/apply-patch+yaml");
  EXPECT_EQ(server_.last_param("fieldManager"), "rollout-guard");
  EXPECT_EQ(server_.last_param("force"), "true");
  EXPECT_EQ(server_.object(res::kDeployments, "a", "web").value()["spec"]["replicas"], 4);
  EXPECT_FALSE(out["metadata"].value("resourceVersion", "").empty());

  obj["spec"]["replicas"] = 5;
  s = client_->apply(res::kDeployments, "a", obj, /*force=*/false, &out);
  ASSERT_TRUE(s.ok()) << s.message();
  EXPECT_EQ(s.code(), 200);
  EXPECT_EQ(server_.last_param("force"), "");
  EXPECT_EQ(server_.object(res::kDeployments, "a", "web").value()["spec"]["replicas"], 5);

  s = client_->apply(res::kDeployments, "a", json{{"kind", "Deployment"}}, true);
  EXPECT_THAT(s.message(), HasSubstr("no metadata.name"));
}

TEST_F(ClientTest, LeaseCreateUpdateAndConflict) {
  Lease l;
  l.ns = "rg";
  l.name = "rollout-guard-reconciler";
  l.holder = "pod-a";
  l.lease_duration_seconds = 15;
  l.acquire_time = l.renew_time = micro_time_now();
  Lease created;
  ApiStatus s = client_->create_lease(l, &created);
  ASSERT_TRUE(s.ok()) << s.message();
  EXPECT_EQ(created.holder, "pod-a");
  EXPECT_FALSE(created.resource_version.empty());
  EXPECT_TRUE(client_->create_lease(l, nullptr).conflict());  // AlreadyExists is 409 too

  Lease got;
  ASSERT_TRUE(client_->get_lease("rg", l.name, &got).ok());
  EXPECT_EQ(got.lease_duration_seconds, 15);
  EXPECT_EQ(got.renew_time, l.renew_time);

  // Two candidates read the same version; the second write loses.
  Lease a = got, b = got;
  a.renew_time = micro_time_now();
  b.holder = "pod-b";
  b.transitions = got.transitions + 1;
  Lease after_a;
  ASSERT_TRUE(client_->update_lease(a, &after_a).ok());
  s = client_->update_lease(b, nullptr);
  EXPECT_TRUE(s.conflict());
  EXPECT_THAT(s.message(), HasSubstr("PUT /apis/coordination.k8s.io/v1/namespaces/rg/leases/rollout-guard-reconciler: HTTP 409 Conflict: "
                                     "Operation cannot be fulfilled"));
  // Re-read and retry succeeds.
  ASSERT_TRUE(client_->get_lease("rg", l.name, &got).ok());
  EXPECT_EQ(got.resource_version, after_a.resource_version);
  b.resource_version = got.resource_version;
  ASSERT_TRUE(client_->update_lease(b, &got).ok());
  EXPECT_EQ(got.holder, "pod-b");
  EXPECT_EQ(got.transitions, 1);
}

TEST_F(ClientTest, CreateEvent) {
  EventRecord ev;
  ev.regarding = {{"apiVersion", "apps/v1"}, {"kind", "Deployment"}, {"namespace", "a"}, {"name", "web"}, {"uid", "u1"}};
  ev.type = "Warning";
  ev.reason = "PolicyViolation";
  ev.action = "Audit";
  ev.note = "replicas/multiple-owners: two autoscalers target Deployment a/web";
  ApiStatus s = client_->create_event("a", ev);
  ASSERT_TRUE(s.ok()) << s.message();
  ListResult lr;
  ASSERT_TRUE(client_->list(res::kEvents, "a", &lr).ok());
  ASSERT_EQ(lr.items.size(), 1u);
  const json& e = lr.items[0];
  EXPECT_EQ(e["reason"], "PolicyViolation");
  EXPECT_EQ(e["type"], "Warning");
  EXPECT_EQ(e["regarding"]["name"], "web");
  EXPECT_EQ(e["reportingController"], "rollout-guard.io/reconciler");
  EXPECT_THAT(e["metadata"]["name"].get<std::string>(), ::testing::StartsWith("web."));
  EXPECT_EQ(e["eventTime"].get<std::string>().size(), std::string("2026-11-24T01:24:56.123456Z").size());
}

TEST_F(ClientTest, RotatedTokenFileIsUsed) {
  test::TempDir dir;
  std::string tok = dir.write("token", "test-token");
  Config c;
  c.server = server_.url();
  c.token_file = std::make_shared<TokenFile>(tok, std::chrono::milliseconds(0));
  std::unique_ptr<Client> cl;
  ASSERT_TRUE(Client::Create(c, &cl).ok());
  json out;
  EXPECT_TRUE(cl->get(res::kDeployments, "a", "x", &out).not_found());  // authenticated
  server_.set_token("rotated-token");
  EXPECT_EQ(cl->get(res::kDeployments, "a", "x", &out).code(), 401);
  dir.write("token", "rotated-token");
  EXPECT_TRUE(cl->get(res::kDeployments, "a", "x", &out).not_found());
}

}  // namespace
}  // namespace rg::kube
