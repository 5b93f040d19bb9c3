// analysis/sample-plan
//
// How many measurements a metric takes decides what it can tell. Warns when a
// metric takes fewer than policy.min_measurements (default 3), or, with
// policy.warn_failure_limit_zero, when failureLimit is 0 with 3 or more
// measurements: then one blip (a scrape gap, a slow node) aborts the rollout.
// Metrics that run indefinitely (background analysis), templated counts, and
// Job/Kayenta metrics are not judged.
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
             "Fix: count: 5, interval: 1m, failureLimit: 1 is a reasonable start.",
      .kinds = {"AnalysisTemplate", "ClusterAnalysisTemplate"},
      .check = check,
  };
  return r;
}

}  // namespace rg
