// rollout/spec
//
// Argo Rollouts' own spec validation (pkg/apis/rollouts/validation,
// ValidateRollout), checked at apply time: what the controller would refuse
// later with an InvalidSpec condition. Restricted fields: spec.replicas,
// selector, template (selector match, restartPolicy, activeDeadlineSeconds,
// containers, resource quantities), workloadRef, minReadySeconds,
// revisionHistoryLimit, progressDeadlineSeconds, and spec.strategy (exactly
// one of canary/blueGreen; services, ping-pong, traffic routing
// requirements, steps, anti-affinity). Messages use Argo's constants and the
// k8s field-error form ("<path>: Invalid value: <v>: <Argo message>").
//
// Where we differ from upstream, on purpose:
// - Paths name the real field: Argo reports blueGreen errors under
//   "spec.strategy.<field>" and the missing strategy as
//   "spec.strategy.strategy"; we say "spec.strategy.blueGreen.<field>" and
//   "spec.strategy".
// - Ping-pong is accepted with Istio as well as ALB, as the corpus commit
//   (v1.10) does; the message names both.
// - Only a practical part of Kubernetes' pod template validation is
//   repeated (the parts Argo's e2e "malformed" fixtures exercise).
#include <algorithm>
#include <iterator>
#include <set>

#include "policy/argo.h"
#include "policy/messages.h"
#include "policy/rollout_refs.h"
#include "policy/rules/rules.h"

namespace rg {

namespace {

// Argo's message constants (validation.go).
constexpr std::string_view kMissingField = "Rollout has missing field '%s'";
constexpr std::string_view kInvalidSetWeight = "SetWeight needs to be between 0 and %d";
constexpr std::string_view kExperimentWeightWithoutTR =
    "Experiment template weight cannot be set unless TrafficRouting is enabled";
constexpr std::string_view kExperimentWeightProviders =
    "Experiment template weight is only available for TrafficRouting with SMI, ALB, and Istio at this time";
constexpr std::string_view kSetCanaryScaleTR = "SetCanaryScale requires TrafficRouting to be set";
constexpr std::string_view kSetHeaderRouteTR = "SetHeaderRoute requires TrafficRouting, supports Istio and ALB and Apisix";
constexpr std::string_view kSetMirrorRouteTR = "SetMirrorRoute requires TrafficRouting, supports Istio only";
constexpr std::string_view kStringMatchMultiple =
    "StringMatch match value must have exactly one of the following: exact, regex, prefix";
constexpr std::string_view kStringMatchMissing =
    "StringMatch value missed, match value must have one of the following: exact, regex, prefix";
constexpr std::string_view kHeaderRouteALB = "SetHeaderRoute match value invalid. ALB supports 'exact' value only";
constexpr std::string_view kInvalidDuration = "Duration needs to be greater than 0";
constexpr std::string_view kMaxSurgeMaxUnavailable = "MaxSurge and MaxUnavailable both can not be zero";
constexpr std::string_view kInvalidStep =
    "Step must have one of the following set: experiment, setWeight, setCanaryScale or pause";
constexpr std::string_view kInvalidStrategy = "Multiple Strategies can not be listed";
constexpr std::string_view kDuplicatedBlueGreen =
    "This rollout uses the same service for the active and preview services, but two different services are required.";
constexpr std::string_view kDuplicatedCanary =
    "This rollout uses the same service for the stable and canary services, but two different services are required.";
constexpr std::string_view kAntiAffinityStrategy = "AntiAffinity must have exactly one strategy listed";
constexpr std::string_view kAntiAffinityWeight = "AntiAffinity weight must be between 1-100";
constexpr std::string_view kScaleDownLimit =
    "This rollout's revision history limit can not be smaller than the rollout's scale down limit";
constexpr std::string_view kTrafficRoutingServices = "Canary service and Stable service must to be set to use Traffic Routing";
constexpr std::string_view kAnalysisArgs = "Analyses arguments must refer to valid object metadata supported by downwardAPI";
constexpr std::string_view kCanaryScaleDownDelay = "Canary scaleDownDelaySeconds can only be used with traffic routing";
constexpr std::string_view kCanaryDynamicStableScale = "Canary dynamicStableScale can only be used with traffic routing";
constexpr std::string_view kDynamicStableScaleWithDelay = "Canary dynamicStableScale cannot be used with scaleDownDelaySeconds";
constexpr std::string_view kMaxWeightNginxPlugins = "Canary maxTrafficWeight in traffic routing only support in Nginx and Plugins";
constexpr std::string_view kPingPongServices = "Ping service and Pong service must to be set to use Ping-Pong feature";
constexpr std::string_view kDuplicatedPingPong =
    "This rollout uses the same service for the ping and pong services, but two different services are required.";
constexpr std::string_view kAlbRootService = "Root service field is required for the configuration with ALB and ping-pong feature enabled";
// Upstream said "ALB traffic routing only" until ping-pong gained Istio support; the corpus commit
// (v1.10) runs ping-pong with Istio (test/e2e/istio/istio-host-split-ping-pong.yaml).
constexpr std::string_view kPingPongAlbOnly = "Ping-pong feature works with the ALB and Istio traffic routing only";
constexpr std::string_view kRouteNotManaged =
    "Steps define a route that does not exist in spec.strategy.canary.trafficRouting.managedRoutes";

std::string fmt1(std::string_view pattern, std::string_view arg) {
  std::string out(pattern);
  auto pos = out.find("%s");
  if (pos == std::string::npos) pos = out.find("%d");
  if (pos != std::string::npos) out.replace(pos, 2, arg);
  return out;
}

// A field is set when present and not null (Go: a non-nil pointer).
const json* set_field(const json* obj, std::string_view key) {
  if (obj == nullptr) return nullptr;
  const json* v = child(*obj, key);
  return v != nullptr && !v->is_null() ? v : nullptr;
}
const json* object_field(const json* obj, std::string_view key) {
  const json* v = set_field(obj, key);
  return v != nullptr && v->is_object() ? v : nullptr;
}
const json* array_field(const json* obj, std::string_view key) {
  const json* v = set_field(obj, key);
  return v != nullptr && v->is_array() ? v : nullptr;
}
std::string_view string_field(const json* obj, std::string_view key) { return obj ? str_or(child(*obj, key)) : ""; }
bool bool_field(const json* obj, std::string_view key) {
  const json* v = set_field(obj, key);
  return v != nullptr && v->is_boolean() && v->get<bool>();
}
std::string num(int64_t n) { return std::to_string(n); }
std::string value_of(const json* v) {
  if (v == nullptr) return "null";
  if (v->is_string()) return argo::go_quote(v->get_ref<const std::string&>());
  return short_json(*v);
}

class Checker {
 public:
  Checker(const json& doc, EvalCache* cache) : doc_(doc), cache_(cache) {
    const json* s = child(doc, "spec");
    spec_ = s != nullptr && s->is_object() ? s : &kEmpty;
  }

