// analysis/sample-plan
//
// How many measurements a metric takes decides what it can tell. Warns when a
// metric takes fewer than policy.min_measurements (default 3), or, with
// policy.warn_failure_limit_zero, when failureLimit is 0 with 3 or more
// measurements: then one blip (a scrape gap, a slow node) aborts the rollout.
// Metrics that run indefinitely (background analysis), templated counts, and
// Job/Kayenta metrics are not judged.
//
// Default (off unless the policy sets defaults.analysis.*): fills a metric's
// failureLimit, consecutiveErrorLimit and interval when absent. It lives here
// because all three are part of the measurement plan this rule judges. A
// default never makes the template invalid or changes how long it runs:
// failureLimit only when count is known and stays >= failureLimit +
// consecutiveSuccessLimit; interval only when count is a number > 1 (with no
// count, an interval makes a metric run until it fails).
#include "policy/autoscaling.h"
#include "policy/messages.h"
#include "policy/rollout_refs.h"
#include "policy/rules/rules.h"

namespace rg {

namespace {

// failureLimit 0 is only a hair trigger when there are enough samples for a
// single outlier to be likely.
constexpr long long kHairTriggerMinCount = 3;

std::vector<Finding> check(const Object& obj, const Context& ctx) {
  std::vector<Finding> out;
  if (obj.group() != "argoproj.io") return out;
  const json* metrics = child(obj.doc, {"spec", "metrics"});
  if (metrics == nullptr || !metrics->is_array()) return out;
  for (size_t k = 0; k < metrics->size(); ++k) {
    const json& m = (*metrics)[k];
    std::string_view provider = metric_provider(m);
    if (provider == "job" || provider == "kayenta") continue;
    MetricCount c = effective_count(m);
    if (c.kind != MetricCount::Finite) continue;
    const std::string base = path_index("spec.metrics", k);
    const std::string metric = object_ref(obj) + ": metric " + quote(str_or(child(m, "name")));
    if (c.value < ctx.policy.min_measurements) {
      const bool has_interval = !str_or(child(m, "interval")).empty();
      Finding f;
      f.path = child(m, "count") ? path_key(base, "count") : base;
      f.message = metric + " takes " + std::to_string(c.value) + " " +
                  std::string(pluralize("measurement", "measurements", static_cast<size_t>(c.value))) +
                  "; fewer than " + std::to_string(ctx.policy.min_measurements) +
                  " cannot tell a regression from noise";
      f.hint = "set " + path_key(base, "count") + ": " + std::to_string(ctx.policy.min_measurements) +
               (has_interval ? std::string() : " and an interval (e.g. interval: 1m)");
      out.push_back(std::move(f));
      continue;
    }
    if (!ctx.policy.warn_failure_limit_zero || c.value < kHairTriggerMinCount) continue;
    const json* fl = child(m, "failureLimit");
    if (fl != nullptr && !fl->is_null() && int_field(fl) != std::optional<long long>(0)) continue;
    Finding f;
    f.path = path_key(base, "failureLimit");
    f.message = metric + " has failureLimit 0" + std::string(fl ? "" : " (the default)") + " with count " +
                std::to_string(c.value) + ": one failed measurement (a scrape gap, a blip) aborts the rollout";
    f.hint = "set " + f.path + ": 1";
    out.push_back(std::move(f));
  }
  return out;
}

bool unset(const json& m, std::string_view key) {
  auto it = m.find(key);
  return it == m.end() || it->is_null() || (it->is_string() && it->get_ref<const std::string&>().empty());
}

// A metric integer field, 0 when unset; nullopt when only known at run time
// ("{{args.count}}") or not an integer.
std::optional<long long> known_int(const json& m, std::string_view key) {
  if (unset(m, key)) return 0;
  return int_field(child(m, key));
}

void fix(json& obj, const Context& ctx, std::vector<FixNote>* notes) {
  const Policy& p = ctx.policy;
  if (!p.default_failure_limit && !p.default_consecutive_error_limit_fill && !p.default_interval) return;
  if (api_group(str_or(child(obj, "apiVersion"))) != "argoproj.io") return;
  auto spec = obj.find("spec");
  if (spec == obj.end() || !spec->is_object()) return;
  auto metrics = spec->find("metrics");
  if (metrics == spec->end() || !metrics->is_array()) return;
  for (size_t k = 0; k < metrics->size(); ++k) {
    json& m = (*metrics)[k];
    if (!m.is_object()) continue;
    const std::string base = path_index("spec.metrics", k);
    auto set = [&](std::string_view key, json value) {
      std::string path = path_key(base, key);
      std::string shown = value.is_string() ? value.get<std::string>() : value.dump();
      m[std::string(key)] = std::move(value);
      if (notes != nullptr) notes->push_back(FixNote{path, "set " + path + "=" + shown});
    };
    const std::optional<long long> count = known_int(m, "count");
    if (p.default_failure_limit && unset(m, "failureLimit") && count) {
      const std::optional<long long> success = known_int(m, "consecutiveSuccessLimit");
      if (success && (*count <= 0 || *success < 0 || *count >= *p.default_failure_limit + *success)) {
        set("failureLimit", *p.default_failure_limit);
      }
    }
    if (p.default_consecutive_error_limit_fill && unset(m, "consecutiveErrorLimit")) {
      set("consecutiveErrorLimit", *p.default_consecutive_error_limit_fill);
    }
    if (p.default_interval && unset(m, "interval") && count && *count > 1) {
      set("interval", *p.default_interval);
    }
  }
}

}  // namespace

const Rule& rule_analysis_sample_plan() {
  static const Rule r{
      .id = "analysis/sample-plan",
      .default_action = Action::Warn,
      .summary = "too few measurements, or failureLimit 0 over many",
      .doc = "A metric should take enough measurements to separate a regression from noise, and tolerate a "
             "single outlier. Warns when a metric's count (one when neither count nor interval is set) is below "
             "the policy's min_measurements (default 3), and, when warn_failure_limit_zero is on, when "
             "failureLimit is 0 (the default) with 3 or more measurements, where one blip aborts the rollout. "
             "Fix: count: 5, interval: 1m, failureLimit: 1 is a reasonable start. Default (policy "
             "defaults.analysis, off unless set): failureLimit, consecutiveErrorLimit and interval are filled "
             "when absent, failureLimit only while count stays >= failureLimit + consecutiveSuccessLimit, "
             "interval only when count > 1.",
      .kinds = {"AnalysisTemplate", "ClusterAnalysisTemplate"},
      .check = check,
      .fix = fix,
  };
  return r;
}

}  // namespace rg
