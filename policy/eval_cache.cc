#include "policy/eval_cache.h"

#include <cctype>
#include <optional>

#include "policy/analysis/metric.h"
#include "policy/autoscaling.h"
#include "policy/pod_security/check.h"
#include "policy/rollout_refs.h"
#include "policy/rule.h"

namespace rg {

namespace {

std::string target_key(const ScaleTarget& t) {
  std::string k = t.group;
  k.push_back('\0');
  for (char c : t.kind) k.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  k.push_back('\0');
  k.append(t.name);
  return k;
}

}  // namespace

EvalCache::EvalCache() = default;
EvalCache::~EvalCache() = default;

std::shared_ptr<const psa::PodTemplate> EvalCache::pod_template(const json& doc) {
  std::lock_guard<std::mutex> lock(mu_);
  std::shared_ptr<const psa::PodTemplate>& slot = pods_[&doc];
  if (slot == nullptr) slot = std::make_shared<const psa::PodTemplate>(psa::walk_pod_template(doc));
  return slot;
}

std::shared_ptr<const std::vector<AnalysisTemplateRef>> EvalCache::template_refs(const json& doc) {
  std::lock_guard<std::mutex> lock(mu_);
  std::shared_ptr<const std::vector<AnalysisTemplateRef>>& slot = refs_[&doc];
  if (slot == nullptr) slot = std::make_shared<const std::vector<AnalysisTemplateRef>>(analysis_template_refs(doc));
  return slot;
}

std::shared_ptr<const analysis::TemplateAnalysis> EvalCache::template_analysis(const json& doc, const Context& ctx) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (auto it = analyses_.find(&doc); it != analyses_.end()) return it->second;
  }
  auto ta = std::make_shared<const analysis::TemplateAnalysis>(analysis::analyze_template(doc, ctx.policy));
  std::lock_guard<std::mutex> lock(mu_);
  return analyses_.try_emplace(&doc, std::move(ta)).first->second;
}

std::vector<const Object*> EvalCache::rollouts_using(const Object& tmpl, const Context& ctx) {
  const bool cluster = tmpl.kind() == "ClusterAnalysisTemplate";
  const std::string scope = cluster ? std::string("\x01") : std::string(tmpl.ns());
  std::lock_guard<std::mutex> lock(mu_);
  auto it = users_.find(scope);
  if (it == users_.end()) {
    std::unordered_map<std::string, std::vector<const Object*>> index;
    for (const Object* ro : ctx.inventory.list("Rollout", cluster ? std::string_view("*") : tmpl.ns())) {
      for (const AnalysisTemplateRef& r : analysis_template_refs(ro->doc)) {
        if (r.cluster_scope != cluster) continue;
        auto& users = index[r.name];
        if (users.empty() || users.back() != ro) users.push_back(ro);
      }
    }
    it = users_.emplace(scope, std::move(index)).first;
  }
  auto u = it->second.find(std::string(tmpl.name()));
  return u == it->second.end() ? std::vector<const Object*>{} : u->second;
}

std::vector<const Object*> EvalCache::autoscalers_of(const ScaleTarget& target, const Inventory& inv) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = scalers_.find(target.ns);
  if (it == scalers_.end()) {
    std::unordered_map<std::string, std::vector<const Object*>> index;
    for (std::string_view kind : {std::string_view("HorizontalPodAutoscaler"), std::string_view("ScaledObject")}) {
      for (const Object* o : inv.list(kind, target.ns)) {
        if (std::optional<ScaleTarget> t = scale_target(*o)) index[target_key(*t)].push_back(o);
      }
    }
    it = scalers_.emplace(target.ns, std::move(index)).first;
  }
  auto s = it->second.find(target_key(target));
  return s == it->second.end() ? std::vector<const Object*>{} : s->second;
}

}  // namespace rg
