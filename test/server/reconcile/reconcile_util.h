// Shared by the reconciler tests: the Bookstore sample as API objects, an
// in-test API server serving every resource the reconciler touches, and
// report accessors.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "manifests/documents.h"
#include "server/kube/cache.h"
#include "server/reconcile/report.h"
#include "test/server/kube/test_util.h"
#include "test/support/conformance.h"

namespace rg::test {

using nlohmann::json;

// The Bookstore sample's Rollout, AnalysisTemplates and HPA, moved to `ns`.
inline std::vector<json> bookstore(const std::string& ns) {
  std::vector<json> out;
  for (const char* f : {"rollout.yaml", "analysis-templates.yaml", "hpa.yaml"}) {
    std::string path = source_dir() + "/samples/bookstore/" + f;
    auto r = load_documents(read_file(path), path);
    for (auto& o : r.objects) {
      o.doc["metadata"]["namespace"] = ns;
      out.push_back(o.doc);
    }
  }
  return out;
}

inline json find_kind(const std::vector<json>& docs, const std::string& kind, const std::string& name = "") {
  for (const json& d : docs) {
    if (d.value("kind", "") == kind && (name.empty() || d["metadata"].value("name", "") == name)) return d;
  }
  return json();
}

inline const kube::Resource& resource_of(const json& obj) {
  static const std::vector<kube::Resource> all = kube::inventory_resources();
  for (const kube::Resource& r : all) {
    if (r.kind == obj.value("kind", "")) return r;
  }
  throw std::runtime_error("no resource for kind " + obj.value("kind", ""));
}

// Serves every resource the reconciler reads or writes.
inline void serve_all(FakeApiServer& server) {
  for (const kube::Resource& r : kube::inventory_resources()) server.serve(r);
  server.serve(reconcile::resources::kPolicyReports);
  server.serve(reconcile::resources::kClusterPolicyReports);
  server.serve(kube::resources::kEvents);
  server.serve(kube::resources::kLeases);
}

inline void put_all(FakeApiServer& server, const std::vector<json>& docs) {
  for (const json& d : docs) server.put(resource_of(d), d);
}

// The report of `ns` ("" = the ClusterPolicyReport); null when absent.
inline json report(FakeApiServer& server, const std::string& ns, const std::string& name = "rollout-guard") {
  auto r = server.object(reconcile::report_resource(ns), ns, name);
  return r ? *r : json();
}

// Rule ids of a report's results for one object ("" = any), in report order.
inline std::vector<std::string> rules_of(const json& report, const std::string& kind = "", const std::string& name = "") {
  std::vector<std::string> out;
  if (!report.is_object()) return out;
  for (const json& r : report["results"]) {
    const json& res = r["resources"][0];
    if (!kind.empty() && res.value("kind", "") != kind) continue;
    if (!name.empty() && res.value("name", "") != name) continue;
    out.push_back(r.value("rule", ""));
  }
  return out;
}

inline bool has_rule(const json& report, const std::string& rule, const std::string& kind = "",
                     const std::string& name = "") {
  for (const std::string& r : rules_of(report, kind, name)) {
    if (r == rule) return true;
  }
  return false;
}

// Events about `name` with reason PolicyViolation.
inline std::vector<json> violation_events(FakeApiServer& server, const std::string& name = "") {
  std::vector<json> out;
  for (const json& e : server.objects(kube::resources::kEvents)) {
    if (e.value("reason", "") != "PolicyViolation") continue;
    if (!name.empty() && e["regarding"].value("name", "") != name) continue;
    out.push_back(e);
  }
  return out;
}

}  // namespace rg::test
