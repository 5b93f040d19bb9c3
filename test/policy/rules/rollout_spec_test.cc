// rollout/spec: one pass and one fail case per Argo validation, with the
// exact message text.
#include <functional>

#include <gtest/gtest.h>

#include "policy/argo.h"
#include "policy/inventory.h"
#include "policy/policy.h"
#include "policy/rules/rules.h"

namespace rg {
namespace {

json canary_rollout() {
  return json::parse(R"({
    "apiVersion": "argoproj.io/v1alpha1", "kind": "Rollout",
    "metadata": {"name": "catalog", "namespace": "shop"},
    "spec": {
      "replicas": 4,
      "selector": {"matchLabels": {"app": "catalog"}},
      "template": {"metadata": {"labels": {"app": "catalog", "tier": "web"}},
                   "spec": {"containers": [{"name": "catalog", "image": "catalog:1",
                                            "resources": {"requests": {"cpu": "100m", "memory": "128Mi"}}}]}},
      "strategy": {"canary": {
        "canaryService": "catalog-canary", "stableService": "catalog-stable",
        "trafficRouting": {"istio": {"virtualService": {"name": "catalog", "routes": ["primary"]}},
                           "managedRoutes": [{"name": "header"}]},
        "analysis": {"templates": [{"templateName": "success-rate"}]},
        "steps": [{"setWeight": 10}, {"pause": {"duration": "1m"}}, {"pause": {"duration": 30}},
                  {"analysis": {"templates": [{"templateName": "latency", "clusterScope": true}],
                                "args": [{"name": "pod", "valueFrom": {"fieldRef": {"fieldPath": "metadata.labels['app']"}}}]}},
                  {"setHeaderRoute": {"name": "header", "match": [{"headerName": "x", "headerValue": {"exact": "1"}}]}},
                  {"pause": {}}, {"setWeight": 100}]}}
    }})");
}

json blue_green_rollout() {
  json r = canary_rollout();
  r["spec"]["strategy"] = json::parse(R"({"blueGreen": {"activeService": "catalog-active", "previewService": "catalog-preview",
      "scaleDownDelayRevisionLimit": 2, "antiAffinity": {"preferredDuringSchedulingIgnoredDuringExecution": {"weight": 50}}}})");
  return r;
}

std::vector<Finding> run(const json& doc) {
  Policy policy;
  EmptyInventory inv;
  Context ctx{policy, inv};
  Object obj{doc, {}};
  return rule_rollout_spec().check(obj, ctx);
}

std::string dump(const std::vector<Finding>& fs) {
  std::string out;
  for (const Finding& f : fs) out += "  " + f.path + " | " + f.message + "\n";
  return out;
}

TEST(RolloutSpec, ValidRolloutsPass) {
  EXPECT_TRUE(run(canary_rollout()).empty()) << dump(run(canary_rollout()));
  EXPECT_TRUE(run(blue_green_rollout()).empty()) << dump(run(blue_green_rollout()));
}

TEST(RolloutSpec, RuleMetadata) {
  const Rule& r = rule_rollout_spec();
  EXPECT_EQ(r.id, "rollout/spec");
  EXPECT_EQ(r.default_action, Action::Deny);
  EXPECT_FALSE(r.summary.empty());
  EXPECT_FALSE(r.doc.empty());
  ASSERT_EQ(r.kinds.size(), 1u);
  EXPECT_EQ(r.kinds[0], "Rollout");
}

struct Case {
  const char* name;
  std::function<json()> make;
  std::string path;
  std::string message;
};

json with(json doc, const std::function<void(json&)>& f) {
  f(doc);
  return doc;
}

