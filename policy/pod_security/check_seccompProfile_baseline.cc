// seccompProfile_baseline (baseline, v1.0+; replaced by
// seccompProfile_restricted at restricted from v1.19)
//
// If a seccomp profile is specified, only the runtime default and localhost
// profiles are allowed.
// v1.0 - v1.18: metadata.annotations["seccomp.security.alpha.kubernetes.io/pod"]
//   and ["container.seccomp.security.alpha.kubernetes.io/<container>"];
//   allowed: runtime/default, docker/default, localhost/*, undefined.
// v1.19+: spec.securityContext.seccompProfile.type and
//   spec.{initContainers,containers,ephemeralContainers}[*].securityContext.seccompProfile.type;
//   allowed: RuntimeDefault, Localhost, undefined.
#include "policy/messages.h"
#include "policy/pod_security/check.h"

namespace rg::psa {

namespace {

constexpr std::string_view kPodAnnotation = "seccomp.security.alpha.kubernetes.io/pod";
constexpr std::string_view kContainerAnnotationPrefix = "container.seccomp.security.alpha.kubernetes.io/";

bool valid_annotation(std::string_view v) {
  return v == "runtime/default" || v == "docker/default" || v.starts_with("localhost/");
}

Result seccomp_profile_baseline_1_0(const Pod& pod) {
  std::vector<std::string> forbidden;
  std::string first;
  const json* ann = object_at(pod.metadata, "annotations");
  auto check = [&](const std::string& key) {
    const json* v = ann ? child(*ann, key) : nullptr;
    if (v == nullptr || !v->is_string() || valid_annotation(v->get_ref<const std::string&>())) return;
    forbidden.push_back(key + "=" + go_quote(v->get_ref<const std::string&>()));
    if (first.empty()) first = std::string(pod.metadata_path) + ".annotations[" + go_quote(key) + "]";
  };
  check(std::string(kPodAnnotation));
  visit_containers(pod, [&](const Container& c) { check(std::string(kContainerAnnotationPrefix) + c.name); });
  if (forbidden.empty()) return allowed();
  std::vector<std::string> set = sorted_set(forbidden);
  Result r;
  r.allowed = false;
  r.reason = "seccompProfile";
  r.detail = "forbidden " + std::string(pluralize("annotation", "annotations", set.size())) + " " + join(set, ", ");
  r.path = first;
  r.hint = "set the seccomp annotations to runtime/default or localhost/<profile>, or remove them";
  return r;
}

}  // namespace

bool valid_seccomp_type(std::string_view t) { return t == "RuntimeDefault" || t == "Localhost"; }

// Shared with seccompProfile_restricted: explicitly bad pod/container types.
// Returns the bad setters ("pod", "containers \"a\"") and collects bad values.
std::vector<std::string> bad_seccomp_setters(const Pod& pod, std::vector<std::string>* bad_values,
                                             std::string* first, bool* pod_valid,
                                             std::vector<std::string>* implicit_bad) {
  std::vector<std::string> setters;
  *pod_valid = false;
  if (const json* sc = pod_security_context(pod)) {
    if (const json* p = object_at(*sc, "seccompProfile")) {
      std::string t = string_at(*p, "type");
      if (!valid_seccomp_type(t)) {
        setters.push_back("pod");
        bad_values->push_back(t);
        if (first->empty()) *first = path_key(pod.spec_path, "securityContext.seccompProfile.type");
      } else {
        *pod_valid = true;
      }
    }
  }
  std::vector<std::string> bad;
  visit_containers(pod, [&](const Container& c) {
    const json* sc = c.security_context();
    const json* p = sc ? object_at(*sc, "seccompProfile") : nullptr;
    if (p == nullptr) {
      if (implicit_bad != nullptr && !*pod_valid) implicit_bad->push_back(c.name);
      return;
    }
    std::string t = string_at(*p, "type");
    if (!valid_seccomp_type(t)) {
      bad.push_back(c.name);
      bad_values->push_back(t);
      if (first->empty()) *first = path_key(c.path(), "securityContext.seccompProfile.type");
    }
  });
  if (!bad.empty()) setters.push_back(containers_phrase(bad));
  return setters;
}

namespace {

Result seccomp_profile_baseline_1_19(const Pod& pod) {
  std::vector<std::string> values;
  std::string first;
  bool pod_valid = false;
  std::vector<std::string> setters = bad_seccomp_setters(pod, &values, &first, &pod_valid, nullptr);
  if (setters.empty()) return allowed();
  Result r;
  r.allowed = false;
  r.reason = "seccompProfile";
  r.detail = join(setters, " and ") + " must not set securityContext.seccompProfile.type to " +
             join_quote(sorted_set(values));
  r.path = first;
  r.hint = "set securityContext.seccompProfile.type to RuntimeDefault (or Localhost) on " + join(setters, " and ");
  return r;
}

}  // namespace

Check check_seccompProfile_baseline() {
  return Check{
      "seccompProfile_baseline",
      Level::Baseline,
      {{0, seccomp_profile_baseline_1_0}, {19, seccomp_profile_baseline_1_19}},
      "Seccomp may not be set to Unconfined (PSA baseline)",
      "Pod Security Standards, baseline: when a seccomp profile is set on the pod or a container, its "
      "type must be RuntimeDefault or Localhost (before policy v1.19: the seccomp annotations must be "
      "runtime/default, docker/default or localhost/*). Unconfined disables syscall filtering. At the "
      "restricted level seccompProfile_restricted applies instead. Fix: use RuntimeDefault.",
  };
}

}  // namespace rg::psa
