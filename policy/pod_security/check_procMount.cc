// procMount (baseline, v1.0+; v1.35 relaxes it for user-namespaced pods)
//
// The default /proc masks reduce the attack surface and are required.
// Restricted fields: spec.{initContainers,containers,ephemeralContainers}[*].securityContext.procMount
// Allowed values: undefined/null, "Default".
// From v1.35, a pod with spec.hostUsers: false (its own user namespace) may
// set any procMount at baseline. At restricted, procMount_restricted replaces
// this check and keeps the unconditional rule.
#include "policy/messages.h"
#include "policy/pod_security/check.h"

namespace rg::psa {

Result proc_mount_1_0(const Pod& pod) {
  std::vector<std::string> bad;
  std::vector<std::string> types;
  std::string first;
  visit_containers(pod, [&](const Container& c) {
    const json* sc = c.security_context();
    const json* pm = sc ? child(*sc, "procMount") : nullptr;
    if (pm == nullptr || pm->is_null()) return;
    std::string t = pm->is_string() ? pm->get<std::string>() : short_json(*pm);
    if (t == "Default") return;
    bad.push_back(c.name);
    types.push_back(t);
    if (first.empty()) first = path_key(c.path(), "securityContext.procMount");
  });
  if (bad.empty()) return allowed();
  Result r;
  r.allowed = false;
  r.reason = "procMount";
  r.detail = containers_phrase(bad) + " must not set securityContext.procMount to " + join_quote(sorted_set(types));
  r.path = first;
  r.hint = "remove securityContext.procMount (or set it to Default) on " + containers_phrase(bad);
  return r;
}

namespace {

Result proc_mount_1_35(const Pod& pod) {
  if (relax_for_user_namespace(pod)) return allowed();
  return proc_mount_1_0(pod);
}

}  // namespace

Check check_procMount() {
  return Check{
      "procMount",
      Level::Baseline,
      {{0, proc_mount_1_0}, {35, proc_mount_1_35}},
      "Containers must keep the default /proc mask (PSA baseline)",
      "Pod Security Standards, baseline: securityContext.procMount must be unset or Default on every "
      "container; an Unmasked /proc exposes kernel interfaces. From policy v1.35 the baseline level "
      "allows other values for pods in their own user namespace (spec.hostUsers: false); the "
      "restricted level never does (procMount_restricted). Fix: remove procMount.",
  };
}

}  // namespace rg::psa