  std::vector<Finding> run() {
    check_spec();
    return std::move(out_);
  }

 private:
  static inline const json kEmpty = json::object();

  void add(std::string path, std::string message, std::string hint) {
    Finding f;
    f.path = std::move(path);
    f.message = std::move(message);
    f.hint = std::move(hint);
    out_.push_back(std::move(f));
  }

  int64_t int_or(const json* obj, std::string_view key, int64_t fallback) {
    return argo::json_int(set_field(obj, key)).value_or(fallback);
  }

  void nonnegative(std::string_view key, int64_t fallback) {
    int64_t v = int_or(spec_, key, fallback);
    if (v < 0) {
      std::string path = path_key("spec", key);
      add(path, argo::field_invalid(path, num(v), "must be greater than or equal to 0"),
          "set " + path + " to 0 or more, or remove it to use the default (" + num(fallback) + ")");
    }
  }

  void check_spec() {
    nonnegative("replicas", 1);
    const json* workload_ref = object_field(spec_, "workloadRef");
    const json* selector = set_field(spec_, "selector");
    bool selector_usable = false;
    if (workload_ref == nullptr) {
      if (selector == nullptr) {
        add("spec.selector", argo::field_required("spec.selector", fmt1(kMissingField, ".spec.selector")),
            "add spec.selector.matchLabels that match spec.template.metadata.labels");
      } else if (!selector->is_object()) {
        add("spec.selector", argo::field_invalid("spec.selector", value_of(selector), "invalid label selector"),
            "spec.selector must be a label selector: {matchLabels: {app: <name>}}");
      } else {
        selector_usable = check_label_selector(*selector, "spec.selector");
        const json* ml = object_field(selector, "matchLabels");
        const json* me = array_field(selector, "matchExpressions");
        if ((ml == nullptr || ml->empty()) && (me == nullptr || me->empty())) {
          add("spec.selector", argo::field_invalid("spec.selector", short_json(*selector), "empty selector is invalid for deployment"),
              "add spec.selector.matchLabels that match spec.template.metadata.labels");
          selector_usable = false;
        }
      }
    } else {
      check_workload_ref(*workload_ref);
    }
    if (workload_ref == nullptr) check_template(selector_usable ? selector : nullptr);

    nonnegative("minReadySeconds", 0);
    nonnegative("revisionHistoryLimit", 10);
    nonnegative("progressDeadlineSeconds", 600);
    int64_t pds = int_or(spec_, "progressDeadlineSeconds", 600);
    int64_t mrs = int_or(spec_, "minReadySeconds", 0);
    if (pds <= mrs) {
      add("spec.progressDeadlineSeconds",
          argo::field_invalid("spec.progressDeadlineSeconds", num(pds), "must be greater than minReadySeconds"),
          "set spec.progressDeadlineSeconds above spec.minReadySeconds (" + num(mrs) + ")");
    }
    check_strategy();
    check_analysis_refs();
  }

