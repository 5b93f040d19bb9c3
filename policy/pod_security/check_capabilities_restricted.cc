// capabilities_restricted (restricted, v1.22+; replaces capabilities_baseline)
//
// Containers must drop ALL capabilities and may only add NET_BIND_SERVICE.
// Restricted fields: spec.{initContainers,containers,ephemeralContainers}[*]
//   .securityContext.capabilities.drop (must include "ALL")
//   .securityContext.capabilities.add  (undefined/empty or "NET_BIND_SERVICE")
// From v1.25, pods with spec.os.name "windows" are exempt.
#include "policy/messages.h"
#include "policy/pod_security/check.h"

namespace rg::psa {

namespace {

Result capabilities_restricted_1_22(const Pod& pod) {
  std::vector<std::string> missing_drop_all;
  std::vector<std::string> adding_forbidden;
  std::vector<std::string> forbidden_caps;
  std::string first;
  visit_containers(pod, [&](const Container& c) {
    const json* sc = c.security_context();
    const json* caps = sc ? object_at(*sc, "capabilities") : nullptr;
    if (caps == nullptr) {
      missing_drop_all.push_back(c.name);
      if (first.empty()) first = path_key(c.path(), "securityContext.capabilities.drop");
      return;
    }
    bool dropped_all = false;
    if (const json* drop = array_at(*caps, "drop")) {
      for (const json& d : *drop) {
        if (d.is_string() && d.get_ref<const std::string&>() == "ALL") dropped_all = true;
      }
    }
    if (!dropped_all) {
      missing_drop_all.push_back(c.name);
      if (first.empty()) first = path_key(c.path(), "securityContext.capabilities.drop");
    }
    bool added_forbidden = false;
    if (const json* add = array_at(*caps, "add")) {
      for (size_t i = 0; i < add->size(); ++i) {
        const json& a = (*add)[i];
        if (a.is_string() && a.get_ref<const std::string&>() == "NET_BIND_SERVICE") continue;
        added_forbidden = true;
        forbidden_caps.push_back(a.is_string() ? a.get<std::string>() : short_json(a));
        if (first.empty()) first = path_index(path_key(c.path(), "securityContext.capabilities.add"), i);
      }
    }
    if (added_forbidden) adding_forbidden.push_back(c.name);
  });
  std::vector<std::string> details, hints;
  if (!missing_drop_all.empty()) {
    details.push_back(containers_phrase(missing_drop_all) + " must set securityContext.capabilities.drop=[\"ALL\"]");
    hints.push_back("add \"ALL\" to securityContext.capabilities.drop on " + containers_phrase(missing_drop_all));
  }
  if (!adding_forbidden.empty()) {
    std::vector<std::string> caps = sorted_set(forbidden_caps);
    details.push_back(containers_phrase(adding_forbidden) + " must not include " + join_quote(caps) +
                      " in securityContext.capabilities.add");
    hints.push_back("remove " + join_quote(caps) + " from securityContext.capabilities.add on " +
                    containers_phrase(adding_forbidden));
  }
  if (details.empty()) return allowed();
  Result r;
  r.allowed = false;
  r.reason = "unrestricted capabilities";
  r.detail = join(details, "; ");
  r.path = first;
  r.hint = join(hints, "; ");
  return r;
}

Result capabilities_restricted_1_25(const Pod& pod) {
  if (is_windows(pod)) return allowed();
  return capabilities_restricted_1_22(pod);
}

}  // namespace

Check check_capabilities_restricted() {
  return Check{
      "capabilities_restricted",
      Level::Restricted,
      {{22, capabilities_restricted_1_22, {"capabilities_baseline"}},
       {25, capabilities_restricted_1_25, {"capabilities_baseline"}}},
      "Containers must drop ALL capabilities and may only add NET_BIND_SERVICE (PSA restricted)",
      "Pod Security Standards, restricted: every container, init container and ephemeral container "
      "must list \"ALL\" in securityContext.capabilities.drop and may add back only NET_BIND_SERVICE. "
      "This replaces the baseline capabilities check at the restricted level. Windows pods "
      "(spec.os.name: windows) are exempt from policy v1.25. Fix: set `capabilities: {drop: [\"ALL\"]}` "
      "(the mutating default adds \"ALL\" when missing and keeps existing add entries).",
  };
}

}  // namespace rg::psa
