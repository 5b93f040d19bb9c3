// hostPorts (baseline, v1.0+)
//
// HostPort ports must be forbidden.
// Restricted fields: spec.{initContainers,containers,ephemeralContainers}[*].ports[*].hostPort
// Allowed values: undefined, 0
#include <cmath>

#include "policy/messages.h"
#include "policy/pod_security/check.h"

namespace rg::psa {

namespace {

// Non-zero hostPort as text ("" when unset or 0).
std::string host_port(const json& port) {
  const json* hp = child(port, "hostPort");
  if (hp == nullptr || !hp->is_number()) return "";
  if (hp->is_number_float()) {
    double d = hp->get<double>();
    if (d == 0 || !std::isfinite(d)) return d == 0 ? "" : short_json(*hp);
    return std::to_string(static_cast<long long>(d));
  }
  if (hp->is_number_unsigned()) {
    auto u = hp->get<unsigned long long>();
    return u == 0 ? "" : std::to_string(u);
  }
  auto v = hp->get<long long>();
  return v == 0 ? "" : std::to_string(v);
}

Result host_ports_1_0(const Pod& pod) {
  std::vector<std::string> bad_containers;
  std::vector<std::string> ports;
  std::string first;
  visit_containers(pod, [&](const Container& c) {
    const json* list = array_at(c.c, "ports");
    if (list == nullptr) return;
    bool valid = true;
    for (size_t i = 0; i < list->size(); ++i) {
      std::string p = host_port((*list)[i]);
      if (p.empty()) continue;
      valid = false;
      ports.push_back(p);
      if (first.empty()) first = path_key(path_index(path_key(c.path(), "ports"), i), "hostPort");
    }
    if (!valid) bad_containers.push_back(c.name);
  });
  if (bad_containers.empty()) return allowed();
  std::vector<std::string> set = sorted_set(ports);  // Go sorts the strings
  Result r;
  r.allowed = false;
  r.reason = "hostPort";
  r.detail = containers_phrase(bad_containers) + " " +
             std::string(pluralize("uses", "use", bad_containers.size())) + " " +
             std::string(pluralize("hostPort", "hostPorts", set.size())) + " " + join(set, ", ");
  r.path = first;
  r.hint = "remove hostPort from the ports of " + containers_phrase(bad_containers) + " (reach the pod through a Service)";
  return r;
}

}  // namespace

Check check_hostPorts() {
  return Check{
      "hostPorts",
      Level::Baseline,
      {{0, host_ports_1_0}},
      "Containers must not bind host ports (PSA baseline)",
      "Pod Security Standards, baseline: ports[*].hostPort of every container must be unset or 0; a "
      "host port binds the node's network interface and bypasses network policy. Fix: remove hostPort "
      "and reach the pod through a Service.",
  };
}

}  // namespace rg::psa