  // metav1 validation of a label selector; returns whether it can be matched.
  bool check_label_selector(const json& sel, const std::string& base) {
    bool ok = true;
    const json* ml = set_field(&sel, "matchLabels");
    if (ml != nullptr && !ml->is_object()) {
      add(path_key(base, "matchLabels"), argo::field_invalid(path_key(base, "matchLabels"), value_of(ml), "invalid label selector"),
          "matchLabels is a map of label names to values");
      ok = false;
    }
    const json* me = set_field(&sel, "matchExpressions");
    if (me == nullptr) return ok;
    if (!me->is_array()) {
      add(path_key(base, "matchExpressions"),
          argo::field_invalid(path_key(base, "matchExpressions"), value_of(me), "invalid label selector"),
          "matchExpressions is a list of {key, operator, values}");
      return false;
    }
    for (size_t i = 0; i < me->size(); ++i) {
      const json& e = (*me)[i];
      std::string p = path_index(path_key(base, "matchExpressions"), i);
      std::string_view op = str_or(child(e, "operator"));
      const json* values = array_field(&e, "values");
      size_t nvalues = values ? values->size() : 0;
      if (op == "In" || op == "NotIn") {
        if (nvalues == 0) {
          add(path_key(p, "values"),
              argo::field_required(path_key(p, "values"), "must be specified when `operator` is 'In' or 'NotIn'"),
              "list at least one value, or use operator Exists");
          ok = false;
        }
      } else if (op == "Exists" || op == "DoesNotExist") {
        if (nvalues > 0) {
          add(path_key(p, "values"),
              argo::field_forbidden(path_key(p, "values"), "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"),
              "remove values, or use operator In");
          ok = false;
        }
      } else {
        add(path_key(p, "operator"),
            argo::field_invalid(path_key(p, "operator"), argo::go_quote(op), "not a valid selector operator"),
            "use one of In, NotIn, Exists, DoesNotExist");
        ok = false;
      }
    }
    return ok;
  }

  static bool selector_matches(const json& sel, const json* labels) {
    auto label = [&](const std::string& k) -> const json* {
      if (labels == nullptr || !labels->is_object()) return nullptr;
      auto it = labels->find(k);
      return it == labels->end() ? nullptr : &*it;
    };
    if (const json* ml = child(sel, "matchLabels"); ml != nullptr && ml->is_object()) {
      for (auto it = ml->begin(); it != ml->end(); ++it) {
        const json* have = label(it.key());
        if (have == nullptr || *have != it.value()) return false;
      }
    }
    if (const json* me = child(sel, "matchExpressions"); me != nullptr && me->is_array()) {
      for (const json& e : *me) {
        std::string key(str_or(child(e, "key")));
        std::string_view op = str_or(child(e, "operator"));
        const json* have = label(key);
        const json* values = child(e, "values");
        bool in = false;
        if (have != nullptr && values != nullptr && values->is_array()) {
          in = std::find(values->begin(), values->end(), *have) != values->end();
        }
        if (op == "In" && !in) return false;
        if (op == "NotIn" && in) return false;
        if (op == "Exists" && have == nullptr) return false;
        if (op == "DoesNotExist" && have != nullptr) return false;
      }
    }
    return true;
  }

  // Argo's RolloutSpec.EmptyTemplate(): no labels, no annotations, and nothing else set.
  static bool empty_value(const json& v) {
    if (v.is_null()) return true;
    if (v.is_object() || v.is_array()) {
      for (const json& c : v) {
        if (!empty_value(c)) return false;
      }
      return true;
    }
    if (v.is_string()) return v.get_ref<const std::string&>().empty();
    return false;
  }

  void check_workload_ref(const json& ref) {
    std::string_view kind = str_or(child(ref, "kind"));
    if (kind != "Deployment" && kind != "ReplicaSet" && kind != "PodTemplate") {
      add("spec.workloadRef.kind",
          "spec.workloadRef.kind: Unsupported value: " + argo::go_quote(kind) +
              ": supported values: \"Deployment\", \"ReplicaSet\", \"PodTemplate\"",
          "reference an apps/v1 Deployment or ReplicaSet, or a v1 PodTemplate");
    }
    if (str_or(child(ref, "name")).empty()) {
      add("spec.workloadRef.name", argo::field_required("spec.workloadRef.name", ""),
          "set spec.workloadRef.name to the workload whose pod template the Rollout uses");
    }
    const json* tmpl = set_field(spec_, "template");
    if (tmpl != nullptr && !empty_value(*tmpl)) {
      add("spec.template", argo::field_internal("spec.template", "template must be empty for workload reference rollout"),
          "remove spec.template: with spec.workloadRef the pod template comes from the referenced workload");
    }
  }

