// Reading an Argo Rollout the way the controller does: its canary steps, the
// point where traffic reaches 100%, the (Cluster)AnalysisTemplates it
// references, and a metric's effective measurement count. Shared by the
// rollout/* and analysis/* rules. Never throws; wrong JSON types read as
// absent.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "policy/inventory.h"
#include "policy/object.h"

namespace rg {

// Where a Rollout runs an analysis.
enum class AnalysisUse {
  Step,           // spec.strategy.canary.steps[i].analysis
  Background,     // spec.strategy.canary.analysis
  PrePromotion,   // spec.strategy.blueGreen.prePromotionAnalysis
  PostPromotion,  // spec.strategy.blueGreen.postPromotionAnalysis
  Experiment,     // spec.strategy.canary.steps[i].experiment.analyses[j]
};
std::string_view analysis_use_name(AnalysisUse u);  // "step analysis", "background analysis", ...

struct AnalysisTemplateRef {
  std::string name;            // templateName ("" when missing)
  bool cluster_scope = false;  // clusterScope: true -> ClusterAnalysisTemplate
  AnalysisUse use = AnalysisUse::Step;
  int step = -1;               // canary step index for Step/Experiment
  std::string path;            // "spec.strategy.canary.steps[4].analysis.templates[0]"
  std::string_view kind() const { return cluster_scope ? "ClusterAnalysisTemplate" : "AnalysisTemplate"; }
};

// Every template reference of a Rollout, in document order: steps (analysis
// and experiment analyses), background analysis, pre- and post-promotion.
std::vector<AnalysisTemplateRef> analysis_template_refs(const json& rollout);

class EvalCache;
// The same list, through `cache` when there is one (the Rollout rules of one
// evaluation share it: EvalCache::template_refs), else computed here. Keep
// the pointer while reading the list (not `for (r : *shared_template_refs())`:
// without a cache the temporary owns the only copy).
std::shared_ptr<const std::vector<AnalysisTemplateRef>> shared_template_refs(const json& rollout, EvalCache* cache);

// The referenced template in the inventory (AnalysisTemplate in `ns`, or the
// cluster-scoped ClusterAnalysisTemplate); nullptr when absent.
const Object* find_analysis_template(const Inventory& inv, std::string_view ns, const AnalysisTemplateRef& ref);

// spec.strategy.canary.steps when it is an array, else nullptr.
const json* canary_steps(const json& rollout);
// spec.strategy.canary / spec.strategy.blueGreen when objects, else nullptr.
const json* canary_strategy(const json& rollout);
const json* blue_green_strategy(const json& rollout);

// The index of the first step whose setWeight is >= 100 (where every user
// gets the canary), or steps.size() when no step does: Argo then shifts all
// traffic after the last step.
size_t full_traffic_step(const json& steps);
// setWeight of a step, when it is one.
std::optional<long long> step_set_weight(const json& step);
// The full-traffic step as the manifest writes it, for messages:
// "spec.strategy.canary.steps[3] (setWeight: 150, which counts as 100%)".
std::string full_traffic_step_text(const json& steps, size_t p);
// A background analysis' startingStep as the manifest writes it, for
// messages: "startingStep: 3", or "no startingStep (step 0)".
std::string starting_step_text(const json& background_analysis);
// `pause: {}` (no duration): waits until someone promotes the rollout.
bool is_indefinite_pause(const json& step);

// A metric's number of measurements, as Argo's Metric.EffectiveCount(): a
// count > 0 is finite; no count (or 0) is one measurement without an
// interval and indefinite with one. A count Argo only knows after argument
// substitution ("{{args.count}}") is Unknown.
struct MetricCount {
  enum Kind { Finite, Indefinite, Unknown } kind = Unknown;
  long long value = 0;  // for Finite
};
MetricCount effective_count(const json& metric);

// The metric's provider key ("prometheus", "job", ...), "" when none.
std::string_view metric_provider(const json& metric);

}  // namespace rg
