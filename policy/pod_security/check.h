// Pod Security Standards checks, modelled on kubernetes/pod-security-admission
// (policy/check_*.go). One check per file (check_<id>.cc); the registry
// (registry.h) is the only place that lists them all.
//
// A check reads a pod's metadata and spec as plain json and answers like PSA:
// allowed, a short forbidden reason, a detail naming the offending containers,
// volumes or fields. It also names the field path of the first offending field
// (for Finding.path) and the smallest change that fixes it (Finding.hint).
// Checks never throw: a field of the wrong type reads as absent.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "policy/messages.h"
#include "policy/object.h"

namespace rg::psa {

enum class Level { Baseline, Restricted };

struct PodTemplate;

// The pod being checked: its metadata and spec, and where they live in the
// enclosing object ("spec.template.metadata", "spec.template.spec").
struct Pod {
  const json& metadata;  // may be null or any type
  const json& spec;      // may be null or any type
  std::string_view metadata_path;  // must outlive the Pod (the callers pass literals)
  std::string_view spec_path;
  // The containers already walked (walk_pod_template), shared by every check
  // of an evaluation; nullptr: visit_containers walks spec itself.
  const PodTemplate* walked = nullptr;
};

struct Result {
  bool allowed = true;
  std::string reason;  // PSA ForbiddenReason: "allowPrivilegeEscalation != false"
  std::string detail;  // PSA ForbiddenDetail: "container \"x\" must set ..."
  std::string path;    // most specific offending (or missing) field
  std::string hint;    // smallest change that fixes it
};

inline Result allowed() { return Result{}; }

using CheckFn = Result (*)(const Pod&);

struct VersionedCheck {
  int min_minor;  // first policy version v1.<min_minor> this revision applies to
  CheckFn check;
  // Baseline check ids this (restricted) revision replaces at restricted level.
  std::vector<std::string_view> overrides = {};
};

struct Check {
  std::string_view id;  // PSA check id, e.g. "allowPrivilegeEscalation"
  Level level;
  std::vector<VersionedCheck> versions;  // strictly increasing min_minor
  std::string_view summary;              // one line, for the rule catalog
  std::string_view doc;                  // a paragraph: what, why, how to fix
};

// ---- the checks (one file each) ----
Check check_allowPrivilegeEscalation();
Check check_appArmorProfile();
Check check_capabilities_baseline();
Check check_capabilities_restricted();
Check check_hostNamespaces();
Check check_hostPathVolumes();
Check check_hostPorts();
Check check_hostProbesAndHostLifecycle();
Check check_privileged();
Check check_procMount();
Check check_procMount_restricted();
Check check_restrictedVolumes();
Check check_runAsNonRoot();
Check check_runAsUser();
Check check_seLinuxOptions();
Check check_seccompProfile_baseline();
Check check_seccompProfile_restricted();
Check check_sysctls();
Check check_windowsHostProcess();

// procMount's v1.0 rule (no user-namespace relaxation); procMount_restricted
// re-applies it from v1.35 (check_procMount.cc).
Result proc_mount_1_0(const Pod& pod);

// Shared by the two seccompProfile checks (check_seccompProfile_baseline.cc):
// RuntimeDefault or Localhost; and the pod/containers that explicitly set
// another type ("pod", "containers \"a\""), collecting the bad values, the
// first offending path, whether the pod level is valid, and (when
// implicit_bad is not null) the containers that set nothing while the pod
// level is not valid.
bool valid_seccomp_type(std::string_view t);
std::vector<std::string> bad_seccomp_setters(const Pod& pod, std::vector<std::string>* bad_values,
                                             std::string* first, bool* pod_valid,
                                             std::vector<std::string>* implicit_bad);

// ---- helpers shared by the checks (pod.cc) ----

// PSA's joinQuote: {"a","b"} -> "\"a\", \"b\"" (no escaping, exactly as PSA).
std::string join_quote(const std::vector<std::string>& items);
// PSA's pluralize.
std::string_view pluralize(std::string_view singular, std::string_view plural, size_t n);
// Joins with a separator.
std::string join(const std::vector<std::string>& items, std::string_view sep);
// Sorted, de-duplicated copy (Go's sets.NewString(...).List()).
std::vector<std::string> sorted_set(std::vector<std::string> items);
// Go's %q for simple strings (JSON-style escaping).
std::string go_quote(std::string_view s);

// Readers: nullptr / nullopt / "" when absent, null or of another type.
const json* object_at(const json& j, std::string_view key);
const json* array_at(const json& j, std::string_view key);
// 1 true, 0 false, -1 absent or not a bool.
int bool_at(const json& j, std::string_view key);
std::string string_at(const json& j, std::string_view key);

// A container as visited: the json, its name, its securityContext (an
// object, or nullptr) and where it is. Its path
// ("spec.template.spec.initContainers[0]") is built only when asked for: a
// check needs it only for an offending container, and most pods have none.
struct Container {
  const json& c;
  const std::string& name;
  std::string_view spec_path;  // the Pod's
  std::string_view list;       // "initContainers", "containers" or "ephemeralContainers"
  size_t index;
  const json* sc;
  std::string path() const { return path_index(path_key(spec_path, list), index); }
  // securityContext object or nullptr.
  const json* security_context() const { return sc; }
};

// A pod template walked once: where its metadata and spec are and its
// containers in PSA's order (initContainers, containers, ephemeralContainers;
// entries that are not objects left out). The 19 checks of an evaluation
// share one (EvalCache::pod_template) instead of each looking up the same
// fields again.
struct PodTemplate {
  struct Entry {
    const json* c;
    std::string name;
    std::string_view list;
    size_t index;
    const json* security_context;  // object or nullptr
  };
  bool present = false;              // spec.template is an object
  const json* metadata = nullptr;    // spec.template.metadata, or nullptr
  const json* spec = nullptr;        // spec.template.spec, or nullptr
  const json* workload_ref = nullptr;  // spec.workloadRef when an object, else nullptr
  std::vector<Entry> containers;     // of spec.template.spec
};

// Walks doc.spec.template (and notes doc.spec.workloadRef).
PodTemplate walk_pod_template(const json& doc);
// The containers of a pod spec, as visit_containers visits them.
std::vector<PodTemplate::Entry> walk_containers(const json& spec);

// Visits initContainers, containers, then ephemeralContainers (PSA's order).
// Entries that are not objects are skipped. A template rather than a
// std::function: it runs 19 times per evaluation, once per check.
template <typename Fn>
void visit_containers(const Pod& pod, Fn&& fn) {
  const auto visit = [&](const std::vector<PodTemplate::Entry>& entries) {
    for (const PodTemplate::Entry& e : entries) {
      fn(Container{*e.c, e.name, pod.spec_path, e.list, e.index, e.security_context});
    }
  };
  if (pod.walked != nullptr) {
    visit(pod.walked->containers);
  } else {
    visit(walk_containers(pod.spec));
  }
}

// spec.securityContext as an object, or nullptr.
const json* pod_security_context(const Pod& pod);
// spec.os.name == "windows".
bool is_windows(const Pod& pod);
// spec.hostUsers == false (KEP-127 user namespaces): the 1.35+ relaxation trigger.
bool relax_for_user_namespace(const Pod& pod);

// "container \"a\"" / "containers \"a\", \"b\"".
std::string containers_phrase(const std::vector<std::string>& names);

}  // namespace rg::psa
