#include "policy/policy.h"

#include <string>

#include "policy/catalog.h"
#include "policy/messages.h"

namespace rg {

namespace {

bool is_family(std::string_view pattern) {
  return pattern.size() >= 2 && pattern.substr(pattern.size() - 2) == "/*";
}

}  // namespace

bool rule_pattern_matches(std::string_view pattern, std::string_view rule_id) {
  if (!is_family(pattern)) return pattern == rule_id;
  std::string_view prefix = pattern.substr(0, pattern.size() - 1);  // keeps the '/'
  return rule_id.substr(0, prefix.size()) == prefix;
}

bool rule_pattern_known(std::string_view pattern) {
  if (!is_family(pattern)) return find_rule(pattern) != nullptr;
  for (const Rule& r : catalog()) {
    if (rule_pattern_matches(pattern, r.id)) return true;
  }
  return false;
}

Action Policy::action_for(std::string_view rule_id, Action catalog_default) const {
  if (auto it = rules.find(rule_id); it != rules.end()) return it->second;
  // Longest matching family ("a/b/*" before "a/*").
  size_t best = 0;
  Action best_action = catalog_default;
  for (const auto& [key, action] : rules) {
    if (is_family(key) && rule_pattern_matches(key, rule_id) && key.size() > best) {
      best = key.size();
      best_action = action;
    }
  }
  return best_action;
}

bool Policy::annotation_may_exempt(std::string_view rule_id) const {
  if (!exemption_annotations) return false;
  for (const std::string& pattern : exemptable_rules) {
    if (rule_pattern_matches(pattern, rule_id)) return true;
  }
  return false;
}

bool parse_namespace_mode(std::string_view s, NamespaceMode* out) {
  if (s == "enforce") *out = NamespaceMode::Enforce;
  else if (s == "warn") *out = NamespaceMode::Warn;
  else if (s == "off") *out = NamespaceMode::Off;
  else return false;
  return true;
}

std::string_view namespace_mode_name(NamespaceMode m) {
  switch (m) {
    case NamespaceMode::Warn: return "warn";
    case NamespaceMode::Off: return "off";
    default: return "enforce";
  }
}

NamespaceMode Policy::namespace_mode(std::string_view ns) const {
  if (auto it = namespaces.find(ns); it != namespaces.end()) return it->second;
  if (auto it = namespaces.find("*"); it != namespaces.end()) return it->second;
  return NamespaceMode::Enforce;
}

namespace {

// Reads a duration like "30s", "2m", "1h" or a plain number of seconds.
bool parse_seconds(const json& v, int* out) {
  if (v.is_number_integer() && v.get<long long>() > 0 && v.get<long long>() < 86400) {
    *out = static_cast<int>(v.get<long long>());
    return true;
  }
  if (!v.is_string()) return false;
  const std::string& s = v.get_ref<const std::string&>();
  if (s.size() < 2) return false;
  int mult = 0;
  switch (s.back()) {
    case 's': mult = 1; break;
    case 'm': mult = 60; break;
    case 'h': mult = 3600; break;
    default: return false;
  }
  long long n = 0;
  for (size_t i = 0; i + 1 < s.size(); ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    n = n * 10 + (s[i] - '0');
    if (n > 86400) return false;
  }
  if (n <= 0) return false;
  *out = static_cast<int>(n * mult);
  return true;
}

class Reader {
 public:
  explicit Reader(Status* st) : st_(st) {}
  bool failed() const { return !st_->ok(); }
  void fail(const std::string& field, const std::string& msg) {
    if (st_->ok()) *st_ = Status::Error(field + ": " + msg);
  }
  // Checks that `obj` (at `field`) is a mapping whose keys are all in `allowed`.
  bool mapping(const json& obj, const std::string& field, std::initializer_list<std::string_view> allowed) {
    if (!obj.is_object()) {
      fail(field, "must be a mapping, got " + std::string(obj.type_name()));
      return false;
    }
    for (const auto& [k, v] : obj.items()) {
      bool ok = false;
      for (auto a : allowed) ok = ok || a == k;
      if (!ok) {
        std::string list;
        for (auto a : allowed) list += (list.empty() ? "" : ", ") + std::string(a);
        fail(field.empty() ? k : field + "." + k, "unknown field (known: " + list + ")");
        return false;
      }
    }
    return true;
  }
  bool boolean(const json& v, const std::string& field, bool* out) {
    if (!v.is_boolean()) { fail(field, "must be true or false"); return false; }
    *out = v.get<bool>();
    return true;
  }
  bool integer(const json& v, const std::string& field, int lo, int hi, int* out) {
    if (!v.is_number_integer() || v.get<long long>() < lo || v.get<long long>() > hi) {
      fail(field, "must be an integer from " + std::to_string(lo) + " to " + std::to_string(hi));
      return false;
    }
    *out = static_cast<int>(v.get<long long>());
    return true;
  }

