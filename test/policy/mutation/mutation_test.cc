// policy/mutation: the patch (minimal, escaped, applies to the defaulted
// object), warnings, idempotence, exemptions, never throwing, and the two
// defaults that are not pod-security: the KEDA target and the AnalysisTemplate
// metric fields.
#include "policy/mutation.h"

#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "manifests/policy_file.h"
#include "policy/catalog.h"
#include "policy/inventory.h"
#include "policy/policy.h"

namespace rg {
namespace {

MutationResult run(const json& doc, const Policy& policy = Policy{}, const Inventory* inv = nullptr) {
  MemoryInventory empty;
  Context ctx{policy, inv != nullptr ? *inv : empty};
  return mutate(Object{doc, {}}, ctx);
}

std::vector<std::string> rule_ids(const json& doc, const Policy& policy, const Inventory& inv) {
  Context ctx{policy, inv};
  std::vector<std::string> ids;
  for (const Finding& f : evaluate(Object{doc, {}}, ctx)) ids.push_back(f.rule);
  return ids;
}

bool has(const std::vector<std::string>& v, const std::string& s) {
  for (const auto& x : v) {
    if (x == s) return true;
  }
  return false;
}

json rollout(json pod_spec) {
  return {{"apiVersion", "argoproj.io/v1alpha1"},
          {"kind", "Rollout"},
          {"metadata", {{"name", "catalog"}, {"namespace", "bookstore"}}},
          {"spec", {{"template", {{"spec", std::move(pod_spec)}}}}}};
}

// --- JSON Pointer and the patch itself --------------------------------------

TEST(PointerEscape, TildeAndSlash) {
  EXPECT_EQ(pointer_escape("plain"), "plain");
  EXPECT_EQ(pointer_escape("app.kubernetes.io/name"), "app.kubernetes.io~1name");
  EXPECT_EQ(pointer_escape("a~b"), "a~0b");
  // "~" is escaped first in spirit: a literal "~1" must not read back as "/".
  EXPECT_EQ(pointer_escape("x~1y"), "x~01y");
  EXPECT_EQ(pointer_escape("/~/"), "~1~0~1");
  EXPECT_EQ(pointer_escape(""), "");
}

TEST(JsonPatch, EscapedKeysApplyWithNlohmann) {
  json from = {{"metadata", {{"annotations", {{"keep/me", "1"}}}}}};
  json to = from;
  to["metadata"]["annotations"]["example.com/a~b"] = "v";
  to["metadata"]["annotations"]["x~1y"] = "w";
  to["metadata"]["labels"] = {{"app.kubernetes.io/name", "catalog"}};
  json p = json_patch(from, to);
  std::set<std::string> paths;
  for (const json& op : p) {
    EXPECT_EQ(op["op"], "add") << op.dump();
    paths.insert(op["path"].get<std::string>());
  }
  EXPECT_EQ(paths, (std::set<std::string>{"/metadata/annotations/example.com~1a~0b", "/metadata/annotations/x~01y",
                                          "/metadata/labels"}));
  EXPECT_EQ(from.patch(p), to);
  // The pointers resolve to the same places with nlohmann's own parser.
  EXPECT_EQ(to.at(json::json_pointer("/metadata/annotations/x~01y")), "w");
}

TEST(JsonPatch, MinimalAddsArraysReplaceRemove) {
  json from = {{"a", {{"b", 1}}}, {"list", {"x"}}, {"n", nullptr}, {"gone", 1}};
  json to = {{"a", {{"b", 1}, {"c", 2}}}, {"list", {"x", "y"}}, {"n", {{"k", true}}}};
  json p = json_patch(from, to);
  EXPECT_EQ(p, json::parse(R"([
    {"op":"add","path":"/a/c","value":2},
    {"op":"remove","path":"/gone"},
    {"op":"add","path":"/list/1","value":"y"},
    {"op":"replace","path":"/n","value":{"k":true}}
  ])"));
  EXPECT_EQ(from.patch(p), to);
  EXPECT_TRUE(json_patch(to, to).empty());
  // Arrays that shrink remove from the end, so indices stay valid.
  json shrink_from = {{"l", {1, 2, 3, 4}}};
  json shrink_to = {{"l", {1}}};
  EXPECT_EQ(shrink_from.patch(json_patch(shrink_from, shrink_to)), shrink_to);
  // Whole-document replacement (different types at the root).
  EXPECT_EQ(json_patch(json::array(), json::object()), json::parse(R"([{"op":"replace","path":"","value":{}}])"));
}

// --- mutate() -----------------------------------------------------------------

TEST(Mutate, PodSecurityDefaultsPatchAndWarnings) {
  json doc = rollout({{"containers", {{{"name", "catalog"}, {"image", "c"}}}}});
  MutationResult r = run(doc);
  ASSERT_TRUE(r.error.empty()) << r.error;
  ASSERT_TRUE(r.changed());
  EXPECT_EQ(doc.patch(r.patch), r.object);
  for (const json& op : r.patch) EXPECT_EQ(op["op"], "add") << op.dump();
  std::set<std::string> warnings(r.warnings.begin(), r.warnings.end());
  EXPECT_TRUE(warnings.count("set spec.template.spec.securityContext.seccompProfile.type=RuntimeDefault"));
  EXPECT_TRUE(warnings.count("set spec.template.spec.securityContext.runAsNonRoot=true"));
  EXPECT_TRUE(warnings.count("set spec.template.spec.containers[0].securityContext.allowPrivilegeEscalation=false"));
  EXPECT_TRUE(warnings.count("set spec.template.spec.containers[0].securityContext.capabilities.drop=[\"ALL\"]"));
  EXPECT_EQ(r.warnings.size(), r.notes.size());
  // Idempotent: the defaulted object needs nothing more and says nothing.
  MutationResult again = run(r.object);
  EXPECT_TRUE(again.patch.empty());
  EXPECT_TRUE(again.warnings.empty());
  EXPECT_EQ(again.object, r.object);
}

TEST(Mutate, NullSecurityContextBecomesObjectWithReplace) {
  json doc = rollout({{"securityContext", nullptr},
                      {"containers", {{{"name", "c"}, {"securityContext", {{"capabilities", nullptr}}}}}}});
  MutationResult r = run(doc);
  ASSERT_TRUE(r.changed());
  EXPECT_EQ(doc.patch(r.patch), r.object);
  EXPECT_EQ(r.object["spec"]["template"]["spec"]["securityContext"]["runAsNonRoot"], true);
  EXPECT_EQ(r.object["spec"]["template"]["spec"]["containers"][0]["securityContext"]["capabilities"]["drop"],
            json::array({"ALL"}));
  EXPECT_TRUE(run(r.object).patch.empty());
}

TEST(Mutate, NothingToDoForOtherKindsAndWhenOff) {
  json svc = {{"apiVersion", "v1"}, {"kind", "Service"}, {"metadata", {{"name", "s"}}}};
  EXPECT_FALSE(run(svc).changed());
  json doc = rollout({{"containers", {{{"name", "c"}}}}});
  Policy off;
  off.default_pod_security = false;
  EXPECT_FALSE(run(doc, off).changed());
  Policy ns_off;
  ns_off.namespaces["bookstore"] = NamespaceMode::Off;
  EXPECT_FALSE(run(doc, ns_off).changed());
  Policy family_off;
  family_off.rules["pod-security/*"] = Action::Off;
  EXPECT_FALSE(run(doc, family_off).changed());
}

TEST(Mutate, ExemptRulesAreNotDefaulted) {
  Policy allows;  // pod-security/* is not exemptable by annotation by default
  allows.exemptable_rules.push_back("pod-security/*");
  json doc = rollout({{"containers", {{{"name", "c"}}}}});
  doc["metadata"]["annotations"] = {{"rollout-guard.io/exempt", "pod-security/runAsNonRoot"},
                                    {"rollout-guard.io/exempt-reason", "legacy image runs as root"}};
  MutationResult r = run(doc, allows);
  ASSERT_TRUE(r.changed());
  const json& sc = r.object["spec"]["template"]["spec"]["securityContext"];
  EXPECT_FALSE(sc.contains("runAsNonRoot"));
  EXPECT_EQ(sc["seccompProfile"]["type"], "RuntimeDefault");
  // A whole family, even without a reason (the intent is clear; the missing
  // reason is policy/exemption-reason's finding, not a reason to default).
  doc["metadata"]["annotations"] = {{"rollout-guard.io/exempt", "pod-security/*"}};
  EXPECT_FALSE(run(doc, allows).changed());
}

TEST(Mutate, ExemptionsThePolicyRefusesAreDefaulted) {
  json doc = rollout({{"containers", {{{"name", "c"}}}}});
  doc["metadata"]["annotations"] = {{"rollout-guard.io/exempt", "pod-security/*"},
                                    {"rollout-guard.io/exempt-reason", "legacy image runs as root"}};
  // The default policy does not let annotations exempt pod-security/*.
  MutationResult r = run(doc);
  ASSERT_TRUE(r.changed());
  EXPECT_EQ(r.object["spec"]["template"]["spec"]["securityContext"]["runAsNonRoot"], true);
  // Nor does a policy that lists the family but switches annotations off.
  Policy off;
  off.exemptable_rules.push_back("pod-security/*");
  off.exemption_annotations = false;
  EXPECT_TRUE(run(doc, off).changed());
}

TEST(Mutate, NeverThrowsOnMalformedInput) {
  const json weird[] = {
      nullptr, json::array(), "text", 42,
      {{"kind", "Rollout"}, {"apiVersion", "argoproj.io/v1alpha1"}},
      {{"kind", "Rollout"}, {"apiVersion", "argoproj.io/v1alpha1"}, {"spec", "x"}},
      {{"kind", "Rollout"}, {"apiVersion", "argoproj.io/v1alpha1"}, {"spec", {{"template", {{"spec", 1}}}}}},
      rollout({{"containers", "x"}, {"securityContext", "x"}}),
      rollout({{"containers", {nullptr, 1, "c", {{"securityContext", {{"capabilities", {{"drop", "ALL"}}}}}}}}}),
      rollout({{"securityContext", {{"seccompProfile", 7}}}, {"os", "windows"}}),
      {{"kind", "ScaledObject"}, {"apiVersion", "keda.sh/v1alpha1"}, {"spec", {{"scaleTargetRef", "x"}}}},
      {{"kind", "AnalysisTemplate"}, {"apiVersion", "argoproj.io/v1alpha1"}, {"spec", {{"metrics", {1, nullptr}}}}},
  };
  Policy all;
  all.default_failure_limit = 1;
  all.default_consecutive_error_limit_fill = 4;
  all.default_interval = "1m";
  for (const json& doc : weird) {
    MutationResult r;
    EXPECT_NO_THROW(r = run(doc, all)) << doc.dump();
    EXPECT_TRUE(r.error.empty()) << doc.dump() << ": " << r.error;
    if (r.changed()) {
      EXPECT_EQ(doc.patch(r.patch), r.object) << doc.dump();
    }
    EXPECT_TRUE(run(r.object, all).patch.empty()) << doc.dump();
  }
}

// --- replicas/replaced-deployment-target: the KEDA target default ------------

json scaled_object(json ref, const std::string& ns = "bookstore") {
  return {{"apiVersion", "keda.sh/v1alpha1"},
          {"kind", "ScaledObject"},
          {"metadata", {{"name", "catalog"}, {"namespace", ns}}},
          {"spec", {{"scaleTargetRef", std::move(ref)}, {"minReplicaCount", 2}, {"maxReplicaCount", 10}}}};
}

Object workload(const std::string& api, const std::string& kind, const std::string& ns = "bookstore") {
  return Object{{{"apiVersion", api}, {"kind", kind}, {"metadata", {{"name", "catalog"}, {"namespace", ns}}}}, {}};
}

TEST(KedaTargetDefault, SetsRolloutWhenOnlyARolloutExists) {
  MemoryInventory inv;
  inv.add(workload("argoproj.io/v1alpha1", "Rollout"));
  json doc = scaled_object({{"name", "catalog"}});
  Policy policy;
  ASSERT_TRUE(has(rule_ids(doc, policy, inv), "replicas/replaced-deployment-target"));
  MutationResult r = run(doc, policy, &inv);
  ASSERT_TRUE(r.changed());
  EXPECT_EQ(r.object["spec"]["scaleTargetRef"],
            (json{{"name", "catalog"}, {"apiVersion", "argoproj.io/v1alpha1"}, {"kind", "Rollout"}}));
  EXPECT_EQ(r.warnings, (std::vector<std::string>{"set spec.scaleTargetRef.apiVersion=argoproj.io/v1alpha1",
                                                  "set spec.scaleTargetRef.kind=Rollout"}));
  EXPECT_EQ(doc.patch(r.patch), r.object);
  EXPECT_FALSE(has(rule_ids(r.object, policy, inv), "replicas/replaced-deployment-target"));
  EXPECT_TRUE(run(r.object, policy, &inv).patch.empty());
}

TEST(KedaTargetDefault, FillsOnlyTheMissingHalf) {
  MemoryInventory inv;
  inv.add(workload("argoproj.io/v1alpha1", "Rollout"));
  MutationResult kind_only = run(scaled_object({{"name", "catalog"}, {"kind", "Rollout"}}), Policy{}, &inv);
  EXPECT_EQ(kind_only.object["spec"]["scaleTargetRef"]["apiVersion"], "argoproj.io/v1alpha1");
  EXPECT_EQ(kind_only.patch.size(), 1u);
  MutationResult api_only =
      run(scaled_object({{"name", "catalog"}, {"apiVersion", "argoproj.io/v1alpha1"}}), Policy{}, &inv);
  EXPECT_EQ(api_only.object["spec"]["scaleTargetRef"]["kind"], "Rollout");
  EXPECT_EQ(api_only.patch.size(), 1u);
  // Empty strings and null read as unset, as KEDA reads them.
  MutationResult empty = run(scaled_object({{"name", "catalog"}, {"kind", ""}, {"apiVersion", nullptr}}), Policy{}, &inv);
  EXPECT_EQ(empty.object["spec"]["scaleTargetRef"]["kind"], "Rollout");
  EXPECT_EQ(empty.object["spec"]["scaleTargetRef"]["apiVersion"], "argoproj.io/v1alpha1");
  EXPECT_EQ(json(scaled_object({{"name", "catalog"}, {"kind", ""}, {"apiVersion", nullptr}})).patch(empty.patch),
            empty.object);
}

TEST(KedaTargetDefault, LeavesItAloneWithoutCertainty) {
  Policy policy;
  json bare = scaled_object({{"name", "catalog"}});
  // No inventory knowledge.
  EmptyInventory none;
  EXPECT_FALSE(run(bare, policy, &none).changed());
  MemoryInventory stale;
  stale.add(workload("argoproj.io/v1alpha1", "Rollout"));
  stale.set_complete(false, "cache not synced");
  EXPECT_FALSE(run(bare, policy, &stale).changed());
  // No Rollout of that name, or it is in another namespace.
  MemoryInventory other_ns;
  other_ns.add(workload("argoproj.io/v1alpha1", "Rollout", "shop"));
  EXPECT_FALSE(run(bare, policy, &other_ns).changed());
  EXPECT_FALSE(run(bare, policy).changed());
  // A Deployment of that name exists too: KEDA's default may be right.
  MemoryInventory both;
  both.add(workload("argoproj.io/v1alpha1", "Rollout"));
  both.add(workload("apps/v1", "Deployment"));
  EXPECT_FALSE(run(bare, policy, &both).changed());
  // What the user wrote stays, even when it is wrong: the rule denies it.
  MemoryInventory inv;
  inv.add(workload("argoproj.io/v1alpha1", "Rollout"));
  EXPECT_FALSE(run(scaled_object({{"name", "catalog"}, {"kind", "Deployment"}}), policy, &inv).changed());
  EXPECT_FALSE(run(scaled_object({{"name", "catalog"}, {"apiVersion", "apps/v1"}}), policy, &inv).changed());
  EXPECT_FALSE(run(scaled_object({{"kind", "Rollout"}}), policy, &inv).changed());  // no name
  // Switched off.
  Policy off;
  off.default_keda_target = false;
  EXPECT_FALSE(run(bare, off, &inv).changed());
  Policy rule_off;
  rule_off.rules["replicas/replaced-deployment-target"] = Action::Off;
  EXPECT_FALSE(run(bare, rule_off, &inv).changed());
  // An HPA has no defaults for its target.
  json hpa = {{"apiVersion", "autoscaling/v2"},
              {"kind", "HorizontalPodAutoscaler"},
              {"metadata", {{"name", "catalog"}, {"namespace", "bookstore"}}},
              {"spec", {{"scaleTargetRef", {{"name", "catalog"}}}}}};
  EXPECT_FALSE(run(hpa, policy, &inv).changed());
}

// --- analysis/sample-plan: AnalysisTemplate metric defaults --------------------

json analysis_template(json metrics, const std::string& kind = "AnalysisTemplate") {
  return {{"apiVersion", "argoproj.io/v1alpha1"},
          {"kind", kind},
          {"metadata", {{"name", "success-rate"}, {"namespace", "bookstore"}}},
          {"spec", {{"metrics", std::move(metrics)}}}};
}

json prom_metric(json extra) {
  json m = {{"name", "m"},
            {"successCondition", "result[0] >= 0.95"},
            {"provider", {{"prometheus", {{"address", "http://p:9090"}, {"query", "vector(1)"}}}}}};
  for (auto it = extra.begin(); it != extra.end(); ++it) m[it.key()] = it.value();
  return m;
}

Policy analysis_defaults() {
  Policy p;
  p.default_failure_limit = 1;
  p.default_consecutive_error_limit_fill = 4;
  p.default_interval = "1m";
  return p;
}

TEST(AnalysisDefaults, OffUnlessThePolicySetsThem) {
  json doc = analysis_template({prom_metric({{"count", 5}})});
  EXPECT_FALSE(run(doc).changed());
  Policy p;
  ASSERT_TRUE(load_policy_text(default_policy_yaml(), "default", &p).ok());
  EXPECT_FALSE(run(doc, p).changed());
}

TEST(AnalysisDefaults, FillsAbsentFieldsSafely) {
  Policy p = analysis_defaults();
  json doc = analysis_template({prom_metric({{"count", 5}}),                  // all three
                                prom_metric({}),                              // no count: no interval
                                prom_metric({{"count", 1}}),                  // count 1: no interval
                                prom_metric({{"count", "{{args.count}}"}}),   // unknown count: no failureLimit
                                prom_metric({{"count", 5}, {"consecutiveSuccessLimit", 5}}),  // would be invalid
                                prom_metric({{"count", 5}, {"interval", "30s"}, {"failureLimit", 0},
                                             {"consecutiveErrorLimit", 0}})},  // user values stay
                               "ClusterAnalysisTemplate");
  for (size_t i = 0; i < doc["spec"]["metrics"].size(); ++i) doc["spec"]["metrics"][i]["name"] = "m" + std::to_string(i);
  MutationResult r = run(doc, p);
  ASSERT_TRUE(r.error.empty());
  const json& m = r.object["spec"]["metrics"];
  EXPECT_EQ(m[0]["failureLimit"], 1);
  EXPECT_EQ(m[0]["consecutiveErrorLimit"], 4);
  EXPECT_EQ(m[0]["interval"], "1m");
  EXPECT_EQ(m[1]["failureLimit"], 1);
  EXPECT_FALSE(m[1].contains("interval"));
  EXPECT_EQ(m[2]["failureLimit"], 1);
  EXPECT_FALSE(m[2].contains("interval"));
  EXPECT_FALSE(m[3].contains("failureLimit"));
  EXPECT_EQ(m[3]["consecutiveErrorLimit"], 4);
  EXPECT_FALSE(m[4].contains("failureLimit"));
  EXPECT_EQ(m[5], doc["spec"]["metrics"][5]);
  EXPECT_TRUE(std::find(r.warnings.begin(), r.warnings.end(), "set spec.metrics[0].interval=1m") != r.warnings.end());
  EXPECT_TRUE(std::find(r.warnings.begin(), r.warnings.end(), "set spec.metrics[0].failureLimit=1") != r.warnings.end());
  EXPECT_EQ(doc.patch(r.patch), r.object);
  EXPECT_TRUE(run(r.object, p).patch.empty());
  // The defaults never add an analysis/spec finding.
  MemoryInventory inv;
  size_t before = 0, after = 0;
  for (const auto& id : rule_ids(doc, p, inv)) before += id == "analysis/spec";
  for (const auto& id : rule_ids(r.object, p, inv)) after += id == "analysis/spec";
  EXPECT_LE(after, before);
  // Turning the rule off turns its defaults off.
  Policy rule_off = p;
  rule_off.rules["analysis/sample-plan"] = Action::Off;
  EXPECT_FALSE(run(doc, rule_off).changed());
}

TEST(AnalysisDefaults, ReadFromThePolicyFile) {
  Policy p;
  ASSERT_TRUE(load_policy_text("defaults:\n  analysis:\n    failureLimit: 2\n    interval: 30s\n", "p.yaml", &p).ok());
  MutationResult r = run(analysis_template({prom_metric({{"count", 5}})}), p);
  EXPECT_EQ(r.object["spec"]["metrics"][0]["failureLimit"], 2);
  EXPECT_EQ(r.object["spec"]["metrics"][0]["interval"], "30s");
  EXPECT_FALSE(r.object["spec"]["metrics"][0].contains("consecutiveErrorLimit"));
}

}  // namespace
}  // namespace rg
