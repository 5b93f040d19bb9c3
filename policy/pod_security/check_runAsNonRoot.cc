// runAsNonRoot (restricted, v1.0+; v1.35 exempts user-namespaced pods)
//
// Containers must be required to run as non-root users.
// Restricted fields: spec.securityContext.runAsNonRoot,
//   spec.{initContainers,containers,ephemeralContainers}[*].securityContext.runAsNonRoot
// Allowed values: true; undefined/null at container level when the pod level
//   is true.
// From v1.35, pods with spec.hostUsers: false are not checked (root in a user
// namespace is not root on the node).
#include "policy/messages.h"
#include "policy/pod_security/check.h"

namespace rg::psa {

namespace {

Result run_as_non_root_1_0(const Pod& pod) {
  std::vector<std::string> bad_setters;
  std::string first;
  bool pod_non_root = false;
  std::string pod_path = path_key(pod.spec_path, "securityContext.runAsNonRoot");
  if (const json* sc = pod_security_context(pod)) {
    int v = bool_at(*sc, "runAsNonRoot");
    if (v == 0) {
      bad_setters.push_back("pod");
      first = pod_path;
    } else if (v == 1) {
      pod_non_root = true;
    }
  }
  std::vector<std::string> explicit_bad, implicit_bad;
  std::string first_implicit;
  visit_containers(pod, [&](const Container& c) {
    const json* sc = c.security_context();
    int v = sc ? bool_at(*sc, "runAsNonRoot") : -1;
    if (v == 0) {
      explicit_bad.push_back(c.name);
      if (first.empty()) first = path_key(c.path(), "securityContext.runAsNonRoot");
    } else if (v == -1 && !pod_non_root) {
      implicit_bad.push_back(c.name);
    }
  });
  if (!explicit_bad.empty()) bad_setters.push_back(containers_phrase(explicit_bad));
  Result r;
  r.allowed = false;
  r.reason = "runAsNonRoot != true";
  if (!bad_setters.empty()) {
    r.detail = join(bad_setters, " and ") + " must not set securityContext.runAsNonRoot=false";
    r.path = first;
    r.hint = "set securityContext.runAsNonRoot: true (not false) on " + join(bad_setters, " and ");
    return r;
  }
  if (!implicit_bad.empty()) {
    r.detail = "pod or " + containers_phrase(implicit_bad) + " must set securityContext.runAsNonRoot=true";
    r.path = pod_path;
    r.hint = "set securityContext.runAsNonRoot: true in the pod's securityContext";
    return r;
  }
  return allowed();
}

Result run_as_non_root_1_35(const Pod& pod) {
  if (relax_for_user_namespace(pod)) return allowed();
  return run_as_non_root_1_0(pod);
}

}  // namespace

Check check_runAsNonRoot() {
  return Check{
      "runAsNonRoot",
      Level::Restricted,
      {{0, run_as_non_root_1_0}, {35, run_as_non_root_1_35}},
      "Pods must set securityContext.runAsNonRoot=true (PSA restricted)",
      "Pod Security Standards, restricted: the pod's securityContext.runAsNonRoot must be true, or "
      "every container must set it to true itself; no container may set it to false. From policy "
      "v1.35 pods in their own user namespace (spec.hostUsers: false) are not checked. Fix: set "
      "`securityContext: {runAsNonRoot: true}` on the pod (the mutating default does this when absent) "
      "and make sure the image runs as a non-zero UID.",
  };
}

}  // namespace rg::psa
