#include "policy/rollout_refs.h"

#include "policy/autoscaling.h"
#include "policy/eval_cache.h"
#include "policy/messages.h"

namespace rg {

std::string_view analysis_use_name(AnalysisUse u) {
  switch (u) {
    case AnalysisUse::Step: return "step analysis";
    case AnalysisUse::Background: return "background analysis";
    case AnalysisUse::PrePromotion: return "pre-promotion analysis";
    case AnalysisUse::PostPromotion: return "post-promotion analysis";
    case AnalysisUse::Experiment: return "experiment analysis";
  }
  return "analysis";
}

namespace {

AnalysisTemplateRef make_ref(const json& entry, AnalysisUse use, int step, std::string path) {
  AnalysisTemplateRef r;
  r.name = str_or(child(entry, "templateName"));
  const json* cs = child(entry, "clusterScope");
  r.cluster_scope = cs != nullptr && cs->is_boolean() && cs->get<bool>();
  r.use = use;
  r.step = step;
  r.path = std::move(path);
  return r;
}

// Appends the entries of `<base>.templates`.
void add_templates(const json* analysis, std::string_view base, AnalysisUse use, int step,
                   std::vector<AnalysisTemplateRef>* out) {
  if (analysis == nullptr) return;
  const json* templates = child(*analysis, "templates");
  if (templates == nullptr || !templates->is_array()) return;
  const std::string tpath = path_key(base, "templates");
  for (size_t j = 0; j < templates->size(); ++j) {
    out->push_back(make_ref((*templates)[j], use, step, path_index(tpath, j)));
  }
}

}  // namespace

std::shared_ptr<const std::vector<AnalysisTemplateRef>> shared_template_refs(const json& rollout, EvalCache* cache) {
  if (cache != nullptr) return cache->template_refs(rollout);
  return std::make_shared<const std::vector<AnalysisTemplateRef>>(analysis_template_refs(rollout));
}

const json* canary_strategy(const json& rollout) {
  const json* c = child(rollout, {"spec", "strategy", "canary"});
  return c != nullptr && c->is_object() ? c : nullptr;
}

const json* blue_green_strategy(const json& rollout) {
  const json* b = child(rollout, {"spec", "strategy", "blueGreen"});
  return b != nullptr && b->is_object() ? b : nullptr;
}

const json* canary_steps(const json& rollout) {
  const json* c = canary_strategy(rollout);
  if (c == nullptr) return nullptr;
  const json* s = child(*c, "steps");
  return s != nullptr && s->is_array() ? s : nullptr;
}

std::vector<AnalysisTemplateRef> analysis_template_refs(const json& rollout) {
  std::vector<AnalysisTemplateRef> out;
  if (const json* steps = canary_steps(rollout)) {
    for (size_t i = 0; i < steps->size(); ++i) {
      const json& step = (*steps)[i];
      // The step's path is built only for a step that references templates
      // (most steps are setWeight or pause).
      const json* analysis = child(step, "analysis");
      const json* analyses = child(step, {"experiment", "analyses"});
      const bool has_analyses = analyses != nullptr && analyses->is_array() && !analyses->empty();
      if (analysis == nullptr && !has_analyses) continue;
      const std::string spath = path_index("spec.strategy.canary.steps", i);
      add_templates(analysis, path_key(spath, "analysis"), AnalysisUse::Step, static_cast<int>(i), &out);
      if (has_analyses) {
        for (size_t j = 0; j < analyses->size(); ++j) {
          out.push_back(make_ref((*analyses)[j], AnalysisUse::Experiment, static_cast<int>(i),
                                 path_index(path_key(spath, "experiment.analyses"), j)));
        }
      }
    }
  }
  if (const json* c = canary_strategy(rollout)) {
    add_templates(child(*c, "analysis"), "spec.strategy.canary.analysis", AnalysisUse::Background, -1, &out);
  }
  if (const json* b = blue_green_strategy(rollout)) {
    add_templates(child(*b, "prePromotionAnalysis"), "spec.strategy.blueGreen.prePromotionAnalysis",
                  AnalysisUse::PrePromotion, -1, &out);
    add_templates(child(*b, "postPromotionAnalysis"), "spec.strategy.blueGreen.postPromotionAnalysis",
                  AnalysisUse::PostPromotion, -1, &out);
  }
  return out;
}

const Object* find_analysis_template(const Inventory& inv, std::string_view ns, const AnalysisTemplateRef& ref) {
  if (ref.name.empty()) return nullptr;
  if (ref.cluster_scope) return inv.find("argoproj.io", "ClusterAnalysisTemplate", "", ref.name);
  return inv.find("argoproj.io", "AnalysisTemplate", ns, ref.name);
}

std::optional<long long> step_set_weight(const json& step) { return int_field(child(step, "setWeight")); }

size_t full_traffic_step(const json& steps) {
  if (!steps.is_array()) return 0;
  for (size_t i = 0; i < steps.size(); ++i) {
    std::optional<long long> w = step_set_weight(steps[i]);
    if (w && *w >= 100) return i;
  }
  return steps.size();
}

std::string full_traffic_step_text(const json& steps, size_t p) {
  std::string where = path_index("spec.strategy.canary.steps", p);
  const json* w = steps.is_array() && p < steps.size() ? child(steps[p], "setWeight") : nullptr;
  if (w == nullptr) return where;
  std::optional<long long> weight = step_set_weight(steps[p]);
  where += " (setWeight: " + short_json(*w);
  if (weight && *weight > 100) where += ", which counts as 100%";
  return where + ")";
}

std::string starting_step_text(const json& background_analysis) {
  const json* s = child(background_analysis, "startingStep");
  if (s == nullptr || s->is_null()) return "no startingStep (step 0)";
  return "startingStep: " + short_json(*s);
}

bool is_indefinite_pause(const json& step) {
  const json* pause = child(step, "pause");
  if (pause == nullptr || !pause->is_object()) return false;
  const json* d = child(*pause, "duration");
  return d == nullptr || d->is_null();
}

MetricCount effective_count(const json& metric) {
  MetricCount out;
  const json* count = child(metric, "count");
  std::optional<long long> n = int_field(count);
  if (count != nullptr && !count->is_null() && !n) return out;  // templated or malformed: Unknown
  if (n && *n < 0) return out;                                   // analysis/spec reports it
  if (!n || *n == 0) {
    const json* interval = child(metric, "interval");
    bool has_interval = interval != nullptr && interval->is_string() && !interval->get_ref<const std::string&>().empty();
    if (has_interval) {
      out.kind = MetricCount::Indefinite;
    } else {
      out.kind = MetricCount::Finite;
      out.value = 1;
    }
    return out;
  }
  out.kind = MetricCount::Finite;
  out.value = *n;
  return out;
}

std::string_view metric_provider(const json& metric) {
  const json* p = child(metric, "provider");
  if (p == nullptr || !p->is_object() || p->empty()) return "";
  return p->begin().key();
}

}  // namespace rg
