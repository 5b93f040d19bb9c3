// Per-check pass/fail and message text tests for the pod-security rules,
// plus levels, versions, workloadRef and malformed input.
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "policy/catalog.h"
#include "policy/pod_security/registry.h"
#include "test/policy/pod_security/psa_test_util.h"

namespace rg {
namespace {

using test::psa::policy_at;
using test::psa::psa_findings;
using test::psa::rollout_from_pod;
using test::psa::rule_ids;

// A pod that passes restricted: one container "catalog", one init container "init".
json good_pod() {
  json sc = {{"allowPrivilegeEscalation", false}, {"capabilities", {{"drop", {"ALL"}}}}};
  return {{"metadata", {{"labels", {{"app", "catalog"}}}}},
          {"spec",
           {{"securityContext", {{"runAsNonRoot", true}, {"seccompProfile", {{"type", "RuntimeDefault"}}}}},
            {"initContainers", {{{"name", "init"}, {"image", "busybox"}, {"securityContext", sc}}}},
            {"containers", {{{"name", "catalog"}, {"image", "catalog:1"}, {"securityContext", sc}}}}}}};
}

std::vector<Finding> eval(const json& pod, const std::string& level = "restricted",
                          const std::string& version = "latest") {
  return psa_findings(rollout_from_pod(pod), policy_at(level, version));
}

const Finding* find(const std::vector<Finding>& fs, const std::string& id) {
  for (const Finding& f : fs) {
    if (f.rule == "pod-security/" + id) return &f;
  }
  return nullptr;
}

TEST(PodSecurityRules, CatalogHasOneRulePerCheck) {
  for (const psa::Check& c : psa::registry().checks()) {
    const Rule* r = find_rule("pod-security/" + std::string(c.id));
    ASSERT_NE(r, nullptr) << c.id;
    EXPECT_EQ(r->default_action, Action::Deny);
    ASSERT_EQ(r->kinds.size(), 1u);
    EXPECT_EQ(r->kinds[0], "Rollout");
    EXPECT_FALSE(r->summary.empty());
    EXPECT_FALSE(r->doc.empty());
  }
  EXPECT_EQ(psa::registry().checks().size(), 19u);
  EXPECT_NE(find_rule("pod-security/procMount_restricted"), nullptr);
  EXPECT_NE(find_rule("pod-security/runAsNonRoot")->fix, nullptr);
  EXPECT_EQ(find_rule("pod-security/privileged")->fix, nullptr);
}

TEST(PodSecurityRules, GoodPodPassesBothLevels) {
  EXPECT_TRUE(eval(good_pod()).empty());
  EXPECT_TRUE(eval(good_pod(), "baseline").empty());
}

TEST(PodSecurityRules, AllowPrivilegeEscalationMessagePathHint) {
  json pod = good_pod();
  pod["spec"]["containers"][0]["securityContext"].erase("allowPrivilegeEscalation");
  auto fs = eval(pod);
  ASSERT_EQ(fs.size(), 1u);
  EXPECT_EQ(fs[0].rule, "pod-security/allowPrivilegeEscalation");
  EXPECT_EQ(fs[0].action, Action::Deny);
  EXPECT_EQ(fs[0].message,
            "violates PodSecurity \"restricted:latest\": allowPrivilegeEscalation != false (container \"catalog\" "
            "must set securityContext.allowPrivilegeEscalation=false)");
  EXPECT_EQ(fs[0].path, "spec.template.spec.containers[0].securityContext.allowPrivilegeEscalation");
  EXPECT_EQ(fs[0].hint, "set securityContext.allowPrivilegeEscalation: false on container \"catalog\"");
  EXPECT_EQ(fs[0].kind, "Rollout");
  EXPECT_EQ(fs[0].name, "catalog");
  // Baseline does not include the check.
  EXPECT_TRUE(eval(pod, "baseline").empty());
}

TEST(PodSecurityRules, PluralContainersInPsaOrder) {
  json pod = good_pod();
  pod["spec"]["containers"][0]["securityContext"]["allowPrivilegeEscalation"] = true;
  pod["spec"]["initContainers"][0]["securityContext"] = nullptr;
  pod["spec"]["ephemeralContainers"] = {{{"name", "debug"}, {"image", "busybox"}}};
  auto fs = eval(pod);
  const Finding* f = find(fs, "allowPrivilegeEscalation");
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->message,
            "violates PodSecurity \"restricted:latest\": allowPrivilegeEscalation != false (containers \"init\", "
            "\"catalog\", \"debug\" must set securityContext.allowPrivilegeEscalation=false)");
  EXPECT_EQ(f->path, "spec.template.spec.initContainers[0].securityContext.allowPrivilegeEscalation");
}

TEST(PodSecurityRules, CapabilitiesRestricted) {
  json pod = good_pod();
  pod["spec"]["containers"][0]["securityContext"]["capabilities"] = {{"add", {"NET_RAW", "NET_BIND_SERVICE"}}};
  auto fs = eval(pod);
  const Finding* f = find(fs, "capabilities_restricted");
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->message,
            "violates PodSecurity \"restricted:latest\": unrestricted capabilities (container \"catalog\" must set "
            "securityContext.capabilities.drop=[\"ALL\"]; container \"catalog\" must not include \"NET_RAW\" in "
            "securityContext.capabilities.add)");
  EXPECT_EQ(f->path, "spec.template.spec.containers[0].securityContext.capabilities.drop");
  // capabilities_baseline is overridden at restricted...
  EXPECT_EQ(find(fs, "capabilities_baseline"), nullptr);
  // ...and applies at baseline.
  auto bs = eval(pod, "baseline");
  ASSERT_EQ(bs.size(), 1u);
  EXPECT_EQ(bs[0].message,
            "violates PodSecurity \"baseline:latest\": non-default capabilities (container \"catalog\" must not "
            "include \"NET_RAW\" in securityContext.capabilities.add)");
  EXPECT_EQ(bs[0].path, "spec.template.spec.containers[0].securityContext.capabilities.add[0]");
}

