// allowPrivilegeEscalation (restricted, v1.8+)
//
// Privilege escalation (such as via set-user-ID or set-group-ID file mode)
// must not be allowed.
// Restricted fields: spec.{initContainers,containers,ephemeralContainers}[*]
//   .securityContext.allowPrivilegeEscalation
// Allowed values: false (it must be set explicitly).
// From v1.25, pods with spec.os.name "windows" are exempt (the field does not
// exist on Windows).
#include "policy/messages.h"
#include "policy/pod_security/check.h"

namespace rg::psa {

namespace {

Result allow_privilege_escalation_1_8(const Pod& pod) {
  std::vector<std::string> bad;
  std::string first;
  visit_containers(pod, [&](const Container& c) {
    const json* sc = c.security_context();
    if (sc == nullptr || bool_at(*sc, "allowPrivilegeEscalation") != 0) {
      bad.push_back(c.name);
      if (first.empty()) first = path_key(c.path(), "securityContext.allowPrivilegeEscalation");
    }
  });
  if (bad.empty()) return allowed();
  Result r;
  r.allowed = false;
  r.reason = "allowPrivilegeEscalation != false";
  r.detail = containers_phrase(bad) + " must set securityContext.allowPrivilegeEscalation=false";
  r.path = first;
  r.hint = "set securityContext.allowPrivilegeEscalation: false on " + containers_phrase(bad);
  return r;
}

Result allow_privilege_escalation_1_25(const Pod& pod) {
  if (is_windows(pod)) return allowed();
  return allow_privilege_escalation_1_8(pod);
}

}  // namespace

Check check_allowPrivilegeEscalation() {
  return Check{
      "allowPrivilegeEscalation",
      Level::Restricted,
      {{8, allow_privilege_escalation_1_8}, {25, allow_privilege_escalation_1_25}},
      "Containers must set securityContext.allowPrivilegeEscalation=false (PSA restricted)",
      "Pod Security Standards, restricted: privilege escalation through set-user-ID or set-group-ID "
      "binaries must be disabled, so every container, init container and ephemeral container of the "
      "pod template must set securityContext.allowPrivilegeEscalation to false; leaving it unset "
      "counts as allowed. Windows pods (spec.os.name: windows) are exempt from policy v1.25. "
      "Fix: add `allowPrivilegeEscalation: false` to each container's securityContext (the "
      "mutating default does this when the field is absent).",
  };
}

}  // namespace rg::psa
