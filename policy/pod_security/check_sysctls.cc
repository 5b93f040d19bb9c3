// sysctls (baseline, v1.0+, the safe list grows at v1.27, v1.29, v1.32, v1.37)
//
// Sysctls can disable security mechanisms or affect every container on the
// node; only the namespaced, isolated "safe" subset is allowed.
// Restricted fields: spec.securityContext.sysctls[*].name
// Allowed values: kernel.shm_rmid_forced, net.ipv4.ip_local_port_range,
//   net.ipv4.tcp_syncookies, net.ipv4.ping_group_range,
//   net.ipv4.ip_unprivileged_port_start;
//   v1.27+: net.ipv4.ip_local_reserved_ports;
//   v1.29+: net.ipv4.tcp_keepalive_time, net.ipv4.tcp_fin_timeout,
//     net.ipv4.tcp_keepalive_intvl, net.ipv4.tcp_keepalive_probes;
//   v1.32+: net.ipv4.tcp_rmem, net.ipv4.tcp_wmem;
//   v1.37+: net.ipv4.tcp_slow_start_after_idle, net.ipv4.tcp_notsent_lowat.
#include <set>

#include "policy/messages.h"
#include "policy/pod_security/check.h"

namespace rg::psa {

namespace {

// The safe list at a policy minor version.
bool safe_sysctl(std::string_view name, int minor) {
  static const std::set<std::string_view> k1_0 = {"kernel.shm_rmid_forced", "net.ipv4.ip_local_port_range",
                                                   "net.ipv4.tcp_syncookies", "net.ipv4.ping_group_range",
                                                   "net.ipv4.ip_unprivileged_port_start"};
  static const std::set<std::string_view> k1_29 = {"net.ipv4.tcp_keepalive_time", "net.ipv4.tcp_fin_timeout",
                                                    "net.ipv4.tcp_keepalive_intvl", "net.ipv4.tcp_keepalive_probes"};
  static const std::set<std::string_view> k1_32 = {"net.ipv4.tcp_rmem", "net.ipv4.tcp_wmem"};
  static const std::set<std::string_view> k1_37 = {"net.ipv4.tcp_slow_start_after_idle",
                                                   "net.ipv4.tcp_notsent_lowat"};
  if (k1_0.count(name)) return true;
  if (minor >= 27 && name == "net.ipv4.ip_local_reserved_ports") return true;
  if (minor >= 29 && k1_29.count(name)) return true;
  if (minor >= 32 && k1_32.count(name)) return true;
  if (minor >= 37 && k1_37.count(name)) return true;
  return false;
}

Result sysctls(const Pod& pod, int minor) {
  std::vector<std::string> forbidden;
  std::string first;
  const json* sc = pod_security_context(pod);
  const json* list = sc ? array_at(*sc, "sysctls") : nullptr;
  if (list == nullptr) return allowed();
  for (size_t i = 0; i < list->size(); ++i) {
    std::string name = string_at((*list)[i], "name");
    if (safe_sysctl(name, minor)) continue;
    forbidden.push_back(name);
    if (first.empty()) {
      first = path_key(path_index(path_key(pod.spec_path, "securityContext.sysctls"), i), "name");
    }
  }
  if (forbidden.empty()) return allowed();
  Result r;
  r.allowed = false;
  r.reason = "forbidden sysctls";
  r.detail = join(forbidden, ", ");
  r.path = first;
  r.hint = "remove " + join_quote(forbidden) + " from securityContext.sysctls (set node-level sysctls on the node)";
  return r;
}

Result sysctls_1_0(const Pod& pod) { return sysctls(pod, 0); }
Result sysctls_1_27(const Pod& pod) { return sysctls(pod, 27); }
Result sysctls_1_29(const Pod& pod) { return sysctls(pod, 29); }
Result sysctls_1_32(const Pod& pod) { return sysctls(pod, 32); }
Result sysctls_1_37(const Pod& pod) { return sysctls(pod, 37); }

}  // namespace

Check check_sysctls() {
  return Check{
      "sysctls",
      Level::Baseline,
      {{0, sysctls_1_0}, {27, sysctls_1_27}, {29, sysctls_1_29}, {32, sysctls_1_32}, {37, sysctls_1_37}},
      "Pods may only set safe, namespaced sysctls (PSA baseline)",
      "Pod Security Standards, baseline: spec.securityContext.sysctls may only name the safe, "
      "namespaced sysctls (kernel.shm_rmid_forced, net.ipv4.ip_local_port_range, "
      "net.ipv4.tcp_syncookies, net.ipv4.ping_group_range, net.ipv4.ip_unprivileged_port_start, and "
      "the later additions: ip_local_reserved_ports from v1.27, tcp_keepalive_*/tcp_fin_timeout from "
      "v1.29, tcp_rmem/tcp_wmem from v1.32, tcp_slow_start_after_idle/tcp_notsent_lowat from v1.37). "
      "Fix: remove other sysctls; tune the node instead.",
  };
}

}  // namespace rg::psa