TEST(PodSecurityRules, RunAsNonRootAndRunAsUser) {
  json pod = good_pod();
  pod["spec"]["securityContext"].erase("runAsNonRoot");
  auto fs = eval(pod);
  const Finding* f = find(fs, "runAsNonRoot");
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->message,
            "violates PodSecurity \"restricted:latest\": runAsNonRoot != true (pod or containers \"init\", "
            "\"catalog\" must set securityContext.runAsNonRoot=true)");
  EXPECT_EQ(f->path, "spec.template.spec.securityContext.runAsNonRoot");

  pod = good_pod();
  pod["spec"]["securityContext"]["runAsNonRoot"] = false;
  pod["spec"]["containers"][0]["securityContext"]["runAsNonRoot"] = false;
  pod["spec"]["securityContext"]["runAsUser"] = 0;
  fs = eval(pod);
  ASSERT_NE(find(fs, "runAsNonRoot"), nullptr);
  EXPECT_EQ(find(fs, "runAsNonRoot")->message,
            "violates PodSecurity \"restricted:latest\": runAsNonRoot != true (pod and container \"catalog\" must "
            "not set securityContext.runAsNonRoot=false)");
  ASSERT_NE(find(fs, "runAsUser"), nullptr);
  EXPECT_EQ(find(fs, "runAsUser")->message,
            "violates PodSecurity \"restricted:latest\": runAsUser=0 (pod must not set runAsUser=0)");

  // v1.35+: user-namespaced pods are not checked; v1.34 still checks them.
  pod["spec"]["hostUsers"] = false;
  fs = eval(pod);
  EXPECT_EQ(find(fs, "runAsNonRoot"), nullptr);
  EXPECT_EQ(find(fs, "runAsUser"), nullptr);
  fs = eval(pod, "restricted", "v1.34");
  EXPECT_NE(find(fs, "runAsNonRoot"), nullptr);
  EXPECT_NE(find(fs, "runAsUser"), nullptr);
  // runAsUser exists from v1.23.
  EXPECT_EQ(find(eval(pod, "restricted", "v1.22"), "runAsUser"), nullptr);
}