  void check_template(const json* selector) {
    const json* tmpl = object_field(spec_, "template");
    const json* labels = tmpl ? child(*tmpl, {"metadata", "labels"}) : nullptr;
    if (selector != nullptr && !selector_matches(*selector, labels)) {
      add("spec.template.metadata.labels",
          argo::field_invalid("spec.template.metadata.labels", labels ? short_json(*labels) : "null",
                              "`selector` does not match template `labels`"),
          "make spec.selector.matchLabels a subset of spec.template.metadata.labels");
    }
    const json* pod = object_field(tmpl, "spec");
    std::string_view restart = string_field(pod, "restartPolicy");
    if (!restart.empty() && restart != "Always") {
      add("spec.template.spec.restartPolicy",
          "spec.template.spec.restartPolicy: Unsupported value: " + argo::go_quote(restart) +
              ": supported values: \"Always\"",
          "remove restartPolicy or set it to Always");
    }
    if (const json* ads = set_field(pod, "activeDeadlineSeconds")) {
      add("spec.template.spec.activeDeadlineSeconds",
          argo::field_invalid("spec.template.spec.activeDeadlineSeconds", value_of(ads),
                              "activeDeadlineSeconds in ReplicaSet is not Supported"),
          "remove spec.template.spec.activeDeadlineSeconds");
    }
    const json* containers = array_field(pod, "containers");
    if (containers == nullptr || containers->empty()) {
      add("spec.template.spec.containers", argo::field_required("spec.template.spec.containers", ""),
          "add at least one container to spec.template.spec.containers");
    }
    std::set<std::string> names;
    for (std::string_view list : {"initContainers", "containers", "ephemeralContainers"}) {
      const json* cs = array_field(pod, list);
      if (cs == nullptr) continue;
      const std::string base = path_key("spec.template.spec", list);
      for (size_t i = 0; i < cs->size(); ++i) {
        const json& c = (*cs)[i];
        const std::string cp = path_index(base, i);
        std::string name(str_or(child(c, "name")));
        if (name.empty()) {
          add(path_key(cp, "name"), argo::field_required(path_key(cp, "name"), ""), "give the container a name");
        } else if (!names.insert(name).second) {
          add(path_key(cp, "name"), argo::field_duplicate(path_key(cp, "name"), argo::go_quote(name)),
              "container names must be unique across containers, initContainers and ephemeralContainers");
        }
        check_quantities(c, cp);
      }
    }
  }

  void check_quantities(const json& container, const std::string& cp) {
    for (std::string_view section : {"requests", "limits"}) {
      const json* m = child(container, {"resources", section});
      if (m == nullptr || !m->is_object()) continue;
      for (auto it = m->begin(); it != m->end(); ++it) {
        if (argo::is_valid_quantity(it.value())) continue;
        std::string p = path_key(path_key(path_key(cp, "resources"), section), it.key());
        add(p, argo::field_invalid(p, value_of(&it.value()), argo::kQuantityFormatMessage),
            "use a Kubernetes quantity such as \"128Mi\" or \"250m\"");
      }
    }
  }

  void check_strategy() {
    const json* strategy = object_field(spec_, "strategy");
    const json* bg = object_field(strategy, "blueGreen");
    const json* canary = object_field(strategy, "canary");
    if (bg == nullptr && canary == nullptr) {
      add("spec.strategy",
          argo::field_required("spec.strategy", fmt1(kMissingField, ".spec.strategy.canary or .spec.strategy.blueGreen")),
          "add spec.strategy.canary (with steps) or spec.strategy.blueGreen (with activeService)");
    } else if (bg != nullptr && canary != nullptr) {
      add("spec.strategy", argo::field_invalid("spec.strategy", "\"blueGreen: true canary: true\"", kInvalidStrategy),
          "keep either spec.strategy.canary or spec.strategy.blueGreen, not both");
    } else if (bg != nullptr) {
      check_blue_green(*bg);
    } else {
      check_canary(*canary);
    }
  }

  void check_blue_green(const json& bg) {
    const std::string base = "spec.strategy.blueGreen";
    std::string_view active = string_field(&bg, "activeService");
    std::string_view preview = string_field(&bg, "previewService");
    if (active.empty()) {
      add(path_key(base, "activeService"),
          argo::field_required(path_key(base, "activeService"), fmt1(kMissingField, ".spec.strategy.blueGreen.activeService")),
          "set activeService to the Service that receives production traffic");
    } else if (active == preview) {
      add(path_key(base, "activeService"),
          argo::field_invalid(path_key(base, "activeService"), argo::go_quote(active), kDuplicatedBlueGreen),
          "point previewService at a second Service, or remove previewService");
    }
    if (const json* lim = set_field(&bg, "scaleDownDelayRevisionLimit")) {
      auto n = argo::json_int(lim);
      int64_t rhl = int_or(spec_, "revisionHistoryLimit", 10);
      if (n && rhl < *n) {
        add(path_key(base, "scaleDownDelayRevisionLimit"),
            argo::field_invalid(path_key(base, "scaleDownDelayRevisionLimit"), num(*n), kScaleDownLimit),
            "lower scaleDownDelayRevisionLimit to at most spec.revisionHistoryLimit (" + num(rhl) + ")");
      }
    }
    check_anti_affinity(object_field(&bg, "antiAffinity"), path_key(base, "antiAffinity"));
  }

