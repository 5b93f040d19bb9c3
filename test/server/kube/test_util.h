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

}  // namespace rg::test