TEST(PodSecurityRules, SeccompProfile) {
  json pod = good_pod();
  pod["spec"]["securityContext"].erase("seccompProfile");
  auto implicit = eval(pod);
  const Finding* f = find(implicit, "seccompProfile_restricted");
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->message,
            "violates PodSecurity \"restricted:latest\": seccompProfile (pod or containers \"init\", \"catalog\" "
            "must set securityContext.seccompProfile.type to \"RuntimeDefault\" or \"Localhost\")");
  EXPECT_EQ(f->path, "spec.template.spec.securityContext.seccompProfile.type");

  pod = good_pod();
  pod["spec"]["containers"][0]["securityContext"]["seccompProfile"] = {{"type", "Unconfined"}};
  auto fs = eval(pod);
  ASSERT_EQ(fs.size(), 1u);
  EXPECT_EQ(fs[0].rule, "pod-security/seccompProfile_restricted");
  EXPECT_EQ(fs[0].message,
            "violates PodSecurity \"restricted:latest\": seccompProfile (container \"catalog\" must not set "
            "securityContext.seccompProfile.type to \"Unconfined\")");
  auto bs = eval(pod, "baseline");
  ASSERT_EQ(bs.size(), 1u);
  EXPECT_EQ(bs[0].rule, "pod-security/seccompProfile_baseline");
}

TEST(PodSecurityRules, BaselineChecksMessages) {
  json pod = good_pod();
  auto& spec = pod["spec"];
  spec["hostNetwork"] = true;
  spec["hostPID"] = true;
  spec["containers"][0]["securityContext"]["privileged"] = true;
  spec["containers"][0]["ports"] = {{{"containerPort", 80}, {"hostPort", 8080}}, {{"hostPort", 443}}};
  spec["containers"][0]["securityContext"]["procMount"] = "Unmasked";
  spec["containers"][0]["livenessProbe"] = {{"httpGet", {{"host", "10.0.0.1"}, {"port", 80}}}};
  spec["securityContext"]["sysctls"] = {{{"name", "kernel.msgmax"}, {"value", "1"}},
                                        {{"name", "net.ipv4.tcp_syncookies"}, {"value", "1"}}};
  spec["securityContext"]["seLinuxOptions"] = {{"type", "spc_t"}, {"user", "root"}};
  spec["securityContext"]["windowsOptions"] = {{"hostProcess", true}};
  spec["volumes"] = {{{"name", "host"}, {"hostPath", {{"path", "/"}}}}, {{"name", "data"}, {"emptyDir", json::object()}}};
  pod["metadata"]["annotations"] = {{"container.apparmor.security.beta.kubernetes.io/catalog", "unconfined"}};
  auto fs = eval(pod, "baseline");
  auto msg = [&](const std::string& id) {
    const Finding* f = find(fs, id);
    return f ? f->message.substr(std::string("violates PodSecurity \"baseline:latest\": ").size()) : "<none>";
  };
  EXPECT_EQ(msg("hostNamespaces"), "host namespaces (hostNetwork=true, hostPID=true)");
  EXPECT_EQ(msg("privileged"), "privileged (container \"catalog\" must not set securityContext.privileged=true)");
  EXPECT_EQ(msg("hostPorts"), "hostPort (container \"catalog\" uses hostPorts 443, 8080)");
  EXPECT_EQ(msg("procMount"), "procMount (container \"catalog\" must not set securityContext.procMount to \"Unmasked\")");
  EXPECT_EQ(msg("hostProbesAndHostLifecycle"),
            "probe or lifecycle host (container \"catalog\" uses probe or lifecycle host \"10.0.0.1\")");
  EXPECT_EQ(msg("sysctls"), "forbidden sysctls (kernel.msgmax)");
  EXPECT_EQ(msg("seLinuxOptions"),
            "seLinuxOptions (pod set forbidden securityContext.seLinuxOptions: type \"spc_t\"; user may not be set)");
  EXPECT_EQ(msg("windowsHostProcess"),
            "hostProcess (pod must not set securityContext.windowsOptions.hostProcess=true)");
  EXPECT_EQ(msg("hostPathVolumes"), "hostPath volumes (volume \"host\")");
  EXPECT_EQ(msg("appArmorProfile"),
            "forbidden AppArmor profile (annotation must not set AppArmor profile type to "
            "\"container.apparmor.security.beta.kubernetes.io/catalog=\"unconfined\"\")");
  EXPECT_EQ(find(fs, "hostPorts")->path, "spec.template.spec.containers[0].ports[0].hostPort");
  EXPECT_EQ(find(fs, "sysctls")->path, "spec.template.spec.securityContext.sysctls[0].name");
  EXPECT_EQ(find(fs, "hostPathVolumes")->path, "spec.template.spec.volumes[0].hostPath");
  // At restricted, restrictedVolumes replaces hostPathVolumes and procMount_restricted replaces procMount.
  auto rs = eval(pod);
  EXPECT_EQ(find(rs, "hostPathVolumes"), nullptr);
  ASSERT_NE(find(rs, "restrictedVolumes"), nullptr);
  EXPECT_EQ(find(rs, "restrictedVolumes")->message,
            "violates PodSecurity \"restricted:latest\": restricted volume types (volume \"host\" uses restricted "
            "volume type \"hostPath\")");
  EXPECT_EQ(find(rs, "procMount"), nullptr);
  EXPECT_NE(find(rs, "procMount_restricted"), nullptr);
}