TEST(RolloutSpec, EachValidationFailsWithArgosMessage) {
  const std::string s = "spec.strategy.canary.steps";
  std::vector<Case> cases = {
      {"negative replicas", [] { return with(canary_rollout(), [](json& d) { d["spec"]["replicas"] = -1; }); },
       "spec.replicas", "spec.replicas: Invalid value: -1: must be greater than or equal to 0"},
      {"missing selector", [] { return with(canary_rollout(), [](json& d) { d["spec"].erase("selector"); }); },
       "spec.selector", "spec.selector: Required value: Rollout has missing field '.spec.selector'"},
      {"empty selector", [] { return with(canary_rollout(), [](json& d) { d["spec"]["selector"] = json::object(); }); },
       "spec.selector", "spec.selector: Invalid value: {}: empty selector is invalid for deployment"},
      {"selector does not match labels",
       [] { return with(canary_rollout(), [](json& d) { d["spec"]["selector"]["matchLabels"]["app"] = "other"; }); },
       "spec.template.metadata.labels",
       "spec.template.metadata.labels: Invalid value: {\"app\":\"catalog\",\"tier\":\"web\"}: `selector` does not match template `labels`"},
      {"matchExpressions In without values",
       [] {
         return with(canary_rollout(), [](json& d) {
           d["spec"]["selector"]["matchExpressions"] = json::parse(R"([{"key":"tier","operator":"In"}])");
         });
       },
       "spec.selector.matchExpressions[0].values",
       "spec.selector.matchExpressions[0].values: Required value: must be specified when `operator` is 'In' or 'NotIn'"},
      {"restartPolicy", [] { return with(canary_rollout(), [](json& d) { d["spec"]["template"]["spec"]["restartPolicy"] = "Never"; }); },
       "spec.template.spec.restartPolicy",
       "spec.template.spec.restartPolicy: Unsupported value: \"Never\": supported values: \"Always\""},
      {"no containers", [] { return with(canary_rollout(), [](json& d) { d["spec"]["template"]["spec"]["containers"] = json::array(); }); },
       "spec.template.spec.containers", "spec.template.spec.containers: Required value"},
      {"bad quantity",
       [] {
         return with(canary_rollout(), [](json& d) {
           d["spec"]["template"]["spec"]["containers"][0]["resources"]["requests"]["memory"] = "invalid";
         });
       },
       "spec.template.spec.containers[0].resources.requests.memory",
       "spec.template.spec.containers[0].resources.requests.memory: Invalid value: \"invalid\": " +
           std::string(argo::kQuantityFormatMessage)},
      {"workloadRef with template",
       [] {
         return with(canary_rollout(), [](json& d) {
           d["spec"]["workloadRef"] = json::parse(R"({"apiVersion":"apps/v1","kind":"Deployment","name":"catalog"})");
         });
       },
       "spec.template", "spec.template: Internal error: template must be empty for workload reference rollout"},
      {"workloadRef kind",
       [] {
         return with(canary_rollout(), [](json& d) {
           d["spec"].erase("template");
           d["spec"]["workloadRef"] = json::parse(R"({"apiVersion":"apps/v1","kind":"StatefulSet","name":"catalog"})");
         });
       },
       "spec.workloadRef.kind",
       "spec.workloadRef.kind: Unsupported value: \"StatefulSet\": supported values: \"Deployment\", \"ReplicaSet\", \"PodTemplate\""},
      {"negative minReadySeconds", [] { return with(canary_rollout(), [](json& d) { d["spec"]["minReadySeconds"] = -5; }); },
       "spec.minReadySeconds", "spec.minReadySeconds: Invalid value: -5: must be greater than or equal to 0"},
      {"negative revisionHistoryLimit", [] { return with(canary_rollout(), [](json& d) { d["spec"]["revisionHistoryLimit"] = -1; }); },
       "spec.revisionHistoryLimit", "spec.revisionHistoryLimit: Invalid value: -1: must be greater than or equal to 0"},
      {"progressDeadline <= minReady",
       [] {
         return with(canary_rollout(), [](json& d) {
           d["spec"]["minReadySeconds"] = 30;
           d["spec"]["progressDeadlineSeconds"] = 30;
         });
       },
       "spec.progressDeadlineSeconds", "spec.progressDeadlineSeconds: Invalid value: 30: must be greater than minReadySeconds"},
      {"no strategy", [] { return with(canary_rollout(), [](json& d) { d["spec"]["strategy"] = json::object(); }); },
       "spec.strategy",
       "spec.strategy: Required value: Rollout has missing field '.spec.strategy.canary or .spec.strategy.blueGreen'"},
      {"two strategies",
       [] { return with(canary_rollout(), [](json& d) { d["spec"]["strategy"]["blueGreen"] = {{"activeService", "a"}}; }); },
       "spec.strategy", "spec.strategy: Invalid value: \"blueGreen: true canary: true\": Multiple Strategies can not be listed"},
      {"blueGreen same services",
       [] { return with(blue_green_rollout(), [](json& d) { d["spec"]["strategy"]["blueGreen"]["previewService"] = "catalog-active"; }); },
       "spec.strategy.blueGreen.activeService",
       "spec.strategy.blueGreen.activeService: Invalid value: \"catalog-active\": This rollout uses the same service for the "
       "active and preview services, but two different services are required."},
      {"blueGreen no activeService",
       [] { return with(blue_green_rollout(), [](json& d) { d["spec"]["strategy"]["blueGreen"].erase("activeService"); }); },
       "spec.strategy.blueGreen.activeService",
       "spec.strategy.blueGreen.activeService: Required value: Rollout has missing field '.spec.strategy.blueGreen.activeService'"},
      {"scaleDownDelayRevisionLimit",
       [] { return with(blue_green_rollout(), [](json& d) { d["spec"]["revisionHistoryLimit"] = 1; }); },
       "spec.strategy.blueGreen.scaleDownDelayRevisionLimit",
       "spec.strategy.blueGreen.scaleDownDelayRevisionLimit: Invalid value: 2: This rollout's revision history limit can not "
       "be smaller than the rollout's scale down limit"},
      {"anti-affinity weight",
       [] {
         return with(blue_green_rollout(), [](json& d) {
           d["spec"]["strategy"]["blueGreen"]["antiAffinity"]["preferredDuringSchedulingIgnoredDuringExecution"]["weight"] = 101;
         });
       },
       "spec.strategy.blueGreen.antiAffinity.preferredDuringSchedulingIgnoredDuringExecution.weight",
       "spec.strategy.blueGreen.antiAffinity.preferredDuringSchedulingIgnoredDuringExecution.weight: Invalid value: 101: "
       "AntiAffinity weight must be between 1-100"},
      {"anti-affinity both",
       [] {
         return with(blue_green_rollout(), [](json& d) {
           d["spec"]["strategy"]["blueGreen"]["antiAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"] = json::object();
         });
       },
       "spec.strategy.blueGreen.antiAffinity",
       "spec.strategy.blueGreen.antiAffinity: Invalid value: \"antiAffinity.PreferredDuringSchedulingIgnoredDuringExecution: "
       "true antiAffinity.RequiredDuringSchedulingIgnoredDuringExecution: true\": AntiAffinity must have exactly one strategy listed"},
      {"maxSurge and maxUnavailable 0",
       [] {
         return with(canary_rollout(), [](json& d) {
           d["spec"]["strategy"]["canary"]["maxSurge"] = "0%";
           d["spec"]["strategy"]["canary"]["maxUnavailable"] = 0;
         });
       },
       "spec.strategy.canary.maxSurge",
       "spec.strategy.canary.maxSurge: Invalid value: \"0%\": MaxSurge and MaxUnavailable both can not be zero"},
      {"canary == stable",
       [] { return with(canary_rollout(), [](json& d) { d["spec"]["strategy"]["canary"]["canaryService"] = "catalog-stable"; }); },
       "spec.strategy.canary.stableService",
       "spec.strategy.canary.stableService: Invalid value: \"catalog-stable\": This rollout uses the same service for the "
       "stable and canary services, but two different services are required."},
      {"traffic routing without canaryService",
       [] { return with(canary_rollout(), [](json& d) { d["spec"]["strategy"]["canary"].erase("canaryService"); }); },
       "spec.strategy.canary.canaryService",
       "spec.strategy.canary.canaryService: Invalid value: \"\": Canary service and Stable service must to be set to use Traffic Routing"},
      {"scaleDownDelaySeconds without traffic routing",
       [] {
         return with(canary_rollout(), [](json& d) {
           auto& c = d["spec"]["strategy"]["canary"];
           c.erase("trafficRouting");
           c["steps"] = json::parse(R"([{"setWeight": 50}])");
           c["scaleDownDelaySeconds"] = 30;
         });
       },
       "spec.strategy.canary.scaleDownDelaySeconds",
       "spec.strategy.canary.scaleDownDelaySeconds: Invalid value: 30: Canary scaleDownDelaySeconds can only be used with traffic routing"},
      {"dynamicStableScale without traffic routing",
       [] {
         return with(canary_rollout(), [](json& d) {
           auto& c = d["spec"]["strategy"]["canary"];
           c.erase("trafficRouting");
           c["steps"] = json::parse(R"([{"setWeight": 50}])");
           c["dynamicStableScale"] = true;
         });
       },
       "spec.strategy.canary.dynamicStableScale",
       "spec.strategy.canary.dynamicStableScale: Invalid value: true: Canary dynamicStableScale can only be used with traffic routing"},
      {"dynamicStableScale with scaleDownDelaySeconds",
       [] {
         return with(canary_rollout(), [](json& d) {
           d["spec"]["strategy"]["canary"]["dynamicStableScale"] = true;
           d["spec"]["strategy"]["canary"]["scaleDownDelaySeconds"] = 30;
         });
       },
       "spec.strategy.canary.dynamicStableScale",
       "spec.strategy.canary.dynamicStableScale: Invalid value: true: Canary dynamicStableScale cannot be used with scaleDownDelaySeconds"},
      {"maxTrafficWeight with istio",
       [] { return with(canary_rollout(), [](json& d) { d["spec"]["strategy"]["canary"]["trafficRouting"]["maxTrafficWeight"] = 1000; }); },
       "spec.strategy.canary.trafficRouting.maxTrafficWeight",
       "spec.strategy.canary.trafficRouting.maxTrafficWeight: Invalid value: 1000: Canary maxTrafficWeight in traffic routing "
       "only support in Nginx and Plugins"},
      {"pingPong with nginx",
       [] {
         return with(canary_rollout(), [](json& d) {
           d["spec"]["strategy"]["canary"]["trafficRouting"] = json::parse(R"({"nginx": {"stableIngress": "i"}})");
           d["spec"]["strategy"]["canary"]["steps"] = json::parse(R"([{"setWeight": 50}])");
           d["spec"]["strategy"]["canary"]["pingPong"] = {{"pingService", "ping"}, {"pongService", "pong"}};
         });
       },
       "spec.strategy.canary.trafficRouting.alb",
       "spec.strategy.canary.trafficRouting.alb: Invalid value: null: Ping-pong feature works with the ALB and Istio traffic "
       "routing only"},
      {"pingPong same services",
       [] {
         return with(canary_rollout(), [](json& d) {
           auto& c = d["spec"]["strategy"]["canary"];
           c["trafficRouting"] = json::parse(R"({"alb": {"ingress": "i", "servicePort": 80, "rootService": "root"}})");
           c["steps"] = json::parse(R"([{"setWeight": 50}])");
           c["pingPong"] = {{"pingService", "ping"}, {"pongService", "ping"}};
         });
       },
       "spec.strategy.canary.pingPong.pingService",
       "spec.strategy.canary.pingPong.pingService: Invalid value: \"ping\": This rollout uses the same service for the ping "
       "and pong services, but two different services are required."},
      {"pingPong without rootService",
       [] {
         return with(canary_rollout(), [](json& d) {
           auto& c = d["spec"]["strategy"]["canary"];
           c["trafficRouting"] = json::parse(R"({"alb": {"ingress": "i", "servicePort": 80}})");
           c["steps"] = json::parse(R"([{"setWeight": 50}])");
           c["pingPong"] = {{"pingService", "ping"}, {"pongService", "pong"}};
         });
       },
       "spec.strategy.canary.trafficRouting.alb.rootService",
       "spec.strategy.canary.trafficRouting.alb.rootService: Invalid value: \"\": Root service field is required for the "
       "configuration with ALB and ping-pong feature enabled"},
      {"step without type",
       [] { return with(canary_rollout(), [](json& d) { d["spec"]["strategy"]["canary"]["steps"][1] = json::object(); }); },
       s + "[1]",
       s + "[1]: Invalid value: {}: Step must have one of the following set: experiment, setWeight, setCanaryScale or pause"},
      {"step with two types",
       [] {
         return with(canary_rollout(), [](json& d) { d["spec"]["strategy"]["canary"]["steps"][0]["pause"] = json::object(); });
       },
       s + "[0]",
       s + "[0]: Invalid value: {\"pause\":{},\"setWeight\":10}: Step must have one of the following set: experiment, "
           "setWeight, setCanaryScale or pause"},
      {"setWeight > 100", [] { return with(canary_rollout(), [](json& d) { d["spec"]["strategy"]["canary"]["steps"][0]["setWeight"] = 120; }); },
       s + "[0].setWeight", s + "[0].setWeight: Invalid value: 120: SetWeight needs to be between 0 and 100"},
      {"setWeight < 0", [] { return with(canary_rollout(), [](json& d) { d["spec"]["strategy"]["canary"]["steps"][0]["setWeight"] = -1; }); },
       s + "[0].setWeight", s + "[0].setWeight: Invalid value: -1: SetWeight needs to be between 0 and 100"},
      {"pause bad unit",
       [] { return with(canary_rollout(), [](json& d) { d["spec"]["strategy"]["canary"]["steps"][1]["pause"]["duration"] = "1x"; }); },
       s + "[1].pause.duration", s + "[1].pause.duration: Invalid value: \"1x\": Duration needs to be greater than 0"},
      {"pause negative",
       [] { return with(canary_rollout(), [](json& d) { d["spec"]["strategy"]["canary"]["steps"][2]["pause"]["duration"] = -10; }); },
       s + "[2].pause.duration", s + "[2].pause.duration: Invalid value: -10: Duration needs to be greater than 0"},
      {"setCanaryScale without traffic routing",
       [] {
         return with(canary_rollout(), [](json& d) {
           auto& c = d["spec"]["strategy"]["canary"];
           c.erase("trafficRouting");
           c["steps"] = json::parse(R"([{"setCanaryScale": {"replicas": 1}}])");
         });
       },
       "spec.strategy.canary.trafficRouting",
       "spec.strategy.canary.trafficRouting: Required value: SetCanaryScale requires TrafficRouting to be set"},
      {"setHeaderRoute with nginx",
       [] {
         return with(canary_rollout(), [](json& d) {
           d["spec"]["strategy"]["canary"]["trafficRouting"] = json::parse(R"({"nginx": {"stableIngress": "i"}, "managedRoutes": [{"name": "header"}]})");
         });
       },
       s + "[4].setHeaderRoute",
       s + "[4].setHeaderRoute: Invalid value: {\"match\":[{\"headerName\":\"x\",\"headerValue\":{\"exact\":\"1\"}}],\"name\":\"header\"}: "
           "SetHeaderRoute requires TrafficRouting, supports Istio and ALB and Apisix"},
      {"header match with two values",
       [] {
         return with(canary_rollout(), [](json& d) {
           d["spec"]["strategy"]["canary"]["steps"][4]["setHeaderRoute"]["match"][0]["headerValue"]["prefix"] = "a";
         });
       },
       s + "[4].setHeaderRoute.match[0]",
       s + "[4].setHeaderRoute.match[0]: Invalid value: {\"exact\":\"1\",\"prefix\":\"a\"}: StringMatch match value must have "
           "exactly one of the following: exact, regex, prefix"},
      {"route not in managedRoutes",
       [] { return with(canary_rollout(), [](json& d) { d["spec"]["strategy"]["canary"]["steps"][4]["setHeaderRoute"]["name"] = "other"; }); },
       s + "[4].setHeaderRoute",
       s + "[4].setHeaderRoute: Invalid value: \"other\": Steps define a route that does not exist in "
           "spec.strategy.canary.trafficRouting.managedRoutes"},
      {"managedRoutes missing",
       [] { return with(canary_rollout(), [](json& d) { d["spec"]["strategy"]["canary"]["trafficRouting"].erase("managedRoutes"); }); },
       "spec.strategy.canary.trafficRouting.managedRoutes",
       "spec.strategy.canary.trafficRouting.managedRoutes: Required value: Rollout has missing field "
       "'spec.strategy.canary.trafficRouting.managedRoutes'"},
      {"setMirrorRoute with nginx",
       [] {
         return with(canary_rollout(), [](json& d) {
           auto& c = d["spec"]["strategy"]["canary"];
           c["trafficRouting"] = json::parse(R"({"nginx": {"stableIngress": "i"}, "managedRoutes": [{"name": "m"}]})");
           c["steps"] = json::parse(R"([{"setMirrorRoute": {"name": "m", "percentage": 10}}])");
         });
       },
       s + "[0].setMirrorRoute",
       s + "[0].setMirrorRoute: Invalid value: {\"name\":\"m\",\"percentage\":10}: SetMirrorRoute requires TrafficRouting, supports Istio only"},
      {"experiment weight without traffic routing",
       [] {
         return with(canary_rollout(), [](json& d) {
           auto& c = d["spec"]["strategy"]["canary"];
           c.erase("trafficRouting");
           c["steps"] = json::parse(R"([{"experiment": {"templates": [{"name": "b", "specRef": "canary", "weight": 5}]}}])");
         });
       },
       s + "[0].experiment.templates[0].weight",
       s + "[0].experiment.templates[0].weight: Invalid value: 5: Experiment template weight cannot be set unless TrafficRouting is enabled"},
      {"analysis arg with unsupported metadata path",
       [] {
         return with(canary_rollout(), [](json& d) {
           d["spec"]["strategy"]["canary"]["steps"][3]["analysis"]["args"][0]["valueFrom"]["fieldRef"]["fieldPath"] = "metadata.generation";
         });
       },
       s + "[3].analysis.args[0].valueFrom.fieldRef.fieldPath",
       s + "[3].analysis.args[0].valueFrom.fieldRef.fieldPath: Invalid value: \"metadata.generation\": Analyses arguments must "
           "refer to valid object metadata supported by downwardAPI"},
      {"analysis template without name",
       [] { return with(canary_rollout(), [](json& d) { d["spec"]["strategy"]["canary"]["analysis"]["templates"][0].erase("templateName"); }); },
       "spec.strategy.canary.analysis.templates[0].templateName",
       "spec.strategy.canary.analysis.templates[0].templateName: Required value: analysis template reference must name a template"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    std::vector<Finding> fs = run(c.make());
    bool found = false;
    for (const Finding& f : fs) {
      if (f.path == c.path && f.message == c.message) {
        found = true;
        EXPECT_FALSE(f.hint.empty());
      }
    }
    EXPECT_TRUE(found) << "want: " << c.path << " | " << c.message << "\ngot:\n" << dump(fs);
  }
}

TEST(RolloutSpec, StepTypesArgoLetsShareAStep) {
  json r = canary_rollout();
  r["spec"]["strategy"]["canary"]["steps"][4]["setCanaryScale"] = {{"replicas", 1}};
  r["spec"]["strategy"]["canary"]["steps"][4]["pause"] = {{"duration", 15}};
  EXPECT_TRUE(run(r).empty()) << dump(run(r));
}

TEST(RolloutSpec, PingPongWithIstioNeedsNoServices) {
  json r = canary_rollout();
  auto& c = r["spec"]["strategy"]["canary"];
  c.erase("canaryService");
  c.erase("stableService");
  c["pingPong"] = {{"pingService", "ping"}, {"pongService", "pong"}};
  EXPECT_TRUE(run(r).empty()) << dump(run(r));
}

TEST(RolloutSpec, PauseDurationsArgoAccepts) {
  for (json d : {json("10"), json("1h30m"), json("500ms"), json(0), json("0")}) {
    json r = canary_rollout();
    r["spec"]["strategy"]["canary"]["steps"][1]["pause"]["duration"] = d;
    EXPECT_TRUE(run(r).empty()) << d.dump() << "\n" << dump(run(r));
  }
}

TEST(RolloutSpec, WorkloadRefNeedsNoSelectorOrTemplate) {
  json r = canary_rollout();
  r["spec"].erase("selector");
  r["spec"].erase("template");
  r["spec"]["workloadRef"] = json::parse(R"({"apiVersion":"apps/v1","kind":"Deployment","name":"catalog"})");
  EXPECT_TRUE(run(r).empty()) << dump(run(r));
}

TEST(RolloutSpec, MaxTrafficWeightRaisesSetWeightRange) {
  json r = canary_rollout();
  auto& c = r["spec"]["strategy"]["canary"];
  c["trafficRouting"] = json::parse(R"({"nginx": {"stableIngress": "i"}, "maxTrafficWeight": 1000})");
  c["steps"] = json::parse(R"([{"setWeight": 500}, {"setWeight": 1001}])");
  auto fs = run(r);
  ASSERT_EQ(fs.size(), 1u) << dump(fs);
  EXPECT_EQ(fs[0].message, "spec.strategy.canary.steps[1].setWeight: Invalid value: 1001: SetWeight needs to be between 0 and 1000");
}

TEST(RolloutSpec, WrongTypesNeverThrow) {
  for (const char* text : {R"({"apiVersion":"argoproj.io/v1alpha1","kind":"Rollout"})",
                           R"({"apiVersion":"argoproj.io/v1alpha1","kind":"Rollout","spec":[]})",
                           R"({"apiVersion":"argoproj.io/v1alpha1","kind":"Rollout","spec":{"selector":"x","template":7,
                               "strategy":{"canary":{"steps":"x","trafficRouting":[],"maxSurge":{}}}}})",
                           R"({"apiVersion":"argoproj.io/v1alpha1","kind":"Rollout","spec":{"strategy":{"canary":{
                               "steps":[1,"a",null,{"setWeight":"x"},{"pause":"5s"},{"setHeaderRoute":{"match":"x"}},
                                        {"experiment":{"templates":[1],"analyses":"a"}},{"analysis":{"args":[{"valueFrom":1}]}}],
                               "antiAffinity":{"preferredDuringSchedulingIgnoredDuringExecution":{"weight":"x"}},
                               "pingPong":{"pingService":1}}},
                               "replicas":"3","selector":{"matchExpressions":[1,{"operator":7}]}}})"}) {
    SCOPED_TRACE(text);
    EXPECT_NO_THROW(run(json::parse(text)));
  }
}

