// windowsHostProcess (baseline, v1.0+)
//
// Windows HostProcess containers have host access and must not be used.
// Restricted fields: spec.securityContext.windowsOptions.hostProcess,
//   spec.{initContainers,containers,ephemeralContainers}[*].securityContext.windowsOptions.hostProcess
// Allowed values: undefined, false
#include "policy/messages.h"
#include "policy/pod_security/check.h"

namespace rg::psa {

namespace {

bool host_process(const json* sc) {
  const json* wo = sc ? object_at(*sc, "windowsOptions") : nullptr;
  return wo != nullptr && bool_at(*wo, "hostProcess") == 1;
}

Result windows_host_process_1_0(const Pod& pod) {
  std::vector<std::string> bad;
  std::string first;
  visit_containers(pod, [&](const Container& c) {
    if (!host_process(c.security_context())) return;
    bad.push_back(c.name);
    if (first.empty()) first = path_key(c.path(), "securityContext.windowsOptions.hostProcess");
  });
  std::vector<std::string> setters;
  if (host_process(pod_security_context(pod))) {
    setters.push_back("pod");
    first = path_key(pod.spec_path, "securityContext.windowsOptions.hostProcess");
  }
  if (!bad.empty()) setters.push_back(containers_phrase(bad));
  if (setters.empty()) return allowed();
  Result r;
  r.allowed = false;
  r.reason = "hostProcess";
  r.detail = join(setters, " and ") + " must not set securityContext.windowsOptions.hostProcess=true";
  r.path = first;
  r.hint = "remove securityContext.windowsOptions.hostProcess: true from " + join(setters, " and ");
  return r;
}

}  // namespace

Check check_windowsHostProcess() {
  return Check{
      "windowsHostProcess",
      Level::Baseline,
      {{0, windows_host_process_1_0}},
      "Pods must not run Windows HostProcess containers (PSA baseline)",
      "Pod Security Standards, baseline: securityContext.windowsOptions.hostProcess must be unset or "
      "false on the pod and every container; a HostProcess container runs directly on the Windows node "
      "with host access. Fix: remove hostProcess: true.",
  };
}

}  // namespace rg::psa