TEST(PodSecurityRules, VersionedAllowLists) {
  json pod = good_pod();
  pod["spec"]["securityContext"]["sysctls"] = {{{"name", "net.ipv4.tcp_notsent_lowat"}, {"value", "1"}}};
  EXPECT_TRUE(eval(pod).empty());
  EXPECT_NE(find(eval(pod, "restricted", "v1.36"), "sysctls"), nullptr);
  pod = good_pod();
  pod["spec"]["securityContext"]["seLinuxOptions"] = {{"type", "container_engine_t"}};
  EXPECT_TRUE(eval(pod, "baseline", "v1.31").empty());
  EXPECT_NE(find(eval(pod, "baseline", "v1.30"), "seLinuxOptions"), nullptr);
  pod = good_pod();
  pod["spec"]["containers"][0]["readinessProbe"] = {{"tcpSocket", {{"host", "example.com"}, {"port", 80}}}};
  EXPECT_NE(find(eval(pod), "hostProbesAndHostLifecycle"), nullptr);
  EXPECT_TRUE(eval(pod, "restricted", "v1.33").empty());
  // Future versions clamp to the newest.
  EXPECT_EQ(eval(pod, "restricted", "v1.99").size(), 1u);
}

TEST(PodSecurityRules, ProcMountUserNamespaces) {
  json pod = good_pod();
  pod["spec"]["hostUsers"] = false;
  pod["spec"]["containers"][0]["securityContext"]["procMount"] = "Unmasked";
  EXPECT_TRUE(eval(pod, "baseline").empty());
  EXPECT_NE(find(eval(pod, "baseline", "v1.34"), "procMount"), nullptr);
  EXPECT_NE(find(eval(pod), "procMount_restricted"), nullptr);
  // Before v1.35 restricted runs baseline's procMount (no procMount_restricted yet).
  auto old = eval(pod, "restricted", "v1.34");
  EXPECT_NE(find(old, "procMount"), nullptr);
  EXPECT_EQ(find(old, "procMount_restricted"), nullptr);
}

