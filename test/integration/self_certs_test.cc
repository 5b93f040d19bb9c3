// `rollout-guard serve --certs-secret` end to end: the real binary against
// the in-test API server. It creates the Secret and fills both caBundles,
// becomes ready and answers a client that trusts only the published
// caBundle; a second start reuses the Secret; flags that cannot work
// together are refused with a message naming them.
#include <signal.h>
#include <sys/wait.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <thread>

#include <gtest/gtest.h>
#include <httplib.h>

#include "certs/base64.h"
#include "server/kube/client.h"
#include "test/integration/serve_process.h"
#include "test/server/cli/run_binary.h"
#include "test/server/kube/test_util.h"

namespace rg {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;
using namespace std::chrono_literals;
namespace res = kube::resources;

class SelfCertsServe : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const kube::Resource* r :
         {&res::kSecrets, &res::kValidatingWebhookConfigurations, &res::kMutatingWebhookConfigurations, &res::kLeases})
      api_.serve(*r);
    api_.put(res::kValidatingWebhookConfigurations,
             test::webhook_configuration(res::kValidatingWebhookConfigurations, "guard", {"validate.rollout-guard.io"}));
    api_.put(res::kMutatingWebhookConfigurations,
             test::webhook_configuration(res::kMutatingWebhookConfigurations, "guard", {"mutate.rollout-guard.io"}));
    dir_ = test::temp_dir("self-certs");
    test::write(dir_ / "kubeconfig", test::kubeconfig_for(api_, "test-token", "ns"));
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::vector<std::string> flags() const {
    return {"--certs-secret", "guard-certs", "--certs-service", "guard", "--certs-validating-webhook", "guard",
            "--certs-mutating-webhook", "guard", "--kubeconfig", (dir_ / "kubeconfig").string(),
            "--certs-sync-period", "200ms", "--drain-delay", "0s", "--log-level", "info"};
  }
  // The CA bundle of the ValidatingWebhookConfiguration, written to a file
  // for the client; "" while there is none.
  std::string published_ca() {
    json c = api_.object(res::kValidatingWebhookConfigurations, "", "guard").value_or(json());
    std::string pem;
    if (!c.is_object() || !base64_decode(c["webhooks"][0]["clientConfig"].value("caBundle", ""), &pem) || pem.empty())
      return "";
    const fs::path f = dir_ / "published-ca.crt";
    test::write(f, pem);
    return f.string();
  }
  bool wait_ready(int port) {
    for (int i = 0; i < 500; ++i) {
      const std::string ca = published_ca();
      if (!ca.empty()) {
        auto c = test::client(port, ca);
        if (auto r = c->Get("/readyz"); r && r->status == 200) return true;
      }
      std::this_thread::sleep_for(20ms);
    }
    return false;
  }

  test::FakeApiServer api_;
  fs::path dir_;
};

TEST_F(SelfCertsServe, CreatesTheSecretPublishesTheCaAndServesFromIt) {
  std::string rv;
  {
    test::Server server(dir_, flags());
    ASSERT_TRUE(wait_ready(server.port())) << server.log();
    std::optional<json> secret = api_.object(res::kSecrets, "ns", "guard-certs");
    ASSERT_TRUE(secret.has_value());
    EXPECT_EQ((*secret)["type"], "kubernetes.io/tls");
    for (const char* key : {"ca.crt", "ca.key", "tls.crt", "tls.key"}) EXPECT_TRUE((*secret)["data"].contains(key));
    json m = api_.object(res::kMutatingWebhookConfigurations, "", "guard").value();
    EXPECT_EQ(m["webhooks"][0]["clientConfig"]["caBundle"], (*secret)["data"]["ca.crt"]);
    rv = (*secret)["metadata"]["resourceVersion"];
    // The apiserver's view: a review over TLS verified by the published bundle.
    auto c = test::client(server.port(), published_ca());
    auto r = c->Get("/healthz");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200);
    const std::string log = server.log();
    EXPECT_NE(log.find("self-managed certificates"), std::string::npos) << log;
    EXPECT_NE(log.find("certificate Secret created"), std::string::npos) << log;
    EXPECT_NE(log.find("serving certificate loaded from Secret"), std::string::npos) << log;
    kill(server.pid(), SIGTERM);
    EXPECT_EQ(server.wait_exit(10s), 0) << server.log();
  }
  // A restart serves the same Secret and writes nothing.
  test::Server again(dir_, flags());
  ASSERT_TRUE(wait_ready(again.port())) << again.log();
  EXPECT_EQ(api_.object(res::kSecrets, "ns", "guard-certs").value()["metadata"]["resourceVersion"], rv);
  EXPECT_EQ(again.log().find("certificate Secret created"), std::string::npos) << again.log();
}

TEST(SelfCertsFlags, FlagsThatCannotWorkTogetherAreRefused) {
  // {exit code, stderr} of `serve --listen 127.0.0.1:0 ARGS...`.
  auto run = [](std::vector<std::string> args) {
    args.insert(args.begin(), {"serve", "--listen", "127.0.0.1:0"});
    test::RunResult r = test::run_binary(args, "", 30);
    return std::make_pair(r.code, r.err);
  };
  auto [c1, o1] = run({"--certs-secret", "s", "--certs-service", "svc", "--dev-self-signed"});
  EXPECT_EQ(c1, 2);
  EXPECT_NE(o1.find("--certs-secret excludes --dev-self-signed and --tls-cert-file/--tls-private-key-file"),
            std::string::npos)
      << o1;
  auto [c2, o2] = run({"--certs-secret", "s"});
  EXPECT_EQ(c2, 2);
  EXPECT_NE(o2.find("--certs-secret needs --certs-service (or --dns-name)"), std::string::npos) << o2;
  auto [c3, o3] = run({"--dev-self-signed", "--certs-service", "svc"});
  EXPECT_EQ(c3, 2);
  EXPECT_NE(o3.find("the --certs-* flags need --certs-secret"), std::string::npos) << o3;
  auto [c4, o4] = run({"--certs-secret", "s", "--certs-service", "svc", "--certs-validity", "2h", "--certs-ca-validity", "1h"});
  EXPECT_EQ(c4, 2);
  EXPECT_NE(o4.find("--certs-validity must not exceed --certs-ca-validity"), std::string::npos) << o4;
  auto [c5, o5] = run({"--certs-secret", "s", "--certs-service", "svc", "--certs-overlap", "soon"});
  EXPECT_EQ(c5, 2);
  EXPECT_NE(o5.find("--certs-overlap: \"soon\" is not a duration"), std::string::npos) << o5;
  auto [c6, o6] = run({"--certs-secret", "s", "--certs-service", "svc", "--kubeconfig", "/nonexistent/kubeconfig"});
  EXPECT_EQ(c6, 2);
  EXPECT_NE(o6.find("/nonexistent/kubeconfig"), std::string::npos) << o6;
}

}  // namespace
}  // namespace rg
