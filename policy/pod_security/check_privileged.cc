// privileged (baseline, v1.0+)
//
// Privileged pods disable most security mechanisms and must be disallowed.
// Restricted fields: spec.{initContainers,containers,ephemeralContainers}[*].securityContext.privileged
// Allowed values: false, undefined/null
#include "policy/messages.h"
#include "policy/pod_security/check.h"

namespace rg::psa {

namespace {

Result privileged_1_0(const Pod& pod) {
  std::vector<std::string> bad;
  std::string first;
  visit_containers(pod, [&](const Container& c) {
    const json* sc = c.security_context();
    if (sc != nullptr && bool_at(*sc, "privileged") == 1) {
      bad.push_back(c.name);
      if (first.empty()) first = path_key(c.path(), "securityContext.privileged");
    }
  });
  if (bad.empty()) return allowed();
  Result r;
  r.allowed = false;
  r.reason = "privileged";
  r.detail = containers_phrase(bad) + " must not set securityContext.privileged=true";
  r.path = first;
  r.hint = "remove securityContext.privileged: true from " + containers_phrase(bad);
  return r;
}

}  // namespace

Check check_privileged() {
  return Check{
      "privileged",
      Level::Baseline,
      {{0, privileged_1_0}},
      "Containers must not run privileged (PSA baseline)",
      "Pod Security Standards, baseline: securityContext.privileged must be unset or false on every "
      "container, init container and ephemeral container; a privileged container has nearly all the "
      "access of a process on the node. Fix: remove privileged: true and grant only the specific "
      "capability the workload needs.",
  };
}

}  // namespace rg::psa
