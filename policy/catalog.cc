#include "policy/catalog.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <set>
#include <string>

#include "policy/eval_cache.h"
#include "policy/exemptions.h"
#include "policy/messages.h"
#include "policy/pod_security/rules.h"
#include "policy/rules/rules.h"

namespace rg {

namespace {

std::vector<Rule> build_catalog() {
  std::vector<Rule> all = single_rules();
  for (Rule& r : pod_security_rules()) all.push_back(std::move(r));
  std::sort(all.begin(), all.end(), [](const Rule& a, const Rule& b) { return a.id < b.id; });
  // Validate once: a broken catalog is a programming error, caught by every test.
  std::set<std::string_view> seen;
  for (const Rule& r : all) {
    if (r.id.empty() || r.id.find('/') == std::string_view::npos || !seen.insert(r.id).second ||
        r.check == nullptr || r.summary.empty() || r.doc.empty() || r.default_action == Action::Off) {
      std::fprintf(stderr, "rollout-guard: invalid rule catalog entry %.*s\n", static_cast<int>(r.id.size()),
                   r.id.data());
      std::abort();
    }
  }
  return all;
}

// Why a cross-object finding is a warning now: the inventory's reason up to
// its first "; " (the rest, such as the last error, is for logs). The
// consequence comes first because admission warnings are cut at 256 bytes.
std::string degraded_note(const Inventory& inv) {
  std::string why = inv.incomplete_reason();
  if (size_t cut = why.find("; "); cut != std::string::npos) why.resize(cut);
  if (why.empty()) why = "the inventory of other objects is incomplete";
  return " (a warning, not a denial, while " + why + ")";
}

// A granted exemption with a reason turns a deny into a warning quoting the
// reason; a refused one leaves the deny and says why the annotation did not
// apply (policy/exemption-not-allowed reports it in full).
void apply_exemption(const Exemptions& ex, const Policy& policy, Finding* f) {
  switch (ex.decide(f->rule, policy)) {
    case Exemption::Granted:
      if (ex.reason.empty()) return;  // policy/exemption-reason denies that
      f->action = Action::Warn;
      f->message += " (exempt: " + ex.reason + ")";
      return;
    case Exemption::Refused:
      f->message += " (" + std::string(kExemptAnnotation) + " does not apply: " + refusal_reason(policy) + ")";
      return;
    case Exemption::NotAsked:
      return;
  }
}

bool reads_kind(const Rule& r, std::string_view kind) {
  for (std::string_view k : r.kinds) {
    if (k == kind || k == "*") return true;
  }
  return false;
}

}  // namespace

const std::vector<Rule>& catalog() {
  static const std::vector<Rule> kCatalog = build_catalog();
  return kCatalog;
}

const Rule* find_rule(std::string_view id) {
  const auto& c = catalog();
  auto it = std::lower_bound(c.begin(), c.end(), id, [](const Rule& r, std::string_view v) { return r.id < v; });
  if (it == c.end() || it->id != id) return nullptr;
  return &*it;
}

bool kind_is_read(std::string_view kind) {
  // The catalog's kinds, each once (a dozen, against 60 rules' lists): asked
  // twice per admission decision.
  static const std::vector<std::string_view> kKinds = [] {
    std::vector<std::string_view> out;
    for (const Rule& r : catalog()) {
      for (std::string_view k : r.kinds) {
        if (std::find(out.begin(), out.end(), k) == out.end()) out.push_back(k);
      }
    }
    return out;
  }();
  for (std::string_view k : kKinds) {
    if (k == kind) return true;
  }
  return false;
}

namespace {

std::vector<Finding> evaluate_cached(const Object& obj, const Context& ctx) {
  std::vector<Finding> out;
  NamespaceMode mode = ctx.mode_for(obj.ns());
  if (mode == NamespaceMode::Off) return out;
  // Asked once, and only when a cross-object finding needs it.
  std::optional<bool> inventory_complete;
  auto incomplete = [&] {
    if (!inventory_complete) inventory_complete = ctx.inventory.complete();
    return !*inventory_complete;
  };

  Exemptions ex = read_exemptions(obj.doc);
  const std::string_view kind = obj.kind();  // a view into obj.doc, asked once rather than per rule
  for (const Rule& r : catalog()) {
    if (!reads_kind(r, kind)) continue;
    Action action = ctx.policy.action_for(r.id, r.default_action);
    if (action == Action::Off) continue;
    std::vector<Finding> found;
    try {
      found = r.check(obj, ctx);
    } catch (const std::exception& e) {
      // A rule must not throw; if one does, say so rather than allow silently.
      Finding f;
      f.message = std::string("internal error in rule: ") + e.what();
      f.hint = "report this as a bug in rollout-guard";
      found = {f};
    }
    for (Finding& f : found) {
      if (f.rule.empty()) f.rule = std::string(r.id);
      f.action = action;
      // About another object (the rule named it): known only through the inventory.
      const bool cross_object = r.cross_object || !f.kind.empty();
      if (f.escalate && action == Action::Warn) {
        // Escalation comes from other objects (a critical Rollout that runs
        // this template): only a complete inventory may raise it.
        if (incomplete()) f.message += degraded_note(ctx.inventory);
        else f.action = Action::Deny;
      }
      if (f.action == Action::Deny && cross_object && incomplete()) {
        f.action = Action::Warn;
        f.message += degraded_note(ctx.inventory);
      }
      if (f.kind.empty()) {
        f.api_version = obj.api_version();
        f.kind = obj.kind();
        f.ns = obj.ns();
        f.name = obj.name();
        f.file = obj.where.file;
        f.line = obj.where.line;
      }
      if (f.action == Action::Deny) apply_exemption(ex, ctx.policy, &f);
      if (f.action == Action::Deny && mode == NamespaceMode::Warn) {
        f.action = Action::Warn;
        f.message += " (namespace " + quote(obj.ns()) + " is in warn mode" +
                     (ctx.namespace_mode ? " by its label " + std::string(kNamespaceModeLabel) : std::string()) + ")";
      }
      out.push_back(std::move(f));
    }
  }
  std::stable_sort(out.begin(), out.end(), [](const Finding& a, const Finding& b) {
    return a.action == Action::Deny && b.action != Action::Deny;
  });
  return out;
}

}  // namespace

std::vector<Finding> evaluate(const Object& obj, const Context& ctx) {
  if (!obj.doc.is_object() || !kind_is_read(obj.kind())) return {};
  // The rules of this evaluation share one cache: a fresh one, or a front for
  // the run's shared cache (eval_cache.h) that the other threads do not touch.
  // Rules called alone (tests) may see a null cache and compute directly.
  EvalCache local(ctx.cache);
  Context with_cache = ctx;
  with_cache.cache = &local;
  return evaluate_cached(obj, with_cache);
}

json apply_fixes(const Object& obj, const Context& ctx, std::vector<FixNote>* notes) {
  json copy = obj.doc;
  if (!copy.is_object() || ctx.mode_for(obj.ns()) == NamespaceMode::Off) return copy;
  for (const Rule& r : catalog()) {
    if (r.fix == nullptr || !reads_kind(r, obj.kind())) continue;
    if (ctx.policy.action_for(r.id, r.default_action) == Action::Off) continue;
    try {
      json attempt = copy;
      std::vector<FixNote> local;
      r.fix(attempt, ctx, &local);
      copy = std::move(attempt);
      for (auto& n : local) notes->push_back(std::move(n));
    } catch (const std::exception&) {
      // A failed fix changes nothing; validation stays the final word.
    }
  }
  return copy;
}

}  // namespace rg
