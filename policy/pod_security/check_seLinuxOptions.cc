// seLinuxOptions (baseline, v1.0+; v1.31 allows container_engine_t)
//
// Setting the SELinux type is restricted; setting a custom SELinux user or
// role is forbidden.
// Restricted fields: spec.securityContext.seLinuxOptions.{type,user,role},
//   spec.{initContainers,containers,ephemeralContainers}[*].securityContext.seLinuxOptions.{type,user,role}
// Allowed values: type undefined/"", container_t, container_init_t,
//   container_kvm_t (v1.31+: also container_engine_t); user and role
//   undefined/"".
#include <set>

#include "policy/messages.h"
#include "policy/pod_security/check.h"

namespace rg::psa {

namespace {

Result se_linux_options(const Pod& pod, const std::set<std::string_view>& allowed_types) {
  std::vector<std::string> bad_setters;
  std::vector<std::string> bad_types;
  bool set_user = false, set_role = false;
  std::string first;

  auto valid = [&](const json& opts, const std::string& path) {
    bool ok = true;
    std::string type = string_at(opts, "type");
    auto note = [&](std::string_view field) {
      ok = false;
      if (first.empty()) first = path_key(path, field);
    };
    if (!allowed_types.count(type)) {
      bad_types.push_back(type);
      note("type");
    }
    if (!string_at(opts, "user").empty()) {
      set_user = true;
      note("user");
    }
    if (!string_at(opts, "role").empty()) {
      set_role = true;
      note("role");
    }
    return ok;
  };

  if (const json* sc = pod_security_context(pod)) {
    if (const json* o = object_at(*sc, "seLinuxOptions")) {
      if (!valid(*o, path_key(pod.spec_path, "securityContext.seLinuxOptions"))) bad_setters.push_back("pod");
    }
  }
  std::vector<std::string> bad;
  visit_containers(pod, [&](const Container& c) {
    const json* sc = c.security_context();
    const json* o = sc ? object_at(*sc, "seLinuxOptions") : nullptr;
    if (o != nullptr && !valid(*o, path_key(c.path(), "securityContext.seLinuxOptions"))) bad.push_back(c.name);
  });
  if (!bad.empty()) bad_setters.push_back(containers_phrase(bad));
  if (bad_setters.empty()) return allowed();

  std::vector<std::string> data;
  std::vector<std::string> types = sorted_set(bad_types);
  if (!types.empty()) {
    data.push_back(std::string(pluralize("type", "types", types.size())) + " " + join_quote(types));
  }
  if (set_user) data.emplace_back("user may not be set");
  if (set_role) data.emplace_back("role may not be set");
  Result r;
  r.allowed = false;
  r.reason = "seLinuxOptions";
  r.detail = join(bad_setters, " and ") + " set forbidden securityContext.seLinuxOptions: " + join(data, "; ");
  r.path = first;
  r.hint = "remove seLinuxOptions.user and .role and use an allowed seLinuxOptions.type (";
  std::vector<std::string> allowed_list;
  for (std::string_view t : allowed_types) {
    if (!t.empty()) allowed_list.emplace_back(t);
  }
  r.hint += join(allowed_list, ", ") + ", or none) on " + join(bad_setters, " and ");
  return r;
}

Result se_linux_options_1_0(const Pod& pod) {
  static const std::set<std::string_view> kTypes = {"", "container_t", "container_init_t", "container_kvm_t"};
  return se_linux_options(pod, kTypes);
}

Result se_linux_options_1_31(const Pod& pod) {
  static const std::set<std::string_view> kTypes = {"", "container_t", "container_init_t", "container_kvm_t",
                                                    "container_engine_t"};
  return se_linux_options(pod, kTypes);
}

}  // namespace

Check check_seLinuxOptions() {
  return Check{
      "seLinuxOptions",
      Level::Baseline,
      {{0, se_linux_options_1_0}, {31, se_linux_options_1_31}},
      "SELinux options may not set a custom user or role, or an unusual type (PSA baseline)",
      "Pod Security Standards, baseline: seLinuxOptions on the pod or any container may not set user "
      "or role, and type may only be empty, container_t, container_init_t or container_kvm_t (plus "
      "container_engine_t from policy v1.31); other types can escape the container's SELinux "
      "confinement. Fix: remove the custom seLinuxOptions.",
  };
}

}  // namespace rg::psa
