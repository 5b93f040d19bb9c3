#include "policy/pod_security/fixes.h"

#include "policy/messages.h"
#include "policy/pod_security/registry.h"

namespace rg::psa {

namespace {

constexpr std::string_view kSpecPath = "spec.template.spec";

// The check is part of the policy's level and version.
bool active(std::string_view id, const Context& ctx) {
  if (!ctx.policy.default_pod_security) return false;
  const Registry& reg = registry();
  Level level = Level::Restricted;
  if (!parse_level(ctx.policy.psa_level, &level)) level = Level::Restricted;
  int minor = reg.resolve_version(ctx.policy.psa_version);
  if (minor < 0) minor = reg.max_minor();
  return reg.lookup(id, level, minor) != nullptr;
}

// spec.template.spec when it is an object.
json* pod_spec(json& obj) {
  if (!obj.is_object()) return nullptr;
  auto s = obj.find("spec");
  if (s == obj.end() || !s->is_object()) return nullptr;
  auto t = s->find("template");
  if (t == s->end() || !t->is_object()) return nullptr;
  auto p = t->find("spec");
  if (p == t->end() || !p->is_object()) return nullptr;
  return &*p;
}

bool windows(const json& spec) {
  auto os = spec.find("os");
  if (os == spec.end() || !os->is_object()) return false;
  auto name = os->find("name");
  return name != os->end() && name->is_string() && name->get_ref<const std::string&>() == "windows";
}

// The object at key, created when absent or null; nullptr when the user put
// something else there (left alone).
json* ensure_object(json& parent, std::string_view key) {
  auto it = parent.find(key);
  if (it == parent.end() || it->is_null()) {
    parent[std::string(key)] = json::object();
    return &parent[std::string(key)];
  }
  return it->is_object() ? &*it : nullptr;
}

// Sets key to value when absent or null; true when it did.
bool set_if_absent(json& parent, std::string_view key, json value) {
  auto it = parent.find(key);
  if (it != parent.end() && !it->is_null()) return false;
  parent[std::string(key)] = std::move(value);
  return true;
}

void note(std::vector<FixNote>* notes, const std::string& path, const std::string& message) {
  if (notes != nullptr) notes->push_back(FixNote{path, message});
}

// Calls fn(container, path) for every object entry of the three container lists.
template <typename Fn>
void each_container(json& spec, Fn fn) {
  for (std::string_view list : {"initContainers", "containers", "ephemeralContainers"}) {
    auto it = spec.find(list);
    if (it == spec.end() || !it->is_array()) continue;
    std::string base = path_key(kSpecPath, list);
    for (size_t i = 0; i < it->size(); ++i) {
      json& c = (*it)[i];
      if (c.is_object()) fn(c, path_index(base, i));
    }
  }
}

void fix_run_as_non_root(json& obj, const Context& ctx, std::vector<FixNote>* notes) {
  if (!active("runAsNonRoot", ctx)) return;
  json* spec = pod_spec(obj);
  if (spec == nullptr) return;
  json* sc = ensure_object(*spec, "securityContext");
  if (sc == nullptr) return;
  std::string path = path_key(kSpecPath, "securityContext.runAsNonRoot");
  if (set_if_absent(*sc, "runAsNonRoot", true)) note(notes, path, "set " + path + "=true");
}

void fix_seccomp_profile(json& obj, const Context& ctx, std::vector<FixNote>* notes) {
  if (!active("seccompProfile_restricted", ctx)) return;
  json* spec = pod_spec(obj);
  if (spec == nullptr || windows(*spec)) return;
  json* sc = ensure_object(*spec, "securityContext");
  if (sc == nullptr) return;
  auto existing = sc->find("seccompProfile");
  if (existing != sc->end() && !existing->is_null()) return;  // the user chose one: leave it
  (*sc)["seccompProfile"] = json{{"type", "RuntimeDefault"}};
  std::string path = path_key(kSpecPath, "securityContext.seccompProfile.type");
  note(notes, path, "set " + path + "=RuntimeDefault");
}

bool adds_sys_admin(const json& sc) {
  auto caps = sc.find("capabilities");
  if (caps == sc.end() || !caps->is_object()) return false;
  auto add = caps->find("add");
  if (add == caps->end() || !add->is_array()) return false;
  for (const json& a : *add) {
    if (a.is_string() && (a == "SYS_ADMIN" || a == "CAP_SYS_ADMIN")) return true;
  }
  return false;
}

void fix_allow_privilege_escalation(json& obj, const Context& ctx, std::vector<FixNote>* notes) {
  if (!active("allowPrivilegeEscalation", ctx)) return;
  json* spec = pod_spec(obj);
  if (spec == nullptr || windows(*spec)) return;
  each_container(*spec, [&](json& c, const std::string& cpath) {
    json* sc = ensure_object(c, "securityContext");
    if (sc == nullptr) return;
    // The API refuses allowPrivilegeEscalation=false next to privileged=true
    // or CAP_SYS_ADMIN: those explicit violations stay for the validator.
    auto priv = sc->find("privileged");
    if ((priv != sc->end() && priv->is_boolean() && priv->get<bool>()) || adds_sys_admin(*sc)) return;
    std::string path = path_key(cpath, "securityContext.allowPrivilegeEscalation");
    if (set_if_absent(*sc, "allowPrivilegeEscalation", false)) note(notes, path, "set " + path + "=false");
  });
}

void fix_capabilities(json& obj, const Context& ctx, std::vector<FixNote>* notes) {
  if (!active("capabilities_restricted", ctx)) return;
  json* spec = pod_spec(obj);
  if (spec == nullptr || windows(*spec)) return;
  each_container(*spec, [&](json& c, const std::string& cpath) {
    json* sc = ensure_object(c, "securityContext");
    json* caps = sc ? ensure_object(*sc, "capabilities") : nullptr;
    if (caps == nullptr) return;
    std::string path = path_key(cpath, "securityContext.capabilities.drop");
    auto drop = caps->find("drop");
    if (drop == caps->end() || drop->is_null()) {
      (*caps)["drop"] = json::array({"ALL"});
      note(notes, path, "set " + path + "=[\"ALL\"]");
      return;
    }
    if (!drop->is_array()) return;
    for (const json& d : *drop) {
      if (d.is_string() && d.get_ref<const std::string&>() == "ALL") return;
    }
    drop->push_back("ALL");
    note(notes, path_index(path, drop->size() - 1), "set " + path_index(path, drop->size() - 1) + "=ALL");
  });
}

}  // namespace

FixFn fix_for(std::string_view check_id) {
  if (check_id == "runAsNonRoot") return fix_run_as_non_root;
  if (check_id == "seccompProfile_restricted") return fix_seccomp_profile;
  if (check_id == "allowPrivilegeEscalation") return fix_allow_privilege_escalation;
  if (check_id == "capabilities_restricted") return fix_capabilities;
  return nullptr;
}

}  // namespace rg::psa
