// runAsUser (restricted, v1.23+; v1.35 exempts user-namespaced pods)
//
// Containers must not set runAsUser to 0 (root).
// Restricted fields: spec.securityContext.runAsUser,
//   spec.{initContainers,containers,ephemeralContainers}[*].securityContext.runAsUser
// Allowed values: non-zero values, undefined/null.
// From v1.35, pods with spec.hostUsers: false are not checked.
#include "policy/messages.h"
#include "policy/pod_security/check.h"

namespace rg::psa {

namespace {

bool is_zero(const json& sc) {
  const json* v = child(sc, "runAsUser");
  return v != nullptr && v->is_number() && v->get<double>() == 0;
}

Result run_as_user_1_23(const Pod& pod) {
  std::vector<std::string> bad_setters;
  std::string first;
  if (const json* sc = pod_security_context(pod); sc != nullptr && is_zero(*sc)) {
    bad_setters.push_back("pod");
    first = path_key(pod.spec_path, "securityContext.runAsUser");
  }
  std::vector<std::string> bad;
  visit_containers(pod, [&](const Container& c) {
    const json* sc = c.security_context();
    if (sc != nullptr && is_zero(*sc)) {
      bad.push_back(c.name);
      if (first.empty()) first = path_key(c.path(), "securityContext.runAsUser");
    }
  });
  if (!bad.empty()) bad_setters.push_back(containers_phrase(bad));
  if (bad_setters.empty()) return allowed();
  Result r;
  r.allowed = false;
  r.reason = "runAsUser=0";
  r.detail = join(bad_setters, " and ") + " must not set runAsUser=0";
  r.path = first;
  r.hint = "remove runAsUser: 0 (or use a non-zero UID) on " + join(bad_setters, " and ");
  return r;
}

Result run_as_user_1_35(const Pod& pod) {
  if (relax_for_user_namespace(pod)) return allowed();
  return run_as_user_1_23(pod);
}

}  // namespace

Check check_runAsUser() {
  return Check{
      "runAsUser",
      Level::Restricted,
      {{23, run_as_user_1_23}, {35, run_as_user_1_35}},
      "Pods and containers must not set runAsUser=0 (PSA restricted)",
      "Pod Security Standards, restricted (policy v1.23 and later): securityContext.runAsUser must not "
      "be 0 on the pod or any container; leaving it unset is allowed. From policy v1.35 pods in their "
      "own user namespace (spec.hostUsers: false) are not checked. Fix: remove runAsUser: 0 or use a "
      "non-zero UID.",
  };
}

}  // namespace rg::psa
