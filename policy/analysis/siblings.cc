#include "policy/analysis/siblings.h"

#include <cstddef>
#include <map>
#include <utility>

#include "policy/eval_cache.h"
#include "policy/messages.h"
#include "policy/rollout_refs.h"

namespace rg::analysis {

namespace {

bool fails(Outcome o) { return o == Outcome::kFailed || o == Outcome::kError; }

bool any_metric_fails(const TemplateAnalysis& ta, Scenario sc, size_t skip) {
  for (const auto& m : ta.metrics) {
    if (m.index != skip && fails(scenario_result(m, sc).outcome)) return true;
  }
  return false;
}

bool refers_to(const AnalysisTemplateRef& ref, const Object& tmpl) {
  bool cluster = tmpl.kind() == "ClusterAnalysisTemplate";
  return ref.cluster_scope == cluster && ref.name == tmpl.name();
}

// Rollouts that could reference this template: same namespace for an
// AnalysisTemplate, any namespace for a ClusterAnalysisTemplate. With a cache,
// only the ones that do (the callers check each reference anyway).
std::vector<const Object*> candidate_rollouts(const Object& tmpl, const Context& ctx) {
  if (ctx.cache != nullptr) return ctx.cache->rollouts_using(tmpl, ctx);
  bool cluster = tmpl.kind() == "ClusterAnalysisTemplate";
  return ctx.inventory.list("Rollout", cluster ? std::string_view("*") : tmpl.ns());
}

}  // namespace

std::shared_ptr<const TemplateAnalysis> analysis_for(const json& doc, const Context& ctx) {
  if (ctx.cache != nullptr) return ctx.cache->template_analysis(doc, ctx);
  return std::make_shared<const TemplateAnalysis>(analyze_template(doc, ctx.policy));
}

std::string query_path(const MetricAnalysis& m) { return m.path + ".provider.prometheus.query"; }

std::string metric_ref(const MetricAnalysis& m) {
  if (m.name.empty()) return "metric #" + std::to_string(m.index + 1);
  return "metric " + quote(m.name);
}

namespace {

// An offset into m.prepared as an offset into m.query: past a stand-in it
// moves by the difference between {{...}} and its stand-in; inside one it
// moves to the start of the {{...}} (start) or to its end (!start).
size_t written_offset(const MetricAnalysis& m, size_t pos, bool start) {
  std::ptrdiff_t shift = 0;
  for (const promql::Placeholder& ph : m.placeholders) {
    const size_t stand_in_end = ph.new_offset + ph.replacement.size();
    if (pos >= stand_in_end) {
      shift += static_cast<std::ptrdiff_t>(ph.length) - static_cast<std::ptrdiff_t>(ph.replacement.size());
      continue;
    }
    if (pos > ph.new_offset) return start ? ph.offset : ph.offset + ph.length;
    break;
  }
  return static_cast<size_t>(static_cast<std::ptrdiff_t>(pos) + shift);
}

}  // namespace

std::string cause_text(const MetricAnalysis& m, const ScenarioResult& r) {
  // Quoted as written: {{args.*}}, not the stand-ins the analysis parsed.
  std::string text = m.query;
  if (r.value.cause != nullptr && r.value.cause->pos.end <= m.prepared.size() &&
      r.value.cause->pos.start < r.value.cause->pos.end) {
    const size_t from = written_offset(m, r.value.cause->pos.start, true);
    const size_t to = written_offset(m, r.value.cause->pos.end, false);
    if (from < to && to <= m.query.size()) text = m.query.substr(from, to - from);
  }
  std::string flat;
  bool space = false;
  for (char c : text) {
    bool ws = c == ' ' || c == '\n' || c == '\t' || c == '\r';
    if (ws) {
      space = !flat.empty();
      continue;
    }
    if (space) flat += ' ';
    space = false;
    flat += c;
  }
  if (flat.size() > 120) flat = flat.substr(0, 117) + "...";
  return flat;
}

std::string conditions_text(const MetricAnalysis& m) {
  std::string out;
  if (m.success.present) out += "successCondition " + quote(m.success.text);
  if (m.failure.present) out += std::string(out.empty() ? "" : " and ") + "failureCondition " + quote(m.failure.text);
  if (out.empty()) out = "no condition";
  return out;
}

bool sibling_fails(const Object& tmpl, const TemplateAnalysis& ta, size_t index, Scenario sc, const Context& ctx) {
  if (any_metric_fails(ta, sc, index)) return true;
  // Every analysis block (one step, the background analysis, ...) of every
  // Rollout that runs this template must hold a failing sibling template.
  bool referenced = false;
  for (const Object* ro : candidate_rollouts(tmpl, ctx)) {
    auto refs = analysis_template_refs(ro->doc);
    std::map<std::pair<int, int>, std::vector<const AnalysisTemplateRef*>> blocks;
    for (const auto& r : refs) blocks[{static_cast<int>(r.use), r.step}].push_back(&r);
    for (const auto& [key, group] : blocks) {
      bool uses_it = false;
      for (const auto* r : group) uses_it = uses_it || refers_to(*r, tmpl);
      if (!uses_it) continue;
      referenced = true;
      bool guarded = false;
      for (const auto* r : group) {
        if (refers_to(*r, tmpl)) continue;
        const Object* other = find_analysis_template(ctx.inventory, ro->ns(), *r);
        if (other == nullptr) continue;
        if (any_metric_fails(*analysis_for(other->doc, ctx), sc, static_cast<size_t>(-1))) {
          guarded = true;
          break;
        }
      }
      if (!guarded) return false;
    }
  }
  return referenced;
}

bool used_by_critical_rollout(const Object& tmpl, const Context& ctx) {
  for (const Object* ro : candidate_rollouts(tmpl, ctx)) {
    if (label(ro->doc, "rollout-guard.io/tier") != "critical") continue;
    for (const auto& r : analysis_template_refs(ro->doc)) {
      if (refers_to(r, tmpl)) return true;
    }
  }
  return false;
}

}  // namespace rg::analysis