  void check_anti_affinity(const json* aa, const std::string& base) {
    if (aa == nullptr) return;
    const json* preferred = set_field(aa, "preferredDuringSchedulingIgnoredDuringExecution");
    const json* required = set_field(aa, "requiredDuringSchedulingIgnoredDuringExecution");
    if ((preferred == nullptr) == (required == nullptr)) {
      std::string v = std::string("\"antiAffinity.PreferredDuringSchedulingIgnoredDuringExecution: ") +
                      (preferred ? "true" : "false") + " antiAffinity.RequiredDuringSchedulingIgnoredDuringExecution: " +
                      (required ? "true" : "false") + "\"";
      add(base, argo::field_invalid(base, v, kAntiAffinityStrategy),
          "set exactly one of preferredDuringSchedulingIgnoredDuringExecution: {weight: 1-100} or "
          "requiredDuringSchedulingIgnoredDuringExecution: {}");
    }
    if (preferred != nullptr) {
      int64_t w = argo::json_int(set_field(preferred, "weight")).value_or(0);
      if (w < 1 || w > 100) {
        std::string p = path_key(path_key(base, "preferredDuringSchedulingIgnoredDuringExecution"), "weight");
        add(p, argo::field_invalid(p, num(w), kAntiAffinityWeight), "set the weight between 1 and 100");
      }
    }
  }

  // Argo's requireCanaryStableServices.
  static bool require_canary_stable_services(const json& canary, const json* tr) {
    if (tr == nullptr) return false;
    bool ping_pong = object_field(&canary, "pingPong") != nullptr;
    const json* istio = object_field(tr, "istio");
    return (set_field(tr, "alb") != nullptr && !ping_pong) ||
           (istio != nullptr && set_field(istio, "destinationRule") == nullptr && !ping_pong) ||
           set_field(tr, "smi") != nullptr ||
           set_field(tr, "apisix") != nullptr || set_field(tr, "ambassador") != nullptr ||
           set_field(tr, "nginx") != nullptr || set_field(tr, "appMesh") != nullptr ||
           set_field(tr, "traefik") != nullptr;
  }

  static bool has_plugins(const json* tr) {
    const json* p = object_field(tr, "plugins");
    return p != nullptr && !p->empty();
  }

  void check_canary(const json& canary) {
    const std::string base = "spec.strategy.canary";
    const json* tr = object_field(&canary, "trafficRouting");

    // maxSurge / maxUnavailable (both default to 25%).
    const json* surge = set_field(&canary, "maxSurge");
    const json* unavailable = set_field(&canary, "maxUnavailable");
    json dflt = "25%";
    if (argo::int_or_percent_value(surge ? surge : &dflt) == 0 &&
        argo::int_or_percent_value(unavailable ? unavailable : &dflt) == 0) {
      add(path_key(base, "maxSurge"),
          argo::field_invalid(path_key(base, "maxSurge"), value_of(surge ? surge : &dflt), kMaxSurgeMaxUnavailable),
          "set maxSurge or maxUnavailable above 0 so the update can make progress");
    }

    std::string_view canary_svc = string_field(&canary, "canaryService");
    std::string_view stable_svc = string_field(&canary, "stableService");
    if (!canary_svc.empty() && canary_svc == stable_svc) {
      add(path_key(base, "stableService"),
          argo::field_invalid(path_key(base, "stableService"), argo::go_quote(stable_svc), kDuplicatedCanary),
          "point canaryService and stableService at two different Services");
    }

    if (const json* pp = object_field(&canary, "pingPong")) {
      const std::string pbase = path_key(base, "pingPong");
      if (tr != nullptr && set_field(tr, "alb") == nullptr && set_field(tr, "istio") == nullptr) {
        add(path_key(base, "trafficRouting.alb"),
            argo::field_invalid(path_key(base, "trafficRouting.alb"), "null", kPingPongAlbOnly),
            "use pingPong only with trafficRouting.alb or istio, or use canaryService/stableService");
      }
      std::string_view ping = string_field(pp, "pingService");
      std::string_view pong = string_field(pp, "pongService");
      if (ping.empty()) {
        add(path_key(pbase, "pingService"), argo::field_invalid(path_key(pbase, "pingService"), "\"\"", kPingPongServices),
            "set pingPong.pingService");
      }
      if (pong.empty()) {
        add(path_key(pbase, "pongService"), argo::field_invalid(path_key(pbase, "pongService"), "\"\"", kPingPongServices),
            "set pingPong.pongService");
      }
      if (ping == pong) {
        add(path_key(pbase, "pingService"),
            argo::field_invalid(path_key(pbase, "pingService"), argo::go_quote(ping), kDuplicatedPingPong),
            "point pingService and pongService at two different Services");
      }
      if (const json* alb = object_field(tr, "alb"); alb != nullptr && string_field(alb, "rootService").empty()) {
        add(path_key(base, "trafficRouting.alb.rootService"),
            argo::field_invalid(path_key(base, "trafficRouting.alb.rootService"), "\"\"", kAlbRootService),
            "set trafficRouting.alb.rootService to the Service the Ingress routes to");
      }
    }

    if (require_canary_stable_services(canary, tr)) {
      if (stable_svc.empty()) {
        add(path_key(base, "stableService"), argo::field_invalid(path_key(base, "stableService"), "\"\"", kTrafficRoutingServices),
            "set stableService (and canaryService) to the Services the traffic router splits between");
      }
      if (canary_svc.empty()) {
        add(path_key(base, "canaryService"), argo::field_invalid(path_key(base, "canaryService"), "\"\"", kTrafficRoutingServices),
            "set canaryService (and stableService) to the Services the traffic router splits between");
      }
    }

    const json* sdds = set_field(&canary, "scaleDownDelaySeconds");
    bool dss = bool_field(&canary, "dynamicStableScale");
    if (tr == nullptr) {
      if (sdds != nullptr) {
        add(path_key(base, "scaleDownDelaySeconds"),
            argo::field_invalid(path_key(base, "scaleDownDelaySeconds"), value_of(sdds), kCanaryScaleDownDelay),
            "remove scaleDownDelaySeconds, or add trafficRouting");
      }
      if (dss) {
        add(path_key(base, "dynamicStableScale"), argo::field_invalid(path_key(base, "dynamicStableScale"), "true", kCanaryDynamicStableScale),
            "remove dynamicStableScale, or add trafficRouting");
      }
    } else {
      if (sdds != nullptr && dss) {
        add(path_key(base, "dynamicStableScale"),
            argo::field_invalid(path_key(base, "dynamicStableScale"), "true", kDynamicStableScaleWithDelay),
            "remove either dynamicStableScale or scaleDownDelaySeconds");
      }
      if (const json* mtw = set_field(tr, "maxTrafficWeight"); mtw != nullptr && set_field(tr, "nginx") == nullptr && !has_plugins(tr)) {
        add(path_key(base, "trafficRouting.maxTrafficWeight"),
            argo::field_invalid(path_key(base, "trafficRouting.maxTrafficWeight"), value_of(mtw), kMaxWeightNginxPlugins),
            "remove maxTrafficWeight: only the nginx and plugin traffic routers support it");
      }
    }

    if (const json* steps = set_field(&canary, "steps")) {
      if (steps->is_array()) {
        for (size_t i = 0; i < steps->size(); ++i) check_step((*steps)[i], i, tr);
      }
    }
    check_anti_affinity(object_field(&canary, "antiAffinity"), path_key(base, "antiAffinity"));
  }

