// Auditing the objects of one namespace with the core: every object of the
// five audited kinds, evaluated with rg::evaluate against the policy and the
// cluster inventory. No network, no clock: the reconciler and the benchmark
// share it.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "policy/finding.h"
#include "policy/inventory.h"
#include "policy/policy.h"

namespace rg::reconcile {

// The kinds the reconciler audits (namespaced ones first).
inline constexpr std::string_view kAuditedKinds[] = {"Rollout", "AnalysisTemplate", "HorizontalPodAutoscaler",
                                                     "ScaledObject", "ClusterAnalysisTemplate"};
bool is_audited_kind(std::string_view kind);

// One audited object and what the core said about it.
struct AuditedObject {
  std::string api_version, kind, ns, name, uid;
  std::vector<Finding> findings;  // evaluate()'s order
};

// Audits the objects of `ns`; ns "" audits the cluster-scoped kinds
// (ClusterAnalysisTemplates). `label_mode` is the namespace's
// rollout-guard.io/enforce label: when set it wins over the policy's
// `namespaces:` entries, as in the webhook. Objects come in (kind, name) order.
std::vector<AuditedObject> audit_namespace(const Inventory& inventory, const Policy& policy, std::string_view ns,
                                           std::optional<NamespaceMode> label_mode = std::nullopt);

}  // namespace rg::reconcile
