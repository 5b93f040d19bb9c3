// PolicyReports (wgpolicyk8s.io/v1alpha2) from audit results.
//
// One report per namespace (PolicyReport) and one for cluster-scoped objects
// (ClusterPolicyReport), both named "rollout-guard" by default. One result
// per finding: policy "rollout-guard", rule = the rule id, result "fail"
// (deny) or "warn", severity high/medium, the message with the hint, the
// resource reference (apiVersion, kind, namespace, name, uid) and a
// timestamp. Objects without findings are only counted in summary.pass.
//
// Reports are deterministic: results are sorted by resource, rule, path and
// message and duplicates are dropped, so the same findings always give the
// same report, and a result keeps the timestamp of the report it already
// appeared in (so an unchanged audit gives an unchanged report).
#pragma once

#include <cstdint>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "server/kube/client.h"
#include "server/reconcile/audit.h"

namespace rg::reconcile {

using json = nlohmann::json;

namespace resources {
inline constexpr kube::Resource kPolicyReports{"wgpolicyk8s.io", "v1alpha2", "policyreports", "PolicyReport", true};
inline constexpr kube::Resource kClusterPolicyReports{"wgpolicyk8s.io", "v1alpha2", "clusterpolicyreports",
                                                      "ClusterPolicyReport", false};
}  // namespace resources

inline constexpr std::string_view kReportName = "rollout-guard";
inline constexpr std::string_view kManagedByLabel = "app.kubernetes.io/managed-by";

// The report resource for a namespace ("" = the cluster report).
const kube::Resource& report_resource(std::string_view ns);

// Builds the report of `ns` from its audited objects. Results already present
// in `previous` (the report as last written; null for none) keep their
// timestamp; new ones get `now_seconds`.
json build_report(std::string_view ns, const std::vector<AuditedObject>& objects, const json& previous,
                  int64_t now_seconds, std::string_view name = kReportName);

// A result's identity: the result without its timestamp, as text. Equal
// identities are the same finding on the same object.
std::string result_identity(const json& result);
// What a report says, without timestamps or server metadata: two reports
// with the same fingerprint need no write.
std::string report_fingerprint(const json& report);
// The identities of a report's "fail" results (deny findings).
std::set<std::string> failing_identities(const json& report);

}  // namespace rg::reconcile