  void check_string_match(const json* match, const std::string& p, bool alb) {
    if (match == nullptr || !match->is_object()) {
      add(p, argo::field_invalid(p, "null", kStringMatchMissing), "set one of exact, regex or prefix");
      return;
    }
    bool exact = !string_field(match, "exact").empty();
    bool regex = !string_field(match, "regex").empty();
    bool prefix = !string_field(match, "prefix").empty();
    if (alb) {
      if (!exact || regex || prefix) {
        add(p, argo::field_invalid(p, short_json(*match), kHeaderRouteALB), "with ALB, match headers with `exact` only");
      }
      return;
    }
    int n = int{exact} + int{regex} + int{prefix};
    if (n > 1) add(p, argo::field_invalid(p, short_json(*match), kStringMatchMultiple), "keep one of exact, regex or prefix");
    if (n == 0) add(p, argo::field_invalid(p, short_json(*match), kStringMatchMissing), "set one of exact, regex or prefix");
  }

  void check_route_managed(const json* tr, std::string_view route, const std::string& p) {
    const json* managed = array_field(tr, "managedRoutes");
    if (managed == nullptr) return;
    for (const json& r : *managed) {
      if (str_or(child(r, "name")) == route) return;
    }
    add(p, argo::field_invalid(p, argo::go_quote(route), kRouteNotManaged),
        "add {name: " + std::string(route) + "} to spec.strategy.canary.trafficRouting.managedRoutes");
  }

  // Downward API paths fieldpath.ExtractFieldPathAsString accepts for metadata.
  static bool supported_metadata_path(std::string_view p) {
    if (p == "metadata.name" || p == "metadata.namespace" || p == "metadata.uid" || p == "metadata.labels" ||
        p == "metadata.annotations") {
      return true;
    }
    for (std::string_view prefix : {"metadata.labels[", "metadata.annotations["}) {
      if (p.substr(0, prefix.size()) == prefix && p.size() > prefix.size() + 1 && p.back() == ']') return true;
    }
    return false;
  }

  void check_args(const json* args, const std::string& base) {
    if (args == nullptr || !args->is_array()) return;
    for (size_t k = 0; k < args->size(); ++k) {
      const json* fp = child((*args)[k], {"valueFrom", "fieldRef", "fieldPath"});
      std::string_view path = str_or(fp);
      if (path.substr(0, 8) != "metadata" || supported_metadata_path(path)) continue;
      std::string p = path_index(base, k) + ".valueFrom.fieldRef.fieldPath";
      add(p, argo::field_invalid(p, argo::go_quote(path), kAnalysisArgs),
          "use metadata.name, metadata.namespace, metadata.uid, metadata.labels['<key>'] or metadata.annotations['<key>']");
    }
  }

