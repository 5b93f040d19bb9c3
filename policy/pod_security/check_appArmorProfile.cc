// appArmorProfile (baseline, v1.0+)
//
// On supported hosts the RuntimeDefault AppArmor profile applies by default;
// the baseline policy forbids overriding or disabling it except with a
// localhost profile.
// Restricted fields: spec.securityContext.appArmorProfile.type and
//   spec.{initContainers,containers,ephemeralContainers}[*].securityContext.appArmorProfile.type
//   (allowed: RuntimeDefault, Localhost, undefined);
//   metadata.annotations["container.apparmor.security.beta.kubernetes.io/*"]
//   (allowed: "runtime/default", "localhost/*", empty, undefined).
#include <algorithm>

#include "policy/messages.h"
#include "policy/pod_security/check.h"

namespace rg::psa {

namespace {

constexpr std::string_view kAnnotationPrefix = "container.apparmor.security.beta.kubernetes.io/";

bool allowed_annotation_value(std::string_view v) {
  return v.empty() || v == "runtime/default" || v.starts_with("localhost/");
}

bool allowed_profile_type(std::string_view t) { return t == "RuntimeDefault" || t == "Localhost"; }

Result app_armor_profile_1_0(const Pod& pod) {
  std::vector<std::string> bad_setters;
  std::vector<std::string> bad_values;
  std::string first;

  if (const json* sc = pod_security_context(pod)) {
    if (const json* p = object_at(*sc, "appArmorProfile")) {
      std::string t = string_at(*p, "type");
      if (!allowed_profile_type(t)) {
        bad_setters.push_back("pod");
        bad_values.push_back(t);
        first = path_key(pod.spec_path, "securityContext.appArmorProfile.type");
      }
    }
  }
  std::vector<std::string> bad_containers;
  visit_containers(pod, [&](const Container& c) {
    const json* sc = c.security_context();
    const json* p = sc ? object_at(*sc, "appArmorProfile") : nullptr;
    if (p == nullptr) return;
    std::string t = string_at(*p, "type");
    if (!allowed_profile_type(t)) {
      bad_containers.push_back(c.name);
      bad_values.push_back(t);
      if (first.empty()) first = path_key(c.path(), "securityContext.appArmorProfile.type");
    }
  });
  if (!bad_containers.empty()) bad_setters.push_back(containers_phrase(bad_containers));

  std::vector<std::string> bad_annotations;
  std::string first_annotation;
  if (const json* ann = object_at(pod.metadata, "annotations")) {
    for (auto it = ann->begin(); it != ann->end(); ++it) {
      if (!it.key().starts_with(kAnnotationPrefix) || !it.value().is_string()) continue;
      const std::string& v = it.value().get_ref<const std::string&>();
      if (allowed_annotation_value(v)) continue;
      bad_annotations.push_back(it.key() + "=" + go_quote(v));
      if (first_annotation.empty()) first_annotation = std::string(pod.metadata_path) + ".annotations[" + go_quote(it.key()) + "]";
    }
  }
  std::vector<std::string> values = sorted_set(bad_values);
  if (!bad_annotations.empty()) {
    std::sort(bad_annotations.begin(), bad_annotations.end());
    values.insert(values.end(), bad_annotations.begin(), bad_annotations.end());
    bad_setters.emplace_back(pluralize("annotation", "annotations", bad_annotations.size()));
    if (first.empty()) first = first_annotation;
  }
  if (bad_setters.empty()) return allowed();
  Result r;
  r.allowed = false;
  r.reason = pluralize("forbidden AppArmor profile", "forbidden AppArmor profiles", values.size());
  r.detail = join(bad_setters, " and ") + " must not set AppArmor profile type to " + join_quote(values);
  r.path = first;
  r.hint = "set the AppArmor profile type to RuntimeDefault or Localhost (or remove it) on " +
           join(bad_setters, " and ");
  return r;
}

}  // namespace

Check check_appArmorProfile() {
  return Check{
      "appArmorProfile",
      Level::Baseline,
      {{0, app_armor_profile_1_0}},
      "AppArmor may not be disabled or overridden except with a localhost profile (PSA baseline)",
      "Pod Security Standards, baseline: the runtime's default AppArmor profile must not be disabled. "
      "securityContext.appArmorProfile.type on the pod or any container may only be RuntimeDefault or "
      "Localhost, and the deprecated container.apparmor.security.beta.kubernetes.io/* annotations may "
      "only be runtime/default or localhost/<profile>. Fix: remove the Unconfined profile or use "
      "RuntimeDefault.",
  };
}

}  // namespace rg::psa