TEST(RolloutSpec, IgnoresOtherGroups) {
  json r = canary_rollout();
  r["apiVersion"] = "example.com/v1";
  r["spec"]["replicas"] = -1;
  EXPECT_TRUE(run(r).empty());
}

TEST(ArgoHelpers, GoDurations) {
  int64_t ns = 0;
  std::string err;
  EXPECT_TRUE(argo::parse_go_duration("1m30s", &ns));
  EXPECT_EQ(ns, 90'000'000'000);
  EXPECT_TRUE(argo::parse_go_duration("1.5h", &ns));
  EXPECT_EQ(ns, 5'400'000'000'000);
  EXPECT_TRUE(argo::parse_go_duration("-2ms", &ns));
  EXPECT_EQ(ns, -2'000'000);
  EXPECT_TRUE(argo::parse_go_duration("0", &ns));
  EXPECT_FALSE(argo::parse_go_duration("60s-typo", &ns, &err));
  EXPECT_EQ(err, "time: unknown unit \"s-typo\" in duration \"60s-typo\"");
  EXPECT_FALSE(argo::parse_go_duration("10", &ns, &err));
  EXPECT_EQ(err, "time: missing unit in duration \"10\"");
  EXPECT_FALSE(argo::parse_go_duration("", &ns, &err));
  EXPECT_EQ(err, "time: invalid duration \"\"");
  EXPECT_FALSE(argo::parse_go_duration("99999999999999999999h", &ns, &err));
  EXPECT_EQ(err, "time: invalid duration \"99999999999999999999h\"");
}

TEST(ArgoHelpers, IntOrString) {
  json a = 3, b = "7", c = "25%", d = "{{args.n}}", e = true;
  EXPECT_EQ(argo::int_or_string_value(&a), 3);
  EXPECT_EQ(argo::int_or_string_value(&b), 7);
  EXPECT_EQ(argo::int_or_string_value(&c), 0);
  EXPECT_EQ(argo::int_or_percent_value(&c), 25);
  EXPECT_EQ(argo::int_or_string_value(&d), 0);
  EXPECT_EQ(argo::int_or_string_value(&e), 0);
  EXPECT_EQ(argo::int_or_string_value(nullptr), 0);
  json p1 = "90s", p2 = "abc", p3 = 15;
  EXPECT_EQ(argo::pause_duration_seconds(nullptr), 0);
  EXPECT_EQ(argo::pause_duration_seconds(&p1), 90);
  EXPECT_EQ(argo::pause_duration_seconds(&p2), -1);
  EXPECT_EQ(argo::pause_duration_seconds(&p3), 15);
}

}  // namespace
}  // namespace rg