  void check_step(const json& step, size_t i, const json* tr) {
    // The step's path, built only when a message needs it (most steps are fine).
    std::string sp_text;
    const auto sp = [&]() -> const std::string& {
      if (sp_text.empty()) sp_text = path_index("spec.strategy.canary.steps", i);
      return sp_text;
    };
    static constexpr std::string_view kTypes[] = {"setWeight",      "pause",          "experiment",     "analysis",
                                                  "setCanaryScale", "setHeaderRoute", "setMirrorRoute", "plugin"};
    // Argo's hasMultipleStepsType counts only these four; setCanaryScale and
    // setHeaderRoute may share a step (upstream examples/apisix/rollout.yaml).
    static constexpr std::string_view kExclusive[] = {"setWeight", "pause", "experiment", "analysis"};
    // The step's set (present, not null) members among kTypes, found in one
    // pass over the step rather than a lookup per use.
    const json* typed[std::size(kTypes)] = {};
    if (step.is_object()) {
      for (const auto& [key, value] : step.get_ref<const json::object_t&>()) {
        if (value.is_null()) continue;
        for (size_t k = 0; k < std::size(kTypes); ++k) {
          if (key == kTypes[k]) typed[k] = &value;
        }
      }
    }
    const auto field = [&](std::string_view t) -> const json* {
      for (size_t k = 0; k < std::size(kTypes); ++k) {
        if (kTypes[k] == t) return typed[k];
      }
      return nullptr;
    };
    const auto object_member = [&](std::string_view t) -> const json* {
      const json* v = field(t);
      return v != nullptr && v->is_object() ? v : nullptr;
    };
    bool any_type = false;
    for (const json* v : typed) any_type = any_type || v != nullptr;
    size_t n_exclusive = 0;
    for (std::string_view t : kExclusive) n_exclusive += field(t) != nullptr ? 1 : 0;
    if (!any_type) {
      add(sp(), argo::field_invalid(sp(), short_json(step), kInvalidStep),
          "give the step one of setWeight, pause, analysis, experiment, setCanaryScale, setHeaderRoute, "
          "setMirrorRoute or plugin");
    } else if (n_exclusive > 1) {
      std::vector<std::string> exclusive;
      for (std::string_view t : kExclusive) {
        if (field(t) != nullptr) exclusive.emplace_back(t);
      }
      add(sp(), argo::field_invalid(sp(), short_json(step), kInvalidStep),
          "split the step into " + std::to_string(exclusive.size()) + " steps, one each for " + join_quote(exclusive));
    }

    int64_t max_weight = 100;
    if (tr != nullptr) max_weight = argo::json_int(set_field(tr, "maxTrafficWeight")).value_or(100);
    if (const json* w = field("setWeight")) {
      auto n = argo::json_int(w);
      if (!n || *n < 0 || *n > max_weight) {
        add(path_key(sp(), "setWeight"),
            argo::field_invalid(path_key(sp(), "setWeight"), value_of(w), fmt1(kInvalidSetWeight, num(max_weight))),
            "set setWeight to a whole number between 0 and " + num(max_weight));
      }
    }
    if (const json* pause = field("pause"); pause != nullptr && pause->is_object()) {
      const json* d = set_field(pause, "duration");
      if (argo::pause_duration_seconds(d) < 0) {
        add(path_key(sp(), "pause.duration"), argo::field_invalid(path_key(sp(), "pause.duration"), value_of(d), kInvalidDuration),
            "use whole seconds (30) or a duration string (\"30s\", \"5m\", \"1h\"); `pause: {}` waits for promotion");
      }
    }
    if (field("setCanaryScale") != nullptr && tr == nullptr) {
      add("spec.strategy.canary.trafficRouting", argo::field_required("spec.strategy.canary.trafficRouting", kSetCanaryScaleTR),
          "add trafficRouting, or replace setCanaryScale with setWeight");
    }
    bool has_istio = set_field(tr, "istio") != nullptr;
    bool has_alb = set_field(tr, "alb") != nullptr;
    if (const json* hr = field("setHeaderRoute")) {
      const std::string p = path_key(sp(), "setHeaderRoute");
      if (tr == nullptr || (!has_istio && !has_alb && set_field(tr, "apisix") == nullptr && !has_plugins(tr))) {
        add(p, argo::field_invalid(p, short_json(*hr), kSetHeaderRouteTR),
            "use setHeaderRoute only with Istio, ALB, Apisix or a traffic router plugin");
      } else if (const json* matches = array_field(hr, "match")) {
        for (size_t j = 0; j < matches->size(); ++j) {
          check_string_match(set_field(&(*matches)[j], "headerValue"), path_index(path_key(p, "match"), j), has_alb);
        }
      }
    }
    if (const json* mr = field("setMirrorRoute")) {
      const std::string p = path_key(sp(), "setMirrorRoute");
      if (!has_istio) {
        add(p, argo::field_invalid(p, short_json(*mr), kSetMirrorRouteTR), "use setMirrorRoute only with Istio traffic routing");
      }
      if (const json* matches = array_field(mr, "match")) {
        for (size_t j = 0; j < matches->size(); ++j) {
          const json& m = (*matches)[j];
          const std::string mp = path_index(path_key(p, "match"), j);
          if (const json* method = set_field(&m, "method")) check_string_match(method, mp, false);
          if (const json* path = set_field(&m, "path")) check_string_match(path, mp, false);
        }
      }
    }
    const json* hr = object_member("setHeaderRoute");
    const json* mr = object_member("setMirrorRoute");
    if (tr != nullptr && (hr != nullptr || mr != nullptr)) {
      if (set_field(tr, "managedRoutes") == nullptr) {
        const std::string p = "spec.strategy.canary.trafficRouting.managedRoutes";
        add(p, argo::field_required(p, fmt1(kMissingField, p)), "list the step's route names under trafficRouting.managedRoutes");
      } else {
        if (hr != nullptr) check_route_managed(tr, string_field(hr, "name"), path_key(sp(), "setHeaderRoute"));
        if (mr != nullptr) check_route_managed(tr, string_field(mr, "name"), path_key(sp(), "setMirrorRoute"));
      }
    }
    if (const json* exp = object_member("experiment")) {
      if (const json* templates = array_field(exp, "templates")) {
        for (size_t t = 0; t < templates->size(); ++t) {
          const json* w = set_field(&(*templates)[t], "weight");
          if (w == nullptr) continue;
          const std::string p = path_index(path_key(sp(), "experiment.templates"), t) + ".weight";
          if (tr == nullptr) {
            add(p, argo::field_invalid(p, value_of(w), kExperimentWeightWithoutTR), "remove weight, or add trafficRouting");
          } else if (!has_alb && set_field(tr, "smi") == nullptr && !has_istio) {
            add(p, argo::field_invalid(p, value_of(w), kExperimentWeightProviders),
                "remove weight: only SMI, ALB and Istio route traffic to experiment templates");
          }
        }
      }
      if (const json* analyses = array_field(exp, "analyses")) {
        for (size_t a = 0; a < analyses->size(); ++a) {
          check_args(set_field(&(*analyses)[a], "args"), path_index(path_key(sp(), "experiment.analyses"), a) + ".args");
        }
      }
    }
    if (const json* an = object_member("analysis")) check_args(set_field(an, "args"), path_key(sp(), "analysis.args"));
  }

