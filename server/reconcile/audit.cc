#include "server/reconcile/audit.h"

#include <algorithm>

#include "policy/catalog.h"
#include "policy/eval_cache.h"
#include "policy/rule.h"

namespace rg::reconcile {

bool is_audited_kind(std::string_view kind) {
  return std::find(std::begin(kAuditedKinds), std::end(kAuditedKinds), kind) != std::end(kAuditedKinds);
}

std::vector<AuditedObject> audit_namespace(const Inventory& inventory, const Policy& policy, std::string_view ns,
                                           std::optional<NamespaceMode> label_mode) {
  // The label, when set, wins over the policy's `namespaces:` entries (the
  // core applies it, and says so in the messages, as for the webhook).
  Context ctx{policy, inventory};
  if (!ns.empty()) ctx.namespace_mode = label_mode;
  // One cache for the namespace's objects: a template is analyzed once, and
  // Rollouts and autoscalers are indexed once, for the whole audit.
  EvalCache cache;
  ctx.cache = &cache;
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
