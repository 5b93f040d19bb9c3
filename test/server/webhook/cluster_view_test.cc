// The webhook's view of the cluster inventory: which inventory a namespace
// is evaluated with (--namespace scope), namespace label modes (invalid values
// ignored and counted), readiness before the inventory starts, and the
// inventory's metrics.
#include "server/webhook/cluster_view.h"

#include <gtest/gtest.h>

#include "admission/admission.h"
#include "server/webhook/metrics.h"

namespace rg::webhook {
namespace {

using json = nlohmann::json;

json ns_object(const std::string& name, const std::string& label) {
  json o = {{"apiVersion", "v1"}, {"kind", "Namespace"}, {"metadata", {{"name", name}}}};
  if (!label.empty()) o["metadata"]["labels"] = {{"rollout-guard.io/enforce", label}};
  return o;
}

json rollout(const std::string& ns) {
  return {{"apiVersion", "argoproj.io/v1alpha1"},
          {"kind", "Rollout"},
          {"metadata", {{"name", "catalog"}, {"namespace", ns}}},
          {"spec", json::object()}};
}

// The value of one series in the rendered metrics; -1 when absent.
double value(const std::string& text, const std::string& series) {
  size_t at = 0;
  while ((at = text.find(series + " ", at)) != std::string::npos) {
    if (at == 0 || text[at - 1] == '\n') return std::stod(text.substr(at + series.size() + 1));
    at += series.size();
  }
  return -1;
}

TEST(ClusterView, ScopeChoosesTheInventory) {
  kube::ClusterInventory inv;
  inv.upsert(rollout("shop"));
  inv.upsert(rollout("other"));
  Metrics m;
  ClusterView all(&inv, "", m.registry());
  EXPECT_EQ(&all.inventory_for("shop"), &inv);
  EXPECT_EQ(&all.inventory_for("other"), &inv);

  Metrics m2;
  ClusterView scoped(&inv, "shop", m2.registry());
  EXPECT_EQ(&scoped.inventory_for("shop"), &inv);
  // Elsewhere the neighbours are unknown: an empty inventory that says so.
  const Inventory& elsewhere = scoped.inventory_for("other");
  EXPECT_NE(&elsewhere, &inv);
  EXPECT_EQ(elsewhere.find("argoproj.io", "Rollout", "other", "catalog"), nullptr);
  EXPECT_FALSE(elsewhere.complete());
  EXPECT_EQ(&scoped.inventory_for(""), &elsewhere) << "cluster-scoped objects are outside a namespace scope";
}

TEST(ClusterView, NamespaceLabelsAreModesAndInvalidValuesAreIgnoredAndCounted) {
  kube::ClusterInventory inv;
  for (auto [name, label] : {std::pair{"e", "enforce"}, {"w", "warn"}, {"o", "off"}, {"x", "Warn"}, {"plain", ""}}) {
    inv.upsert(ns_object(name, label));
  }
  Metrics m;
  ClusterView view(&inv, "", m.registry());
  EXPECT_EQ(view.namespace_mode("e"), NamespaceMode::Enforce);
  EXPECT_EQ(view.namespace_mode("w"), NamespaceMode::Warn);
  EXPECT_EQ(view.namespace_mode("w"), NamespaceMode::Warn);
  EXPECT_EQ(view.namespace_mode("o"), NamespaceMode::Off);
  EXPECT_EQ(view.namespace_mode("x"), std::nullopt);  // values are case-sensitive, as the policy file's
  EXPECT_EQ(view.namespace_mode("x"), std::nullopt);
  EXPECT_EQ(view.namespace_mode("plain"), std::nullopt);
  EXPECT_EQ(view.namespace_mode("missing"), std::nullopt);
  EXPECT_EQ(view.namespace_mode(""), std::nullopt);

  const std::string text = m.render();
  EXPECT_EQ(value(text, "rollout_guard_namespace_mode_overrides_total{mode=\"warn\"}"), 2) << text;
  EXPECT_EQ(value(text, "rollout_guard_namespace_mode_overrides_total{mode=\"enforce\"}"), 1);
  EXPECT_EQ(value(text, "rollout_guard_namespace_mode_overrides_total{mode=\"off\"}"), 1);
  EXPECT_EQ(value(text, "rollout_guard_namespace_label_invalid_total"), 2);

  // A label that changes takes effect on the next review.
  inv.upsert(ns_object("w", "off"));
  EXPECT_EQ(view.namespace_mode("w"), NamespaceMode::Off);
}

TEST(ClusterView, AnUnstartedInventoryIsNotReadyAndItsMetricsSaySo) {
  kube::ClusterInventory inv;
  inv.upsert(rollout("shop"));
  Metrics m;
  ClusterView view(&inv, "", m.registry());
  EXPECT_FALSE(view.synced());
  EXPECT_EQ(view.incomplete_reason(), "the cluster inventory is not started");
  view.update_metrics();
  view.poll();  // nothing to log before the sync
  const std::string text = m.render();
  EXPECT_EQ(value(text, "rollout_guard_inventory_synced"), 0) << text;
  EXPECT_EQ(value(text, "rollout_guard_inventory_complete"), 0);
  EXPECT_EQ(value(text, "rollout_guard_inventory_objects"), 1);
  EXPECT_EQ(value(text, "rollout_guard_inventory_watch_restarts_total"), 0);
  EXPECT_EQ(value(text, "rollout_guard_inventory_relists_total"), 0);
}

TEST(ClusterView, TheContextItFillsDecidesTheReview) {
  // What server.cc does per review: the view fills the Context; the core decides.
  kube::ClusterInventory inv;
  inv.upsert(ns_object("w", "warn"));
  inv.upsert(rollout("w"));
  Metrics m;
  ClusterView view(&inv, "", m.registry());
  json hpa = {{"apiVersion", "autoscaling/v2"},
              {"kind", "HorizontalPodAutoscaler"},
              {"metadata", {{"name", "catalog"}, {"namespace", "w"}}},
              {"spec",
               {{"scaleTargetRef", {{"apiVersion", "apps/v1"}, {"kind", "Deployment"}, {"name", "catalog"}}},
                {"minReplicas", 2},
                {"maxReplicas", 5}}}};
  json review = {{"apiVersion", "admission.k8s.io/v1"},
                 {"kind", "AdmissionReview"},
                 {"request",
                  {{"uid", "u1"},
                   {"kind", {{"group", "autoscaling"}, {"version", "v2"}, {"kind", "HorizontalPodAutoscaler"}}},
                   {"namespace", "w"},
                   {"name", "catalog"},
                   {"operation", "CREATE"},
                   {"object", hpa}}}};
  admission::Review r;
  std::string err;
  ASSERT_TRUE(admission::parse_review(review.dump(), &r, &err)) << err;
  const Policy policy;
  // The inventory is not started, so it is incomplete: the denial is a warning that says why.
  Context ctx{policy, view.inventory_for("w"), std::nullopt};
  admission::Decision d = admission::validate(r, ctx);
  EXPECT_TRUE(d.allowed);
  ASSERT_FALSE(d.findings.empty());
  EXPECT_EQ(d.findings[0].rule, "replicas/replaced-deployment-target");
  EXPECT_NE(d.findings[0].message.find("(a warning, not a denial, while the cluster inventory is not started)"),
            std::string::npos)
      << d.findings[0].message;
  // The namespace's label adds its own note when a denial reaches it.
  Context labelled{policy, view.inventory_for("w"), view.namespace_mode("w")};
  ASSERT_EQ(labelled.namespace_mode, NamespaceMode::Warn);
  EXPECT_TRUE(admission::validate(r, labelled).allowed);
}

}  // namespace
}  // namespace rg::webhook