TEST(PodSecurityRules, WindowsExemptions) {
  json pod = {{"spec",
               {{"os", {{"name", "windows"}}},
                {"securityContext", {{"runAsNonRoot", true}}},
                {"containers", {{{"name", "win"}, {"image", "mcr"}}}}}}};
  EXPECT_TRUE(eval(pod).empty());
  // Before v1.25 there is no Windows exemption.
  auto old = eval(pod, "restricted", "v1.24");
  EXPECT_NE(find(old, "allowPrivilegeEscalation"), nullptr);
  EXPECT_NE(find(old, "capabilities_restricted"), nullptr);
  EXPECT_NE(find(old, "seccompProfile_restricted"), nullptr);
  // runAsNonRoot still applies to Windows pods.
  pod["spec"]["securityContext"].erase("runAsNonRoot");
  EXPECT_NE(find(eval(pod), "runAsNonRoot"), nullptr);
}

TEST(PodSecurityRules, WorkloadRefDeploymentFromInventory) {
  json deployment_pod = good_pod();
  deployment_pod["spec"]["containers"][0]["securityContext"]["privileged"] = true;
  json deployment = {{"apiVersion", "apps/v1"},
                     {"kind", "Deployment"},
                     {"metadata", {{"name", "catalog-dep"}, {"namespace", "default"}}},
                     {"spec", {{"template", deployment_pod}}}};
  json rollout = {{"apiVersion", "argoproj.io/v1alpha1"},
                  {"kind", "Rollout"},
                  {"metadata", {{"name", "catalog"}, {"namespace", "default"}}},
                  {"spec",
                   {{"workloadRef", {{"apiVersion", "apps/v1"}, {"kind", "Deployment"}, {"name", "catalog-dep"}}}}}};
  Object obj{rollout, {"rollout.yaml", 3}};
  // Absent from the inventory: nothing to say.
  EXPECT_TRUE(psa_findings(obj, policy_at("restricted")).empty());
  MemoryInventory inv;
  inv.add(Object{deployment, {"deploy.yaml", 7}});
  auto fs = psa_findings(obj, policy_at("restricted"), &inv);
  ASSERT_EQ(fs.size(), 1u);
  EXPECT_EQ(fs[0].rule, "pod-security/privileged");
  EXPECT_EQ(fs[0].kind, "Deployment");
  EXPECT_EQ(fs[0].name, "catalog-dep");
  EXPECT_EQ(fs[0].file, "deploy.yaml");
  EXPECT_EQ(fs[0].line, 7);
  EXPECT_EQ(fs[0].path, "spec.template.spec.containers[0].securityContext.privileged");
  EXPECT_NE(fs[0].message.find("referenced by the Rollout's spec.workloadRef"), std::string::npos);
  // Another namespace does not match.
  rollout["metadata"]["namespace"] = "other";
  EXPECT_TRUE(psa_findings(Object{rollout, {}}, policy_at("restricted"), &inv).empty());
}

TEST(PodSecurityRules, PolicyModesApply) {
  json pod = good_pod();
  pod["spec"]["hostIPC"] = true;
  Policy p = policy_at("restricted");
  p.rules["pod-security/*"] = Action::Warn;
  auto fs = psa_findings(rollout_from_pod(pod), p);
  ASSERT_EQ(fs.size(), 1u);
  EXPECT_EQ(fs[0].action, Action::Warn);
  p.rules["pod-security/hostNamespaces"] = Action::Off;
  EXPECT_TRUE(psa_findings(rollout_from_pod(pod), p).empty());
}

