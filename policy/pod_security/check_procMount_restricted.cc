// procMount_restricted (restricted, v1.35+; replaces procMount)
//
// The default /proc masks are required at restricted level even for pods in
// their own user namespace (spec.hostUsers: false).
// Restricted fields: spec.{initContainers,containers,ephemeralContainers}[*].securityContext.procMount
// Allowed values: undefined/null, "Default"
#include "policy/pod_security/check.h"

namespace rg::psa {

Check check_procMount_restricted() {
  return Check{
      "procMount_restricted",
      Level::Restricted,
      {{35, proc_mount_1_0, {"procMount"}}},
      "Containers must keep the default /proc mask, even in a user namespace (PSA restricted, v1.35+)",
      "Pod Security Standards, restricted (policy v1.35 and later): securityContext.procMount must be "
      "unset or Default on every container, whether or not the pod runs in its own user namespace. "
      "It replaces the baseline procMount check, which relaxes for spec.hostUsers: false. Fix: remove "
      "procMount.",
  };
}

}  // namespace rg::psa
