#include "policy/eval_cache.h"

#include <cctype>
#include <mutex>
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

// Lookups hold their map's lock only to find or insert; a miss computes
// outside it and keeps the first result stored: a thread never waits while
// another walks a document or builds an index (two threads that race on one
// key compute it twice, the same result).
template <class K, class V, class Compute>
std::shared_ptr<const V> EvalCache::memo(std::mutex& mu, Memo<K, V>& map, const K& key, Compute&& compute) {
  {
    std::lock_guard<std::mutex> lock(mu);
    if (auto it = map.find(key); it != map.end()) return it->second;
  }
  std::shared_ptr<const V> value = compute();
  std::lock_guard<std::mutex> lock(mu);
  return map.try_emplace(key, std::move(value)).first->second;
}

EvalCache::EvalCache(EvalCache* shared) : shared_(shared) {}
EvalCache::~EvalCache() = default;

std::shared_ptr<const psa::PodTemplate> EvalCache::pod_template(const json& doc) {
  return memo(pods_mu_, pods_, &doc, [&] {
    return shared_ != nullptr ? shared_->pod_template(doc)
                              : std::make_shared<const psa::PodTemplate>(psa::walk_pod_template(doc));
  });
}

std::shared_ptr<const std::vector<AnalysisTemplateRef>> EvalCache::template_refs(const json& doc) {
  return memo(refs_mu_, refs_, &doc, [&] {
    return shared_ != nullptr ? shared_->template_refs(doc)
                              : std::make_shared<const std::vector<AnalysisTemplateRef>>(analysis_template_refs(doc));
  });
}

std::shared_ptr<const analysis::TemplateAnalysis> EvalCache::template_analysis(const json& doc, const Context& ctx) {
  return memo(analyses_mu_, analyses_, &doc, [&] {
    return shared_ != nullptr
               ? shared_->template_analysis(doc, ctx)
               : std::make_shared<const analysis::TemplateAnalysis>(analysis::analyze_template(doc, ctx.policy));
  });
}

std::vector<const Object*> EvalCache::rollouts_using(const Object& tmpl, const Context& ctx) {
  if (shared_ != nullptr) return shared_->rollouts_using(tmpl, ctx);
  const bool cluster = tmpl.kind() == "ClusterAnalysisTemplate";
  const std::string scope = cluster ? std::string("\x01") : std::string(tmpl.ns());
  std::shared_ptr<const NameIndex> index = memo(users_mu_, users_, scope, [&] {
    auto built = std::make_shared<NameIndex>();
    for (const Object* ro : ctx.inventory.list("Rollout", cluster ? std::string_view("*") : tmpl.ns())) {
      for (const AnalysisTemplateRef& r : *template_refs(ro->doc)) {
        if (r.cluster_scope != cluster) continue;
        auto& users = (*built)[r.name];
        if (users.empty() || users.back() != ro) users.push_back(ro);
      }
    }
    return std::shared_ptr<const NameIndex>(std::move(built));
  });
  auto u = index->find(std::string(tmpl.name()));
  return u == index->end() ? std::vector<const Object*>{} : u->second;
}

std::vector<const Object*> EvalCache::autoscalers_of(const ScaleTarget& target, const Inventory& inv) {
  if (shared_ != nullptr) return shared_->autoscalers_of(target, inv);
  std::shared_ptr<const NameIndex> index = memo(scalers_mu_, scalers_, target.ns, [&] {
    auto built = std::make_shared<NameIndex>();
    for (std::string_view kind : {std::string_view("HorizontalPodAutoscaler"), std::string_view("ScaledObject")}) {
      for (const Object* o : inv.list(kind, target.ns)) {
        if (std::optional<ScaleTarget> t = scale_target(*o)) (*built)[target_key(*t)].push_back(o);
      }
    }
    return std::shared_ptr<const NameIndex>(std::move(built));
  });
  auto s = index->find(target_key(target));
  return s == index->end() ? std::vector<const Object*>{} : s->second;
}

}  // namespace rg
