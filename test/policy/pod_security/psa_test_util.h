// Helpers for the pod-security tests: reading a fixture's YAML, wrapping a pod
// into a Rollout template, and evaluating only the pod-security rules.
#pragma once

#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "manifests/documents.h"
#include "policy/catalog.h"
#include "policy/inventory.h"
#include "policy/policy.h"

namespace rg::test::psa {

// One YAML document as kubectl would send it (the CLI's reader); a parse
// error fails the calling test with the reader's "file:line:col" message.
inline json parse_yaml(const std::string& text, const std::string& file = "fixture.yaml") {
  json out;
  std::string error;
  if (!parse_single_document(text, file, &out, &error)) ADD_FAILURE() << error;
  return out;
}

// A Rollout whose spec.template is the pod's metadata and spec.
inline Object rollout_from_pod(const json& pod, const std::string& name = "catalog") {
  json r = {{"apiVersion", "argoproj.io/v1alpha1"},
            {"kind", "Rollout"},
            {"metadata", {{"name", name}, {"namespace", "default"}}},
            {"spec", {{"replicas", 1}, {"template", json::object()}}}};
  if (pod.contains("metadata")) r["spec"]["template"]["metadata"] = pod["metadata"];
  if (pod.contains("spec")) r["spec"]["template"]["spec"] = pod["spec"];
  return Object{r, {}};
}

inline Policy policy_at(const std::string& level, const std::string& version = "latest") {
  Policy p;
  p.psa_level = level;
  p.psa_version = version;
  return p;
}

// Only the pod-security findings of evaluate().
inline std::vector<Finding> psa_findings(const Object& obj, const Policy& policy,
                                         const Inventory* inventory = nullptr) {
  MemoryInventory empty;
  Context ctx{policy, inventory ? *inventory : empty};
  std::vector<Finding> out;
  for (Finding& f : evaluate(obj, ctx)) {
    if (f.rule.rfind("pod-security/", 0) == 0) out.push_back(std::move(f));
  }
  return out;
}

inline std::vector<std::string> rule_ids(const std::vector<Finding>& fs) {
  std::vector<std::string> ids;
  for (const Finding& f : fs) ids.push_back(f.rule);
  return ids;
}

}  // namespace rg::test::psa
