// capabilities_baseline (baseline, v1.0+)
//
// Adding NET_RAW or capabilities beyond the container runtime's default set
// must be disallowed.
// Restricted fields: spec.{initContainers,containers,ephemeralContainers}[*]
//   .securityContext.capabilities.add
// Allowed values: undefined/empty, or entries of AUDIT_WRITE, CHOWN,
//   DAC_OVERRIDE, FOWNER, FSETID, KILL, MKNOD, NET_BIND_SERVICE, SETFCAP,
//   SETGID, SETPCAP, SETUID, SYS_CHROOT (exact spelling: no "CAP_" prefix,
//   upper case).
// At restricted level capabilities_restricted replaces this check.
#include <set>

#include "policy/messages.h"
#include "policy/pod_security/check.h"

namespace rg::psa {

namespace {

bool default_capability(std::string_view c) {
  static const std::set<std::string_view> kAllowed = {
      "AUDIT_WRITE", "CHOWN",  "DAC_OVERRIDE", "FOWNER", "FSETID", "KILL",      "MKNOD",
      "NET_BIND_SERVICE", "SETFCAP", "SETGID", "SETPCAP", "SETUID", "SYS_CHROOT"};
  return kAllowed.count(c) > 0;
}

Result capabilities_baseline_1_0(const Pod& pod) {
  std::vector<std::string> bad_containers;
  std::vector<std::string> bad_caps;
  std::string first;
  visit_containers(pod, [&](const Container& c) {
    const json* sc = c.security_context();
    const json* caps = sc ? object_at(*sc, "capabilities") : nullptr;
    const json* add = caps ? array_at(*caps, "add") : nullptr;
    if (add == nullptr) return;
    bool valid = true;
    for (size_t i = 0; i < add->size(); ++i) {
      std::string cap = (*add)[i].is_string() ? (*add)[i].get<std::string>() : short_json((*add)[i]);
      if (default_capability(cap)) continue;
      valid = false;
      bad_caps.push_back(cap);
      if (first.empty()) first = path_index(path_key(c.path(), "securityContext.capabilities.add"), i);
    }
    if (!valid) bad_containers.push_back(c.name);
  });
  if (bad_containers.empty()) return allowed();
  std::vector<std::string> caps = sorted_set(bad_caps);
  Result r;
  r.allowed = false;
  r.reason = "non-default capabilities";
  r.detail = containers_phrase(bad_containers) + " must not include " + join_quote(caps) +
             " in securityContext.capabilities.add";
  r.path = first;
  r.hint = "remove " + join_quote(caps) + " from securityContext.capabilities.add on " +
           containers_phrase(bad_containers);
  return r;
}

}  // namespace

Check check_capabilities_baseline() {
  return Check{
      "capabilities_baseline",
      Level::Baseline,
      {{0, capabilities_baseline_1_0}},
      "Containers may only add capabilities from the runtime's default set (PSA baseline)",
      "Pod Security Standards, baseline: securityContext.capabilities.add of every container may only "
      "list capabilities of the container runtime's default set (AUDIT_WRITE, CHOWN, DAC_OVERRIDE, "
      "FOWNER, FSETID, KILL, MKNOD, NET_BIND_SERVICE, SETFCAP, SETGID, SETPCAP, SETUID, SYS_CHROOT), "
      "spelled exactly so. NET_RAW, SYS_ADMIN and the like are refused. At the restricted level "
      "capabilities_restricted applies instead. Fix: remove the extra capabilities.",
  };
}

}  // namespace rg::psa