TEST(PodSecurityRules, MalformedInputNeverThrows) {
  std::vector<json> specs = {
      nullptr,
      42,
      "spec",
      json::array(),
      {{"containers", "nope"}},
      {{"containers", {nullptr, 1, "x", json::array()}}},
      {{"containers", {{{"name", 7}, {"securityContext", "bad"}, {"ports", {1, {{"hostPort", "80"}}}}}}}},
      {{"containers", {{{"securityContext", {{"capabilities", {{"add", {1, nullptr}}, {"drop", "ALL"}}}}}}}}},
      {{"securityContext", {{"sysctls", {1, {{"name", 5}}}}, {"seLinuxOptions", "x"}, {"runAsUser", "0"}}}},
      {{"volumes", {1, nullptr, {{"hostPath", nullptr}}, {{"nfs", 3}}}}},
      {{"hostNetwork", "true"}, {"os", "windows"}, {"hostUsers", "false"}},
      {{"containers", {{{"name", "c"}, {"livenessProbe", {{"httpGet", {{"host", 1}}}}}, {"lifecycle", 3}}}}},
  };
  for (const json& spec : specs) {
    json rollout = {{"apiVersion", "argoproj.io/v1alpha1"},
                    {"kind", "Rollout"},
                    {"metadata", {{"name", "x"}, {"annotations", {{"container.apparmor.security.beta.kubernetes.io/c", 1}}}}},
                    {"spec", {{"template", {{"metadata", 5}, {"spec", spec}}}, {"workloadRef", "bad"}}}};
    for (const char* level : {"restricted", "baseline"}) {
      for (const char* version : {"latest", "v1.0", "v1.24", "bogus"}) {
        std::vector<Finding> fs;
        EXPECT_NO_THROW(fs = psa_findings(Object{rollout, {}}, policy_at(level, version))) << spec.dump();
        for (const Finding& f : fs) {
          EXPECT_EQ(f.message.find("internal error"), std::string::npos) << f.message;
        }
        MemoryInventory inv;
        Policy p = policy_at(level, version);
        Context ctx{p, inv};
        std::vector<FixNote> notes;
        EXPECT_NO_THROW(apply_fixes(Object{rollout, {}}, ctx, &notes)) << spec.dump();
      }
    }
  }
  // Template absent or of the wrong type.
  for (json tmpl : {json(nullptr), json(3), json::array()}) {
    json rollout = {{"apiVersion", "argoproj.io/v1alpha1"}, {"kind", "Rollout"}, {"spec", {{"template", tmpl}}}};
    EXPECT_TRUE(psa_findings(Object{rollout, {}}, policy_at("restricted")).empty());
  }
}

TEST(PodSecurityRegistry, VersionsAndOverrides) {
  const psa::Registry& reg = psa::registry();
  EXPECT_EQ(reg.max_minor(), 37);
  EXPECT_EQ(reg.resolve_version("latest"), 37);
  EXPECT_EQ(reg.resolve_version("v1.25"), 25);
  EXPECT_EQ(reg.resolve_version("v1.50"), 37);
  EXPECT_EQ(reg.resolve_version("v2.1"), -1);
  EXPECT_EQ(reg.resolve_version("v1."), -1);
  EXPECT_EQ(reg.resolve_version("v1.2x"), -1);
  using psa::Level;
  EXPECT_EQ(reg.effective_id("hostPathVolumes", Level::Restricted, 37), "restrictedVolumes");
  EXPECT_EQ(reg.effective_id("capabilities_baseline", Level::Restricted, 37), "capabilities_restricted");
  EXPECT_EQ(reg.effective_id("capabilities_baseline", Level::Restricted, 21), "capabilities_baseline");
  EXPECT_EQ(reg.effective_id("seccompProfile_baseline", Level::Restricted, 19), "seccompProfile_restricted");
  EXPECT_EQ(reg.effective_id("procMount", Level::Restricted, 35), "procMount_restricted");
  EXPECT_EQ(reg.effective_id("procMount", Level::Restricted, 34), "procMount");
  EXPECT_EQ(reg.effective_id("procMount", Level::Baseline, 37), "procMount");
  EXPECT_EQ(reg.lookup("runAsNonRoot", Level::Baseline, 37), nullptr);
  EXPECT_EQ(reg.lookup("allowPrivilegeEscalation", Level::Restricted, 7), nullptr);
  EXPECT_NE(reg.lookup("allowPrivilegeEscalation", Level::Restricted, 8), nullptr);
  // Baseline ids first (sorted), then restricted ids (sorted), as PSA.
  const auto& cs = reg.checks();
  for (size_t i = 1; i < cs.size(); ++i) {
    if (cs[i - 1].level == cs[i].level) {
      EXPECT_LT(cs[i - 1].id, cs[i].id);
    }
    EXPECT_FALSE(cs[i - 1].level == Level::Restricted && cs[i].level == Level::Baseline);
  }
}

}  // namespace
}  // namespace rg
