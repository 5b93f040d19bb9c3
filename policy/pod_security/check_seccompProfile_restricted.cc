// seccompProfile_restricted (restricted, v1.19+; replaces seccompProfile_baseline)
//
// A seccomp profile must be set, and only the runtime default and localhost
// profiles are allowed.
// Restricted fields: spec.securityContext.seccompProfile.type,
//   spec.{initContainers,containers,ephemeralContainers}[*].securityContext.seccompProfile.type
// Allowed values: RuntimeDefault, Localhost; a container may leave it
//   undefined when the pod level is set to an allowed value.
// From v1.25, pods with spec.os.name "windows" are exempt.
#include "policy/messages.h"
#include "policy/pod_security/check.h"

namespace rg::psa {

namespace {

Result seccomp_profile_restricted_1_19(const Pod& pod) {
  std::vector<std::string> values;
  std::string first;
  bool pod_valid = false;
  std::vector<std::string> implicit_bad;
  std::vector<std::string> setters = bad_seccomp_setters(pod, &values, &first, &pod_valid, &implicit_bad);
  Result r;
  r.allowed = false;
  r.reason = "seccompProfile";
  if (!setters.empty()) {
    r.detail = join(setters, " and ") + " must not set securityContext.seccompProfile.type to " +
               join_quote(sorted_set(values));
    r.path = first;
    r.hint = "set securityContext.seccompProfile.type to RuntimeDefault (or Localhost) on " + join(setters, " and ");
    return r;
  }
  if (!implicit_bad.empty()) {
    r.detail = "pod or " + containers_phrase(implicit_bad) +
               " must set securityContext.seccompProfile.type to \"RuntimeDefault\" or \"Localhost\"";
    r.path = path_key(pod.spec_path, "securityContext.seccompProfile.type");
    r.hint = "set securityContext.seccompProfile.type: RuntimeDefault in the pod's securityContext";
    return r;
  }
  return allowed();
}

Result seccomp_profile_restricted_1_25(const Pod& pod) {
  if (is_windows(pod)) return allowed();
  return seccomp_profile_restricted_1_19(pod);
}

}  // namespace

Check check_seccompProfile_restricted() {
  return Check{
      "seccompProfile_restricted",
      Level::Restricted,
      {{19, seccomp_profile_restricted_1_19, {"seccompProfile_baseline"}},
       {25, seccomp_profile_restricted_1_25, {"seccompProfile_baseline"}}},
      "Pods must set seccompProfile.type to RuntimeDefault or Localhost (PSA restricted)",
      "Pod Security Standards, restricted: the pod's securityContext.seccompProfile.type must be "
      "RuntimeDefault or Localhost, or every container must set one of those itself; Unconfined is "
      "refused anywhere. This replaces the baseline seccomp check at the restricted level. Windows "
      "pods (spec.os.name: windows) are exempt from policy v1.25. Fix: set "
      "`securityContext: {seccompProfile: {type: RuntimeDefault}}` on the pod (the mutating default "
      "does this when absent).",
  };
}

}  // namespace rg::psa
