// The pod-security rule family: one catalog Rule per PSA check
// ("pod-security/<check id>"), run on Rollout.spec.template and, for a Rollout
// with spec.workloadRef, on the referenced Deployment's template when the
// inventory has it. A rule whose check is not part of the policy's PSA level
// and version returns nothing.
#include "policy/pod_security/rules.h"

#include <array>
#include <memory>
#include <string>
#include <utility>

#include "policy/eval_cache.h"
#include "policy/messages.h"
#include "policy/pod_security/fixes.h"
#include "policy/pod_security/registry.h"

namespace rg {

namespace {

using psa::Level;
using psa::Registry;

constexpr size_t kChecks = 19;

const json& null_json() {
  static const json kNull;
  return kNull;
}

// PSA's wording: `violates PodSecurity "<level>:<version>": <reason> (<detail>)`.
// Built only for a finding: most checks allow most pods.
Finding to_finding(const psa::Result& r, Level level, const Context& ctx) {
  Finding f;
  f.message = "violates PodSecurity \"" + std::string(psa::level_name(level)) + ":" +
              (ctx.policy.psa_version.empty() ? std::string("latest") : ctx.policy.psa_version) + "\": " + r.reason;
  if (!r.detail.empty()) f.message += " (" + r.detail + ")";
  f.path = r.path;
  f.hint = r.hint;
  return f;
}

// doc.spec.template walked: once per evaluation through the cache evaluate()
// provides, else here.
std::shared_ptr<const psa::PodTemplate> walked(const json& doc, const Context& ctx) {
  if (ctx.cache != nullptr) return ctx.cache->pod_template(doc);
  return std::make_shared<const psa::PodTemplate>(psa::walk_pod_template(doc));
}

// Runs one check on a walked spec.template; `other` is the referenced
// Deployment when it is not the Rollout being evaluated.
void run_template(psa::CheckFn fn, const psa::PodTemplate& t, Level level, const Context& ctx,
                  std::vector<Finding>* out, const Object* other) {
  if (!t.present) return;
  psa::Pod pod{t.metadata ? *t.metadata : null_json(), t.spec ? *t.spec : null_json(), "spec.template.metadata",
               "spec.template.spec", &t};
  psa::Result r = fn(pod);
  if (r.allowed) return;
  Finding f = to_finding(r, level, ctx);
  if (other != nullptr) {
    f.api_version = other->api_version();
    f.kind = other->kind();
    f.ns = other->ns();
    f.name = other->name();
    f.file = other->where.file;
    f.line = other->where.line;
    f.message += " (in Deployment " + quote(other->name()) + " referenced by the Rollout's spec.workloadRef)";
  }
  out->push_back(std::move(f));
}

std::vector<Finding> run(size_t index, const Object& obj, const Context& ctx) {
  const Registry& reg = psa::registry();
  if (index >= reg.checks().size()) return {};
  Level level = Level::Restricted;
  if (!psa::parse_level(ctx.policy.psa_level, &level)) level = Level::Restricted;
  int minor = reg.resolve_version(ctx.policy.psa_version);
  if (minor < 0) minor = reg.max_minor();
  psa::CheckFn fn = reg.lookup_at(index, level, minor);
  if (fn == nullptr) return {};

  std::vector<Finding> out;
  const std::shared_ptr<const psa::PodTemplate> t = walked(obj.doc, ctx);
  run_template(fn, *t, level, ctx, &out, nullptr);

  const json* ref = t->workload_ref;
  if (ref != nullptr && str_or(child(*ref, "kind")) == "Deployment") {
    std::string_view av = str_or(child(*ref, "apiVersion"));
    std::string_view name = str_or(child(*ref, "name"));
    if ((av == "apps/v1" || av.empty()) && !name.empty()) {
      if (const Object* d = ctx.inventory.find("apps", "Deployment", obj.ns(), name)) {
        run_template(fn, *walked(d->doc, ctx), level, ctx, &out, d);
      }
    }
  }
  return out;
}

template <size_t I>
std::vector<Finding> check_rule(const Object& obj, const Context& ctx) {
  return run(I, obj, ctx);
}

template <size_t... I>
constexpr std::array<std::vector<Finding> (*)(const Object&, const Context&), sizeof...(I)> make_checks(
    std::index_sequence<I...>) {
  return {&check_rule<I>...};
}

}  // namespace

std::vector<Rule> pod_security_rules() {
  static const auto kFns = make_checks(std::make_index_sequence<kChecks>{});
  const Registry& reg = psa::registry();
  // Rule ids are string_views: keep their text for the life of the program.
  static const std::vector<std::string> kIds = [&reg] {
    std::vector<std::string> ids;
    for (const psa::Check& c : reg.checks()) ids.push_back("pod-security/" + std::string(c.id));
    return ids;
  }();
  std::vector<Rule> rules;
  size_t n = std::min(kChecks, reg.checks().size());
  for (size_t i = 0; i < n; ++i) {
    const psa::Check& c = reg.checks()[i];
    Rule r;
    r.id = kIds[i];
    r.default_action = Action::Deny;
    r.summary = c.summary;
    r.doc = c.doc;
    r.kinds = {"Rollout"};
    r.check = kFns[i];
    r.fix = psa::fix_for(c.id);
    rules.push_back(std::move(r));
  }
  return rules;
}

}  // namespace rg
