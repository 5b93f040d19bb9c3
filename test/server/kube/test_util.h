// Small helpers for the kube tests: bounded polling, temporary files, fake API server clients.
#pragma once

#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "server/kube/client.h"
#include "test/server/kube/fake_apiserver.h"
#include "test/support/eventually.h"
#include "test/support/temp_dir.h"

namespace rg::test {

// A client for the fake server, authenticated with its token.
inline std::unique_ptr<kube::Client> client_for(const FakeApiServer& server, const std::string& token = "test-token") {
  kube::Config c;
  c.server = server.url();
  c.token = token;
  c.source = "test";
  std::unique_ptr<kube::Client> out;
  kube::Client::Create(c, &out);
  return out;
}

inline nlohmann::json make_obj(const kube::Resource& r, const std::string& ns, const std::string& name,
                               nlohmann::json spec = nlohmann::json::object()) {
  nlohmann::json meta = {{"name", name}};
  if (r.namespaced) meta["namespace"] = ns;
  return {{"apiVersion", r.api_version()}, {"kind", std::string(r.kind)}, {"metadata", meta}, {"spec", spec}};
}

// A Validating- or MutatingWebhookConfiguration `name` with one webhook per
// entry of `hooks`, calling Service ns/guard, without a caBundle.
inline nlohmann::json webhook_configuration(const kube::Resource& r, const std::string& name,
                                            const std::vector<std::string>& hooks) {
  nlohmann::json obj = {
      {"apiVersion", r.api_version()}, {"kind", std::string(r.kind)}, {"metadata", {{"name", name}}}};
  obj["webhooks"] = nlohmann::json::array();
  for (const std::string& h : hooks) {
    obj["webhooks"].push_back({{"name", h},
                               {"admissionReviewVersions", {"v1"}},
                               {"sideEffects", "None"},
                               {"clientConfig", {{"service", {{"namespace", "ns"}, {"name", "guard"}}}}}});
  }
  return obj;
}

// A kubeconfig for the fake server: one cluster, a token user, and the
// context's namespace when `ns` is not empty.
inline std::string kubeconfig_for(const FakeApiServer& server, const std::string& token,
                                  const std::string& ns = "") {
  return "apiVersion: v1\nkind: Config\n"
         "clusters:\n- name: fake\n  cluster:\n    server: " + server.url() + "\n"
         "users:\n- name: it\n  user:\n    token: " + token + "\n"
         "contexts:\n- name: fake\n  context:\n    cluster: fake\n    user: it\n" +
         (ns.empty() ? "" : "    namespace: " + ns + "\n") + "current-context: fake\n";
}

}  // namespace rg::test
