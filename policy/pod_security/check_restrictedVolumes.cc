// restrictedVolumes (restricted, v1.0+; replaces hostPathVolumes)
//
// Besides hostPath, the restricted level limits inline volume sources to the
// ones that cannot reach node or network storage directly.
// Restricted fields: spec.volumes[*] (every source other than the allowed ones:
//   hostPath, gcePersistentDisk, awsElasticBlockStore, gitRepo, nfs, iscsi,
//   glusterfs, rbd, flexVolume, cinder, cephfs, flocker, fc, azureFile,
//   vsphereVolume, quobyte, azureDisk, portworxVolume, photonPersistentDisk,
//   scaleIO, storageos). A volume without any source is defaulted to
//   emptyDir by the API server, so it passes, as in PSA.
// Allowed values: configMap, csi, downwardAPI, emptyDir, ephemeral, image,
//   persistentVolumeClaim, projected, secret
#include "policy/messages.h"
#include "policy/pod_security/check.h"

namespace rg::psa {

namespace {

constexpr std::string_view kAllowed[] = {"configMap", "csi", "downwardAPI", "emptyDir", "ephemeral",
                                         "image", "persistentVolumeClaim", "projected", "secret"};
constexpr std::string_view kRestricted[] = {
    "hostPath", "gcePersistentDisk", "awsElasticBlockStore", "gitRepo", "nfs", "iscsi", "glusterfs",
    "rbd", "flexVolume", "cinder", "cephfs", "flocker", "fc", "azureFile", "vsphereVolume", "quobyte",
    "azureDisk", "photonPersistentDisk", "portworxVolume", "scaleIO", "storageos"};

// A volume source counts as set when it is present and not null (Go: non-nil pointer).
bool has_source(const json& v, std::string_view key) {
  const json* s = child(v, key);
  return s != nullptr && !s->is_null();
}

Result restricted_volumes_1_0(const Pod& pod) {
  std::vector<std::string> names;
  std::vector<std::string> types;
  std::string first;
  const json* vols = array_at(pod.spec, "volumes");
  if (vols == nullptr) return allowed();
  for (size_t i = 0; i < vols->size(); ++i) {
    const json& v = (*vols)[i];
    bool ok = false;
    for (std::string_view a : kAllowed) ok = ok || has_source(v, a);
    if (ok) continue;
    std::string type;
    for (std::string_view t : kRestricted) {
      if (has_source(v, t)) {
        type = t;
        break;
      }
    }
    // A volume with no source at all is defaulted to emptyDir by the API
    // server before PSA sees it (SetDefaults_Volume): allowed. Sources this
    // list does not know are not decodable either, so they default the same.
    if (type.empty()) continue;
    names.push_back(string_at(v, "name"));
    types.push_back(type);
    if (first.empty()) {
      std::string base = path_index(path_key(pod.spec_path, "volumes"), i);
      first = path_key(base, type);
    }
  }
  if (names.empty()) return allowed();
  std::vector<std::string> set = sorted_set(types);
  Result r;
  r.allowed = false;
  r.reason = "restricted volume types";
  r.detail = std::string(pluralize("volume", "volumes", names.size())) + " " + join_quote(names) + " " +
             std::string(pluralize("uses", "use", names.size())) + " " +
             std::string(pluralize("restricted volume type", "restricted volume types", set.size())) + " " +
             join_quote(set);
  r.path = first;
  r.hint = "replace " + std::string(pluralize("volume", "volumes", names.size())) + " " + join_quote(names) +
           " with configMap, csi, downwardAPI, emptyDir, ephemeral, image, persistentVolumeClaim, projected "
           "or secret volumes";
  return r;
}

}  // namespace

Check check_restrictedVolumes() {
  return Check{
      "restrictedVolumes",
      Level::Restricted,
      {{0, restricted_volumes_1_0, {"hostPathVolumes"}}},
      "Pods may only use configMap, csi, downwardAPI, emptyDir, ephemeral, image, PVC, projected and "
      "secret volumes (PSA restricted)",
      "Pod Security Standards, restricted: every entry of spec.volumes must be one of configMap, csi, "
      "downwardAPI, emptyDir, ephemeral, image, persistentVolumeClaim, projected or secret. hostPath and "
      "inline network or cloud volumes (nfs, iscsi, gitRepo, awsElasticBlockStore, ...) are refused; "
      "this replaces hostPathVolumes at the restricted level. Fix: move storage behind a "
      "PersistentVolumeClaim or a CSI driver.",
  };
}

}  // namespace rg::psa
