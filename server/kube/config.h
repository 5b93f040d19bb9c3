// Where the API server is and how to authenticate to it.
//
// Two sources, as kubectl and client-go read them:
// - in-cluster: KUBERNETES_SERVICE_HOST/PORT, the service account token file
//   (re-read whenever it changes: the kubelet rotates it) and CA file;
// - kubeconfig: an explicit path (--kubeconfig), else KUBECONFIG (a ':'
//   separated list; the first file that sets a value wins, as in kubectl),
//   else ~/.kube/config. The current context (or a named one) selects the
//   cluster and user. Supported: server (http or https), token / tokenFile,
//   client-certificate(-data), client-key(-data), certificate-authority(-data),
//   insecure-skip-tls-verify. Relative paths are relative to the kubeconfig's
//   folder. exec/auth-provider plugins are not supported and say so.
// Errors name the file and the field ("~/.kube/config: users[admin].user:
// client-key-data is not valid base64").
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "policy/status.h"

namespace rg::kube {

// A bearer token read from a file and re-read when the file changes (size or
// modification time), checked at most once per `recheck`. Thread-safe.
class TokenFile {
 public:
  explicit TokenFile(std::string path, std::chrono::milliseconds recheck = std::chrono::seconds(1));
  // The current token (trimmed); on a read error keeps the last good token
  // and sets *error (when non-null).
  std::string token(std::string* error = nullptr);
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  std::chrono::milliseconds recheck_;
  std::mutex mu_;
  std::string token_;
  std::filesystem::file_time_type mtime_{};
  std::uintmax_t size_ = 0;
  bool loaded_ = false;
  std::chrono::steady_clock::time_point checked_{};
};

struct Config {
  std::string server;  // "https://10.96.0.1:443", "http://127.0.0.1:8080"
  // Authentication: a static token, or a token file (re-read on change).
  std::string token;
  std::shared_ptr<TokenFile> token_file;
  // TLS. PEM text; the *_file forms are read at client creation.
  std::string ca_file, ca_pem;
  std::string client_cert_file, client_cert_pem;
  std::string client_key_file, client_key_pem;
  bool insecure_skip_tls_verify = false;
  std::string default_namespace = "default";
  std::string source;  // "in-cluster" or "<kubeconfig path> (context <name>)", for messages
  // Where `server` and the token were set, for messages ("<path>:
  // clusters[kind].cluster: server", "<path>: users[admin].user: token"); ""
  // when they did not come from a kubeconfig.
  std::string server_field, token_field;

  // The bearer token to send now ("" for none).
  std::string bearer_token(std::string* error = nullptr) const;
};

// Paths read by the in-cluster config; tests point them elsewhere.
struct InClusterPaths {
  std::string token = "/var/run/secrets/kubernetes.io/serviceaccount/token";
  std::string ca = "/var/run/secrets/kubernetes.io/serviceaccount/ca.crt";
  std::string ns = "/var/run/secrets/kubernetes.io/serviceaccount/namespace";
};

// In-cluster config from the environment and the service account files.
// Errors when KUBERNETES_SERVICE_HOST/PORT are unset or the token is unreadable.
Status load_in_cluster_config(Config* out, const InClusterPaths& paths = {});

// One or more kubeconfig files (merged, first wins); `context` "" means
// current-context.
Status load_kubeconfig(const std::vector<std::string>& files, std::string_view context, Config* out);

// The usual order: `kubeconfig_flag` when set, else KUBECONFIG, else in-cluster
// when KUBERNETES_SERVICE_HOST is set, else ~/.kube/config.
Status load_config(std::string_view kubeconfig_flag, std::string_view context, Config* out);


}  // namespace rg::kube