 private:
  Status* st_;
};

// exemptions: {annotations: bool, rules: [rule pattern, ...]}
void parse_exemptions(const json& e, Reader* r, Policy* p) {
  if (!r->mapping(e, "exemptions", {"annotations", "rules"})) return;
  if (const json* v = child(e, "annotations")) r->boolean(*v, "exemptions.annotations", &p->exemption_annotations);
  const json* list = child(e, "rules");
  if (list == nullptr || r->failed()) return;
  if (!list->is_array()) {
    r->fail("exemptions.rules", "must be a list of rule ids or families (\"analysis/*\"), got " +
                                    std::string(list->type_name()));
    return;
  }
  p->exemptable_rules.clear();
  for (size_t i = 0; i < list->size(); ++i) {
    const json& v = (*list)[i];
    const std::string field = "exemptions.rules[" + std::to_string(i) + "]";
    if (!v.is_string()) {
      r->fail(field, "must be a rule id or a family (\"analysis/*\"), got " + std::string(v.type_name()));
      return;
    }
    const std::string& pattern = v.get_ref<const std::string&>();
    if (!rule_pattern_known(pattern)) {
      r->fail(field, quote(pattern) + " matches no rule (a rule id or a family such as \"analysis/*\"; see "
                     "`rollout-guard rules`)");
      return;
    }
    p->exemptable_rules.push_back(pattern);
  }
}

}  // namespace

Status parse_policy(const json& doc, Policy* out) {
  Status st;
  Reader r(&st);
  Policy p;
  if (doc.is_null()) {  // an empty file: the defaults
    *out = p;
    return st;
  }
  if (!r.mapping(doc, "", {"apiVersion", "kind", "rules", "podSecurity", "thresholds", "analysis",
                           "namespaces", "exemptions", "defaults"})) {
    if (!doc.is_object()) return Status::Error("policy: must be a mapping, got " + std::string(doc.type_name()));
    return st;
  }
  if (const json* v = child(doc, "apiVersion"); v && str_or(v) != "rollout-guard.io/v1alpha1") {
    r.fail("apiVersion", "must be rollout-guard.io/v1alpha1");
  }
  if (const json* v = child(doc, "kind"); v && str_or(v) != "Policy") r.fail("kind", "must be Policy");

  if (const json* rules = child(doc, "rules"); rules && !r.failed()) {
    if (!rules->is_object()) {
      r.fail("rules", "must be a mapping of rule id to deny, warn or off");
    } else {
      for (const auto& [id, v] : rules->items()) {
        Action a;
        if (!rule_pattern_known(id)) {
          r.fail("rules." + id, "unknown rule id (see `rollout-guard rules`)");
          break;
        }
        // YAML 1.1 (kubectl, Helm values, this reader) turns a bare `off` into false.
        std::string_view action = v.is_boolean() && !v.get<bool>() ? "off" : str_or(&v);
        if (!parse_action(action, &a)) {
          r.fail("rules." + id, "must be deny, warn or off");
          break;
        }
        p.rules[id] = a;
      }
    }
  }
  if (const json* ps = child(doc, "podSecurity"); ps && !r.failed() &&
      r.mapping(*ps, "podSecurity", {"level", "version"})) {
    if (const json* v = child(*ps, "level")) {
      std::string_view level = str_or(v);
      if (level != "restricted" && level != "baseline") r.fail("podSecurity.level", "must be restricted or baseline");
      else p.psa_level = level;
    }
    if (const json* v = child(*ps, "version"); v && !r.failed()) {
      std::string_view ver = str_or(v);
      bool ok = ver == "latest";
      if (!ok && ver.size() >= 4 && ver.substr(0, 3) == "v1.") {
        ok = true;
        for (char c : ver.substr(3)) ok = ok && c >= '0' && c <= '9';
      }
      if (!ok) r.fail("podSecurity.version", "must be latest or v1.N (for example v1.37)");
      else p.psa_version = ver;
    }
  }
  if (const json* t = child(doc, "thresholds"); t && !r.failed() &&
      r.mapping(*t, "thresholds", {"minMeasurements", "warnFailureLimitZero"})) {
    if (const json* v = child(*t, "minMeasurements")) r.integer(*v, "thresholds.minMeasurements", 1, 1000, &p.min_measurements);
    if (const json* v = child(*t, "warnFailureLimitZero"); v && !r.failed())
      r.boolean(*v, "thresholds.warnFailureLimitZero", &p.warn_failure_limit_zero);
  }
  if (const json* a = child(doc, "analysis"); a && !r.failed() &&
      r.mapping(*a, "analysis", {"scrapeInterval", "highCardinalityLabels", "consecutiveErrorLimit"})) {
    if (const json* v = child(*a, "scrapeInterval"); v && !parse_seconds(*v, &p.scrape_interval_seconds))
      r.fail("analysis.scrapeInterval", "must be a duration such as 30s or 1m");
    if (const json* v = child(*a, "highCardinalityLabels"); v && !r.failed()) {
      if (!v->is_array()) {
        r.fail("analysis.highCardinalityLabels", "must be a list of label names");
      } else {
        p.high_cardinality_labels.clear();
        for (const auto& l : *v) {
          if (!l.is_string() || l.get_ref<const std::string&>().empty()) {
            r.fail("analysis.highCardinalityLabels", "must be a list of label names");
            break;
          }
          p.high_cardinality_labels.push_back(l.get<std::string>());
        }
      }
    }
    if (const json* v = child(*a, "consecutiveErrorLimit"); v && !r.failed())
      r.integer(*v, "analysis.consecutiveErrorLimit", 0, 1000000, &p.default_consecutive_error_limit);
  }
  if (const json* ns = child(doc, "namespaces"); ns && !r.failed()) {
    if (!ns->is_object()) {
      r.fail("namespaces", "must be a mapping of namespace (or \"*\") to enforce, warn or off");
    } else {
      for (const auto& [name, v] : ns->items()) {
        std::string_view mode = str_or(&v);
        // YAML 1.1 readers turn a bare `off` into false; accept that spelling.
        if (v.is_boolean() && !v.get<bool>()) mode = "off";
        NamespaceMode m = NamespaceMode::Enforce;
        if (!parse_namespace_mode(mode, &m)) {
          r.fail("namespaces." + name, "must be enforce, warn or off");
          break;
        }
        p.namespaces[name] = m;
      }
    }
  }
  if (const json* e = child(doc, "exemptions"); e && !r.failed()) parse_exemptions(*e, &r, &p);
  if (const json* d = child(doc, "defaults"); d && !r.failed() &&
      r.mapping(*d, "defaults", {"podSecurity", "kedaTarget", "analysis"})) {
    if (const json* v = child(*d, "podSecurity")) r.boolean(*v, "defaults.podSecurity", &p.default_pod_security);
    if (const json* v = child(*d, "kedaTarget"); v && !r.failed()) r.boolean(*v, "defaults.kedaTarget", &p.default_keda_target);
    if (const json* an = child(*d, "analysis"); an && !r.failed() && !an->is_null() &&
        r.mapping(*an, "defaults.analysis", {"failureLimit", "consecutiveErrorLimit", "interval"})) {
      int n = 0;
      if (const json* v = child(*an, "failureLimit"); v && !v->is_null() &&
          r.integer(*v, "defaults.analysis.failureLimit", 0, 1000000, &n))
        p.default_failure_limit = n;
      if (const json* v = child(*an, "consecutiveErrorLimit"); v && !v->is_null() && !r.failed() &&
          r.integer(*v, "defaults.analysis.consecutiveErrorLimit", 0, 1000000, &n))
        p.default_consecutive_error_limit_fill = n;
      if (const json* v = child(*an, "interval"); v && !v->is_null() && !r.failed()) {
        int secs = 0;
        if (!parse_seconds(*v, &secs)) r.fail("defaults.analysis.interval", "must be a duration such as 30s or 1m");
        else p.default_interval = v->is_string() ? v->get<std::string>() : std::to_string(secs) + "s";
      }
    }
  }
  if (st.ok()) *out = std::move(p);
  return st;
}

std::string_view default_policy_yaml() {
  return R"(# rollout-guard policy (the embedded default). Every key is optional.
apiVersion: rollout-guard.io/v1alpha1
kind: Policy
# Per-rule action: deny, warn or off. A key is a rule id or a family ("pod-security/*").
# Rules not listed keep their catalog default (`rollout-guard rules`).
rules: {}
podSecurity:
  level: restricted   # restricted | baseline
  version: latest     # latest | v1.N (for example v1.37)
thresholds:
  minMeasurements: 3          # analysis/sample-plan: fewer measurements than this warns
  warnFailureLimitZero: true  # analysis/sample-plan: failureLimit 0 with count >= 3 warns
analysis:
  scrapeInterval: 30s         # analysis/rate-window: rate windows shorter than 4x this warn
  highCardinalityLabels: [pod, instance, container, uid, path, url]
  consecutiveErrorLimit: 4    # Argo's default when a metric does not set it
# Namespace modes: enforce (deny stays deny), warn (deny becomes warn), off (not checked).
# "*" sets the mode for namespaces not listed.
namespaces: {}
# Which rules the rollout-guard.io/exempt annotation may exempt (rule ids or families).
# pod-security/* is left out: Pod Security is the cluster's guarantee, and an annotation
# is written by whoever writes the object. An exemption the policy does not allow is
# ignored (policy/exemption-not-allowed says so).
exemptions:
  annotations: true   # false: the annotation exempts nothing
  rules: [analysis/*, hpa/*, keda/*, policy/*, replicas/*, rollout/*]
# Mutating defaults (/mutate and `rollout-guard fix`).
defaults:
  podSecurity: true   # runAsNonRoot, seccompProfile RuntimeDefault, no privilege escalation, drop ALL
  kedaTarget: true    # ScaledObject scaleTargetRef kind/apiVersion -> Rollout when only a Rollout exists
  analysis:           # AnalysisTemplate metric fields filled when absent; null = leave alone
    failureLimit: null
    consecutiveErrorLimit: null
    interval: null
)";
}

}  // namespace rg
