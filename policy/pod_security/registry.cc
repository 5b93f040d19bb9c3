#include "policy/pod_security/registry.h"

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <set>

namespace rg::psa {

namespace {

[[noreturn]] void invalid(std::string_view id, const char* why) {
  std::fprintf(stderr, "rollout-guard: invalid PSA check %.*s: %s\n", static_cast<int>(id.size()), id.data(), why);
  std::abort();
}

void validate(const std::vector<Check>& checks) {
  std::set<std::string_view> ids, baseline;
  for (const Check& c : checks) {
    if (c.id.empty() || !ids.insert(c.id).second) invalid(c.id, "empty or duplicate id");
    if (c.level == Level::Baseline) baseline.insert(c.id);
    if (c.versions.empty()) invalid(c.id, "no versions");
    if (c.summary.empty() || c.doc.empty()) invalid(c.id, "missing summary or doc");
    int prev = -1;
    for (const VersionedCheck& v : c.versions) {
      if (v.check == nullptr) invalid(c.id, "revision without a check function");
      if (v.min_minor <= prev) invalid(c.id, "versions must be strictly increasing");
      prev = v.min_minor;
    }
  }
  for (const Check& c : checks) {
    for (const VersionedCheck& v : c.versions) {
      if (v.overrides.empty()) continue;
      if (c.level != Level::Restricted) invalid(c.id, "only restricted checks may set overrides");
      for (std::string_view o : v.overrides) {
        if (!baseline.count(o)) invalid(c.id, "overrides a check that is not a baseline check");
      }
    }
  }
}

}  // namespace

bool parse_level(std::string_view s, Level* out) {
  if (s == "baseline") {
    *out = Level::Baseline;
    return true;
  }
  if (s == "restricted") {
    *out = Level::Restricted;
    return true;
  }
  return false;
}

std::string_view level_name(Level l) { return l == Level::Baseline ? "baseline" : "restricted"; }

Registry::Registry() {
  checks_ = {
      check_allowPrivilegeEscalation(), check_appArmorProfile(),        check_capabilities_baseline(),
      check_capabilities_restricted(),  check_hostNamespaces(),         check_hostPathVolumes(),
      check_hostPorts(),                check_hostProbesAndHostLifecycle(), check_privileged(),
      check_procMount(),                check_procMount_restricted(),   check_restrictedVolumes(),
      check_runAsNonRoot(),             check_runAsUser(),              check_seLinuxOptions(),
      check_seccompProfile_baseline(),  check_seccompProfile_restricted(), check_sysctls(),
      check_windowsHostProcess(),
  };
  validate(checks_);
  std::stable_sort(checks_.begin(), checks_.end(), [](const Check& a, const Check& b) {
    if (a.level != b.level) return a.level == Level::Baseline;
    return a.id < b.id;
  });
  for (const Check& c : checks_) max_minor_ = std::max(max_minor_, c.versions.back().min_minor);
  for (Level level : {Level::Baseline, Level::Restricted}) {
    auto& by_minor = active_[level == Level::Baseline ? 0 : 1];
    by_minor.resize(static_cast<size_t>(max_minor_) + 1);
    for (int minor = 0; minor <= max_minor_; ++minor) {
      for (const Check& c : checks_) by_minor[static_cast<size_t>(minor)].push_back(lookup(c.id, level, minor));
    }
  }
}

const Check* Registry::find(std::string_view id) const {
  for (const Check& c : checks_) {
    if (c.id == id) return &c;
  }
  return nullptr;
}

int Registry::resolve_version(std::string_view version) const {
  if (version == "latest") return max_minor_;
  if (!version.starts_with("v1.")) return -1;
  std::string_view num = version.substr(3);
  int minor = 0;
  auto [ptr, ec] = std::from_chars(num.data(), num.data() + num.size(), minor);
  if (ec != std::errc() || ptr != num.data() + num.size() || num.empty() || minor < 0) return -1;
  return std::min(minor, max_minor_);
}

const VersionedCheck* Registry::active(const Check& c, int minor) const {
  const VersionedCheck* found = nullptr;
  for (const VersionedCheck& v : c.versions) {
    if (v.min_minor <= minor) found = &v;
  }
  return found;
}

std::string_view Registry::effective_id(std::string_view id, Level level, int minor) const {
  if (level != Level::Restricted) return id;
  for (const Check& c : checks_) {
    if (c.level != Level::Restricted) continue;
    const VersionedCheck* v = active(c, minor);
    if (v == nullptr) continue;
    for (std::string_view o : v->overrides) {
      if (o == id) return c.id;
    }
  }
  return id;
}

CheckFn Registry::lookup(std::string_view id, Level level, int minor) const {
  const Check* c = find(id);
  if (c == nullptr) return nullptr;
  if (c->level == Level::Restricted && level == Level::Baseline) return nullptr;
  if (c->level == Level::Baseline && effective_id(id, level, minor) != id) return nullptr;
  const VersionedCheck* v = active(*c, minor);
  return v ? v->check : nullptr;
}

CheckFn Registry::lookup_at(size_t index, Level level, int minor) const {
  const auto& by_minor = active_[level == Level::Baseline ? 0 : 1];
  if (minor < 0 || static_cast<size_t>(minor) >= by_minor.size() || index >= checks_.size()) return nullptr;
  return by_minor[static_cast<size_t>(minor)][index];
}

std::vector<Registry::Evaluated> Registry::evaluate(const Pod& pod, Level level, int minor) const {
  std::vector<Evaluated> out;
  for (const Check& c : checks_) {
    if (CheckFn fn = lookup(c.id, level, minor)) out.push_back({c.id, fn(pod)});
  }
  return out;
}

const Registry& registry() {
  static const Registry kRegistry;
  return kRegistry;
}

}  // namespace rg::psa
