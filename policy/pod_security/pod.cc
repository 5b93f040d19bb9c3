// Helpers shared by the PSA checks: message grammar (PSA's joinQuote and
// pluralize), type-safe json readers and the container visitor.
#include <algorithm>

#include "policy/messages.h"
#include "policy/pod_security/check.h"

namespace rg::psa {

std::string join_quote(const std::vector<std::string>& items) {
  if (items.empty()) return "";
  // Appended rather than "\"" + join(...): g++ 12 -O3 flags that with a false -Wrestrict.
  std::string out = "\"";
  out += join(items, "\", \"");
  out += '"';
  return out;
}

std::string_view pluralize(std::string_view singular, std::string_view plural, size_t n) {
  return rg::pluralize(singular, plural, n);
}

std::string join(const std::vector<std::string>& items, std::string_view sep) {
  std::string out;
  for (size_t i = 0; i < items.size(); ++i) {
    if (i) out += sep;
    out += items[i];
  }
  return out;
}

std::vector<std::string> sorted_set(std::vector<std::string> items) {
  std::sort(items.begin(), items.end());
  items.erase(std::unique(items.begin(), items.end()), items.end());
  return items;
}

std::string go_quote(std::string_view s) { return rg::quote(s); }

const json* object_at(const json& j, std::string_view key) {
  const json* v = child(j, key);
  return (v != nullptr && v->is_object()) ? v : nullptr;
}

const json* array_at(const json& j, std::string_view key) {
  const json* v = child(j, key);
  return (v != nullptr && v->is_array()) ? v : nullptr;
}

int bool_at(const json& j, std::string_view key) {
  const json* v = child(j, key);
  if (v == nullptr || !v->is_boolean()) return -1;
  return v->get<bool>() ? 1 : 0;
}

std::string string_at(const json& j, std::string_view key) { return std::string(str_or(child(j, key))); }

std::vector<PodTemplate::Entry> walk_containers(const json& spec) {
  static constexpr std::string_view kLists[] = {"initContainers", "containers", "ephemeralContainers"};
  std::vector<PodTemplate::Entry> out;
  for (std::string_view list : kLists) {
    const json* arr = array_at(spec, list);
    if (arr == nullptr) continue;
    for (size_t i = 0; i < arr->size(); ++i) {
      const json& c = (*arr)[i];
      if (!c.is_object()) continue;
      out.push_back({&c, string_at(c, "name"), list, i, object_at(c, "securityContext")});
    }
  }
  return out;
}

PodTemplate walk_pod_template(const json& doc) {
  PodTemplate t;
  const json* spec = child(doc, "spec");
  if (const json* ref = spec ? child(*spec, "workloadRef") : nullptr; ref != nullptr && ref->is_object()) {
    t.workload_ref = ref;
  }
  const json* tmpl = spec ? child(*spec, "template") : nullptr;
  if (tmpl == nullptr || !tmpl->is_object()) return t;
  t.present = true;
  t.metadata = child(*tmpl, "metadata");
  t.spec = child(*tmpl, "spec");
  if (t.spec != nullptr) t.containers = walk_containers(*t.spec);
  return t;
}

const json* pod_security_context(const Pod& pod) { return object_at(pod.spec, "securityContext"); }

bool is_windows(const Pod& pod) {
  const json* os = object_at(pod.spec, "os");
  return os != nullptr && string_at(*os, "name") == "windows";
}

bool relax_for_user_namespace(const Pod& pod) { return bool_at(pod.spec, "hostUsers") == 0; }

std::string containers_phrase(const std::vector<std::string>& names) {
  return std::string(pluralize("container", "containers", names.size())) + " " + join_quote(names);
}

}  // namespace rg::psa
