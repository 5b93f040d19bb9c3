// hostProbesAndHostLifecycle (baseline, v1.34+)
//
// Probes and lifecycle handlers must not target another host.
// Restricted fields: spec.{initContainers,containers,ephemeralContainers}[*]
//   .{livenessProbe,readinessProbe,startupProbe}.{httpGet,tcpSocket}.host
//   .lifecycle.{postStart,preStop}.{httpGet,tcpSocket}.host
// Allowed values: "", undefined
#include "policy/messages.h"
#include "policy/pod_security/check.h"

namespace rg::psa {

namespace {

// Appends the non-empty hosts of a probe or handler; records the first path
// (<container>.<field>.<kind>.host, with `section` "lifecycle" or "" in
// between), built only for an offending host.
void forbidden_hosts(const json* handler, const Container& c, std::string_view section, std::string_view field,
                     std::vector<std::string>* hosts, std::string* first) {
  if (handler == nullptr) return;
  for (std::string_view kind : {"httpGet", "tcpSocket"}) {
    const json* h = object_at(*handler, kind);
    if (h == nullptr) continue;
    std::string host = string_at(*h, "host");
    if (host.empty()) continue;
    hosts->push_back(host);
    if (first->empty()) {
      std::string path = c.path();
      if (!section.empty()) path = path_key(path, section);
      *first = path_key(path_key(path_key(path, field), kind), "host");
    }
  }
}

Result host_probes_and_host_lifecycle_1_34(const Pod& pod) {
  std::vector<std::string> bad_containers;
  std::vector<std::string> hosts;
  std::string first;
  visit_containers(pod, [&](const Container& c) {
    size_t before = hosts.size();
    for (std::string_view probe : {"livenessProbe", "readinessProbe", "startupProbe"}) {
      forbidden_hosts(object_at(c.c, probe), c, "", probe, &hosts, &first);
    }
    if (const json* lc = object_at(c.c, "lifecycle")) {
      for (std::string_view h : {"postStart", "preStop"}) {
        forbidden_hosts(object_at(*lc, h), c, "lifecycle", h, &hosts, &first);
      }
    }
    if (hosts.size() > before) bad_containers.push_back(c.name);
  });
  if (bad_containers.empty()) return allowed();
  // PSA keeps both as sets: sorted and de-duplicated.
  std::vector<std::string> names = sorted_set(bad_containers);
  std::vector<std::string> set = sorted_set(hosts);
  Result r;
  r.allowed = false;
  r.reason = "probe or lifecycle host";
  r.detail = containers_phrase(names) + " " + std::string(pluralize("uses", "use", names.size())) + " " +
             std::string(pluralize("probe or lifecycle host", "probe or lifecycle hosts", set.size())) + " " +
             join_quote(set);
  r.path = first;
  r.hint = "remove the host field from the probes and lifecycle handlers of " + containers_phrase(names) +
           " (they then target the pod's own IP)";
  return r;
}

}  // namespace

Check check_hostProbesAndHostLifecycle() {
  return Check{
      "hostProbesAndHostLifecycle",
      Level::Baseline,
      {{34, host_probes_and_host_lifecycle_1_34}},
      "Probes and lifecycle handlers must not set a host (PSA baseline, v1.34+)",
      "Pod Security Standards, baseline (policy v1.34 and later): httpGet.host and tcpSocket.host of "
      "liveness, readiness and startup probes and of postStart/preStop lifecycle handlers must be "
      "empty, so the kubelet cannot be used to reach other hosts on the pod's behalf. Fix: remove the "
      "host field; probes then target the pod's own IP.",
  };
}

}  // namespace rg::psa
