// Helpers for the pod-security tests: a small YAML -> json converter (yaml-cpp
// directly, scalars typed as Kubernetes manifests expect), wrapping a pod into
// a Rollout template, and evaluating only the pod-security rules.
#pragma once

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <string>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "policy/catalog.h"
#include "policy/inventory.h"
#include "policy/policy.h"

namespace rg::test::psa {

inline json scalar_to_json(const YAML::Node& n) {
  const std::string& s = n.Scalar();
  if (n.Tag() == "!") return s;  // quoted: always a string
  if (s == "true" || s == "True" || s == "TRUE") return true;
  if (s == "false" || s == "False" || s == "FALSE") return false;
  if (s.empty() || s == "~" || s == "null" || s == "Null" || s == "NULL") return nullptr;
  char* end = nullptr;
  long long i = std::strtoll(s.c_str(), &end, 10);
  if (end != nullptr && *end == '\0' && (std::isdigit(static_cast<unsigned char>(s[0])) || s[0] == '-')) return i;
  double d = std::strtod(s.c_str(), &end);
  if (end != nullptr && *end == '\0' && s.find_first_of("0123456789") != std::string::npos) return d;
  return s;
}

inline json yaml_to_json(const YAML::Node& n) {
  switch (n.Type()) {
    case YAML::NodeType::Map: {
      json o = json::object();
      for (const auto& kv : n) o[kv.first.as<std::string>()] = yaml_to_json(kv.second);
      return o;
    }
    case YAML::NodeType::Sequence: {
      json a = json::array();
      for (const auto& e : n) a.push_back(yaml_to_json(e));
      return a;
    }
    case YAML::NodeType::Scalar:
      return scalar_to_json(n);
    default:
      return nullptr;
  }
}

inline json parse_yaml(const std::string& text) { return yaml_to_json(YAML::Load(text)); }

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