  void check_analysis_refs() {
    const std::shared_ptr<const std::vector<AnalysisTemplateRef>> refs = shared_template_refs(doc_, cache_);
    for (const AnalysisTemplateRef& ref : *refs) {
      if (!ref.name.empty()) continue;
      const std::string p = path_key(ref.path, "templateName");
      add(p, argo::field_required(p, "analysis template reference must name a template"),
          "set templateName to an AnalysisTemplate (or, with clusterScope: true, a ClusterAnalysisTemplate)");
    }
  }

  const json& doc_;
  EvalCache* cache_;
  const json* spec_;
  std::vector<Finding> out_;
};

std::vector<Finding> check(const Object& obj, const Context& ctx) {
  if (obj.group() != "argoproj.io") return {};
  try {
    return Checker(obj.doc, ctx.cache).run();
  } catch (const std::exception&) {
    // Every read above is type-checked; this only guards allocation failures.
    return {};
  }
}

}  // namespace

const Rule& rule_rollout_spec() {
  static const Rule r{
      .id = "rollout/spec",
      .default_action = Action::Deny,
      .summary = "the Rollout passes Argo Rollouts' own spec validation",
      .doc = "Argo Rollouts validates a Rollout only when its controller reconciles it: an invalid spec is accepted by "
             "the API server and then sits with an InvalidSpec condition. This rule runs the same checks at apply time "
             "with Argo's wording: selector required and matching the template labels (unless workloadRef), "
             "workloadRef kind and an empty template with it, replicas/minReadySeconds/revisionHistoryLimit >= 0, "
             "progressDeadlineSeconds > minReadySeconds, exactly one of canary/blueGreen, blueGreen activeService "
             "different from previewService and scaleDownDelayRevisionLimit <= revisionHistoryLimit, canary "
             "maxSurge/maxUnavailable not both 0, distinct canary/stable and ping/pong services, the services traffic "
             "routing needs, scaleDownDelaySeconds/dynamicStableScale only with traffic routing and not together, "
             "maxTrafficWeight only with nginx or plugins, steps with exactly one step type, setWeight within "
             "0..maxTrafficWeight, valid pause durations, setCanaryScale/setHeaderRoute/setMirrorRoute traffic "
             "router requirements and managedRoutes, experiment weights, downward-API analysis args, anti-affinity "
             "with one strategy and weight 1-100, named analysis templates, and the pod template basics "
             "(restartPolicy Always, containers, unique names, resource quantities). Fix the field the finding names.",
      .kinds = {"Rollout"},
      .check = check,
  };
  return r;
}

}  // namespace rg
