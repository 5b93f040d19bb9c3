// hostNamespaces (baseline, v1.0+)
//
// Sharing the host's network, PID or IPC namespace must be disallowed.
// Restricted fields: spec.hostNetwork, spec.hostPID, spec.hostIPC
// Allowed values: undefined, false
#include "policy/messages.h"
#include "policy/pod_security/check.h"

namespace rg::psa {

namespace {

Result host_namespaces_1_0(const Pod& pod) {
  std::vector<std::string> set;
  std::vector<std::string> fields;
  for (std::string_view f : {"hostNetwork", "hostPID", "hostIPC"}) {
    if (bool_at(pod.spec, f) == 1) {
      set.push_back(std::string(f) + "=true");
      fields.emplace_back(f);
    }
  }
  if (set.empty()) return allowed();
  Result r;
  r.allowed = false;
  r.reason = "host namespaces";
  r.detail = join(set, ", ");
  r.path = path_key(pod.spec_path, fields.front());
  r.hint = "remove " + join(set, ", ") + " from the pod spec";
  return r;
}

}  // namespace

Check check_hostNamespaces() {
  return Check{
      "hostNamespaces",
      Level::Baseline,
      {{0, host_namespaces_1_0}},
      "Pods must not share the host's network, PID or IPC namespace (PSA baseline)",
      "Pod Security Standards, baseline: spec.hostNetwork, spec.hostPID and spec.hostIPC must be unset "
      "or false; sharing host namespaces lets a container see and reach the node's processes, "
      "interfaces and IPC objects. Fix: remove them and expose the workload through a Service.",
  };
}

}  // namespace rg::psa
