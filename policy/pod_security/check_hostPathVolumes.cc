// hostPathVolumes (baseline, v1.0+; replaced by restrictedVolumes at restricted)
//
// HostPath volumes must be forbidden.
// Restricted fields: spec.volumes[*].hostPath
// Allowed values: undefined/null
#include "policy/messages.h"
#include "policy/pod_security/check.h"

namespace rg::psa {

namespace {

Result host_path_volumes_1_0(const Pod& pod) {
  std::vector<std::string> names;
  std::string first;
  if (const json* vols = array_at(pod.spec, "volumes")) {
    for (size_t i = 0; i < vols->size(); ++i) {
      const json& v = (*vols)[i];
      if (object_at(v, "hostPath") == nullptr) continue;
      names.push_back(string_at(v, "name"));
      if (first.empty()) first = path_key(path_index(path_key(pod.spec_path, "volumes"), i), "hostPath");
    }
  }
  if (names.empty()) return allowed();
  Result r;
  r.allowed = false;
  r.reason = "hostPath volumes";
  r.detail = std::string(pluralize("volume", "volumes", names.size())) + " " + join_quote(names);
  r.path = first;
  r.hint = "replace hostPath " + r.detail + " with an emptyDir, configMap, secret or persistentVolumeClaim";
  return r;
}

}  // namespace

Check check_hostPathVolumes() {
  return Check{
      "hostPathVolumes",
      Level::Baseline,
      {{0, host_path_volumes_1_0}},
      "Pods must not mount hostPath volumes (PSA baseline)",
      "Pod Security Standards, baseline: spec.volumes[*].hostPath must not be used; a hostPath volume "
      "exposes the node's file system to the container. At the restricted level restrictedVolumes "
      "applies instead. Fix: use an emptyDir, configMap, secret or persistentVolumeClaim.",
  };
}

}  // namespace rg::psa
