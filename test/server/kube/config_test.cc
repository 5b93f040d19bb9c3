#include "server/kube/config.h"

#include <cstdlib>
#include <thread>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "test/server/kube/test_util.h"

namespace rg::kube {
namespace {

using ::rg::test::TempDir;
using ::testing::HasSubstr;

// "hello" / a fake PEM header, base64.
constexpr const char* kCaB64 = "LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCg==";  // "-----BEGIN CERTIFICATE-----\n"

std::string kubeconfig(const std::string& user_block, const std::string& cluster_extra = "") {
  return "apiVersion: v1\n"
         "kind: Config\n"
         "current-context: dev\n"
         "contexts:\n"
         "- name: dev\n"
         "  context: {cluster: c1, user: u1, namespace: team-a}\n"
         "- name: other\n"
         "  context: {cluster: c2, user: u1}\n"
         "clusters:\n"
         "- name: c1\n"
         "  cluster:\n"
         "    server: https://10.0.0.1:6443/\n"
         "    certificate-authority-data: " + std::string(kCaB64) + "\n" + cluster_extra +
         "- name: c2\n"
         "  cluster:\n"
         "    server: http://127.0.0.1:8080\n"
         "    insecure-skip-tls-verify: true\n"
         "users:\n"
         "- name: u1\n"
         "  user:\n" + user_block;
}

TEST(Kubeconfig, CurrentContextTokenAndCaData) {
  TempDir dir;
  std::string p = dir.write("config", kubeconfig("    token: abc123\n"));
  Config c;
  Status s = load_kubeconfig({p}, "", &c);
  ASSERT_TRUE(s.ok()) << s.message();
  EXPECT_EQ(c.server, "https://10.0.0.1:6443");
  EXPECT_EQ(c.bearer_token(), "abc123");
  EXPECT_EQ(c.ca_pem, "-----BEGIN CERTIFICATE-----\n");
  EXPECT_EQ(c.default_namespace, "team-a");
  EXPECT_FALSE(c.insecure_skip_tls_verify);
  EXPECT_THAT(c.source, HasSubstr("context dev"));
}

TEST(Kubeconfig, NamedContextAndInsecure) {
  TempDir dir;
  std::string p = dir.write("config", kubeconfig("    token: abc123\n"));
  Config c;
  ASSERT_TRUE(load_kubeconfig({p}, "other", &c).ok());
  EXPECT_EQ(c.server, "http://127.0.0.1:8080");
  EXPECT_TRUE(c.insecure_skip_tls_verify);
  EXPECT_EQ(c.default_namespace, "default");
}

TEST(Kubeconfig, ClientCertificateFilesAreRelativeToTheKubeconfig) {
  TempDir dir;
  std::string p = dir.write("config", kubeconfig("    client-certificate: certs/me.crt\n    client-key: /abs/me.key\n"));
  Config c;
  ASSERT_TRUE(load_kubeconfig({p}, "", &c).ok());
  EXPECT_EQ(c.client_cert_file, dir.path() + "/certs/me.crt");
  EXPECT_EQ(c.client_key_file, "/abs/me.key");
}

TEST(Kubeconfig, ClientCertificateData) {
  TempDir dir;
  std::string p = dir.write("config", kubeconfig("    client-certificate-data: aGVsbG8=\n    client-key-data: d29ybGQ=\n"));
  Config c;
  ASSERT_TRUE(load_kubeconfig({p}, "", &c).ok());
  EXPECT_EQ(c.client_cert_pem, "hello");
  EXPECT_EQ(c.client_key_pem, "world");
}

TEST(Kubeconfig, TokenFileIsReadAndReRead) {
  TempDir dir;
  dir.write("tok", "first\n");
  std::string p = dir.write("config", kubeconfig("    tokenFile: tok\n"));
  Config c;
  ASSERT_TRUE(load_kubeconfig({p}, "", &c).ok());
  ASSERT_TRUE(c.token_file);
  EXPECT_EQ(c.bearer_token(), "first");
}

// kubectl reads a kubeconfig as YAML 1.1 (sigs.k8s.io/yaml): `yes` is a
// boolean, and a bare number is not a string.
TEST(Kubeconfig, ScalarsMeanWhatKubectlReads) {
  TempDir dir;
  std::string p = dir.write("config", kubeconfig("    token: abc123\n", "    insecure-skip-tls-verify: yes\n"));
  Config c;
  ASSERT_TRUE(load_kubeconfig({p}, "", &c).ok());
  EXPECT_TRUE(c.insecure_skip_tls_verify);
  p = dir.write("config", kubeconfig("    token: 12345\n"));
  EXPECT_THAT(load_kubeconfig({p}, "", &c).message(), HasSubstr("users[u1].user: token must be a string (quote it)"));
  p = dir.write("config", kubeconfig("    token: '12345'\n"));
  ASSERT_TRUE(load_kubeconfig({p}, "", &c).ok());
  EXPECT_EQ(c.bearer_token(), "12345");
}

TEST(Kubeconfig, AnEmptyFileIsAnEmptyConfig) {
  TempDir dir;
  std::string empty = dir.write("empty", "");
  std::string p = dir.write("config", kubeconfig("    token: abc123\n"));
  Config c;
  Status s = load_kubeconfig({empty, p}, "", &c);
  ASSERT_TRUE(s.ok()) << s.message();
  EXPECT_EQ(c.server, "https://10.0.0.1:6443");
  EXPECT_THAT(load_kubeconfig({empty}, "", &c).message(), HasSubstr("current-context is not set"));
}

struct ErrorCase {
  const char* name;
  std::string text;
  const char* context;
  const char* want;  // substring of the message
};

TEST(Kubeconfig, ErrorsNameTheFileAndField) {
  std::vector<ErrorCase> cases = {
      {"bad-base64", kubeconfig("    client-certificate-data: '@@@'\n    client-key-data: d29ybGQ=\n"), "",
       "users[u1].user: client-certificate-data is not valid base64"},
      {"cert-without-key", kubeconfig("    client-certificate: a.crt\n"), "",
       "users[u1].user: client-certificate is set without client-key"},
      {"exec", kubeconfig("    exec: {command: aws}\n"), "", "users[u1].user: exec credential plugins are not supported"},
      {"unknown-context", kubeconfig("    token: x\n"), "nope", "contexts: no context named \"nope\""},
      {"bad-insecure", kubeconfig("    token: x\n", "    insecure-skip-tls-verify: maybe\n"), "",
       "clusters[c1].cluster: insecure-skip-tls-verify must be true or false"},
      {"no-current", "apiVersion: v1\nkind: Config\n", "", "current-context is not set"},
      {"bad-server",
       "current-context: a\ncontexts: [{name: a, context: {cluster: c}}]\nclusters: [{name: c, cluster: {server: ftp://x}}]\n",
       "", "clusters[c].cluster: server \"ftp://x\" must start with https:// or http://"},
      {"missing-cluster", "current-context: a\ncontexts: [{name: a, context: {cluster: gone}}]\n", "",
       "clusters: no cluster named \"gone\""},
      {"invalid-yaml", "current-context: [a\n", "", "config:2:1: "},
      {"context-without-context", "current-context: a\ncontexts: [{name: a, ctx: {cluster: c}}]\n", "",
       "contexts[a].context: must be a mapping"},  // found by kubeconfig_fuzz
      {"cluster-without-cluster",
       "current-context: a\ncontexts: [{name: a, context: {cluster: c}}]\nclusters: [{name: c}]\n", "",
       "clusters[c].cluster: must be a mapping"},
  };
  for (const auto& tc : cases) {
    TempDir dir;
    std::string p = dir.write("config", tc.text);
    Config c;
    Status s = load_kubeconfig({p}, tc.context, &c);
    EXPECT_FALSE(s.ok()) << tc.name;
    EXPECT_THAT(s.message(), HasSubstr(tc.want)) << tc.name;
    EXPECT_THAT(s.message(), HasSubstr(p)) << tc.name;
  }
}

TEST(Kubeconfig, MergedFilesFirstValueWins) {
  TempDir dir;
  std::string a = dir.write("a", "current-context: dev\n");
  std::string b = dir.write("b", kubeconfig("    token: from-b\n"));
  Config c;
  Status s = load_kubeconfig({dir.path() + "/missing", a, b}, "", &c);
  ASSERT_TRUE(s.ok()) << s.message();
  EXPECT_EQ(c.bearer_token(), "from-b");
}

TEST(Kubeconfig, NoFile) {
  Config c;
  Status s = load_kubeconfig({"/nonexistent/kubeconfig"}, "", &c);
  EXPECT_THAT(s.message(), HasSubstr("no file found"));
  s = load_config("/nonexistent/kubeconfig", "", &c);
  EXPECT_THAT(s.message(), HasSubstr("--kubeconfig /nonexistent/kubeconfig: file not found"));
}

class InCluster : public ::testing::Test {
 protected:
  void SetUp() override {
    setenv("KUBERNETES_SERVICE_HOST", "10.96.0.1", 1);
    setenv("KUBERNETES_SERVICE_PORT", "443", 1);
    paths_.token = dir_.write("token", "tok-1\n");
    paths_.ca = dir_.write("ca.crt", "-----BEGIN CERTIFICATE-----\n");
    paths_.ns = dir_.write("namespace", "rollout-guard");
  }
  void TearDown() override {
    unsetenv("KUBERNETES_SERVICE_HOST");
    unsetenv("KUBERNETES_SERVICE_PORT");
  }
  TempDir dir_;
  InClusterPaths paths_;
};

TEST_F(InCluster, ReadsEnvironmentAndServiceAccount) {
  Config c;
  Status s = load_in_cluster_config(&c, paths_);
  ASSERT_TRUE(s.ok()) << s.message();
  EXPECT_EQ(c.server, "https://10.96.0.1:443");
  EXPECT_EQ(c.ca_file, paths_.ca);
  EXPECT_EQ(c.default_namespace, "rollout-guard");
  EXPECT_EQ(c.bearer_token(), "tok-1");
  EXPECT_EQ(c.source, "in-cluster");
}

TEST_F(InCluster, TokenIsReReadWhenTheFileChanges) {
  Config c;
  ASSERT_TRUE(load_in_cluster_config(&c, paths_).ok());
  c.token_file = std::make_shared<TokenFile>(paths_.token, std::chrono::milliseconds(0));
  EXPECT_EQ(c.bearer_token(), "tok-1");
  dir_.write("token", "tok-2-rotated\n");  // a different size, so a change even within one mtime tick
  EXPECT_EQ(c.bearer_token(), "tok-2-rotated");
  // A vanished file keeps the last good token and reports the error.
  std::filesystem::remove(paths_.token);
  std::string err;
  EXPECT_EQ(c.token_file->token(&err), "tok-2-rotated");
  EXPECT_THAT(err, HasSubstr(paths_.token));
}

TEST_F(InCluster, Errors) {
  Config c;
  InClusterPaths bad = paths_;
  bad.token = dir_.path() + "/missing-token";
  EXPECT_THAT(load_in_cluster_config(&c, bad).message(), HasSubstr("missing-token"));
  bad = paths_;
  bad.ca = dir_.path() + "/missing-ca";
  EXPECT_THAT(load_in_cluster_config(&c, bad).message(), HasSubstr("missing-ca: CA file not found"));
  unsetenv("KUBERNETES_SERVICE_PORT");
  EXPECT_THAT(load_in_cluster_config(&c, paths_).message(), HasSubstr("KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT"));
}

}  // namespace
}  // namespace rg::kube
