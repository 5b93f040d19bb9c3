#include "server/reconcile/audit.h"

#include <algorithm>

#include "policy/catalog.h"
#include "policy/rule.h"

namespace rg::reconcile {

bool is_audited_kind(std::string_view kind) {
  return std::find(std::begin(kAuditedKinds), std::end(kAuditedKinds), kind) != std::end(kAuditedKinds);
}

std::vector<AuditedObject> audit_namespace(const Inventory& inventory, const Policy& policy, std::string_view ns,
                                           std::optional<NamespaceMode> label_mode) {
  const Policy* effective = &policy;
  Policy with_label;
  if (label_mode && !ns.empty() && policy.namespace_mode(ns) != *label_mode) {
    with_label = policy;
    with_label.namespaces[std::string(ns)] = *label_mode;
    effective = &with_label;
  }
  const Context ctx{*effective, inventory};
  std::vector<AuditedObject> out;
  for (std::string_view kind : kAuditedKinds) {
    const bool cluster_kind = kind == "ClusterAnalysisTemplate";
    if (cluster_kind != ns.empty()) continue;
    std::vector<const Object*> objs = inventory.list(kind, ns);
    std::sort(objs.begin(), objs.end(), [](const Object* a, const Object* b) { return a->name() < b->name(); });
    for (const Object* o : objs) {
      AuditedObject a;
      a.api_version = o->api_version();
      a.kind = o->kind();
      a.ns = o->ns();
      a.name = o->name();
      a.uid = str_or(child(o->doc, {"metadata", "uid"}));
      a.findings = evaluate(*o, ctx);
      out.push_back(std::move(a));
    }
  }
  return out;
}

}  // namespace rg::reconcile
