// Helpers for the per-rule tests: YAML text -> objects, one rule's check
// run on the first object with an inventory of all of them, and one rule's
// findings as evaluate() reports them.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

#include "policy/catalog.h"
#include "manifests/documents.h"
#include "policy/inventory.h"
#include "policy/policy.h"
#include "policy/rule.h"

namespace rg::test {

inline std::vector<Object> parse_objects(std::string_view yaml) {
  LoadResult r = load_documents(yaml, "test.yaml");
  for (const LoadError& e : r.errors) ADD_FAILURE() << e.str();
  return r.objects;
}

struct RuleRun {
  Policy policy;
  bool complete = true;
  // Checks objects[0] against an inventory holding every object.
  std::vector<Finding> operator()(const Rule& rule, std::string_view yaml) const {
    std::vector<Object> objs = parse_objects(yaml);
    if (objs.empty()) {
      ADD_FAILURE() << "no objects in fixture";
      return {};
    }
    MemoryInventory inv;
    for (const Object& o : objs) inv.add(o);
    inv.set_complete(complete, complete ? "" : "test: incomplete");
    Context ctx{policy, inv};
    return rule.check(objs[0], ctx);
  }
};

inline std::vector<Finding> run(const Rule& rule, std::string_view yaml) { return RuleRun{}(rule, yaml); }

// The findings of one rule when evaluate() checks obj: with the rule's
// action from the policy, escalation, exemptions and the object's kind,
// name, file and line filled in.
inline std::vector<Finding> findings(const Object& obj, const Inventory& inv, std::string_view rule,
                                     const Policy& policy = Policy{}) {
  Context ctx{policy, inv};
  std::vector<Finding> out;
  for (Finding& f : evaluate(obj, ctx)) {
    if (f.rule == rule) out.push_back(std::move(f));
  }
  return out;
}

inline std::vector<Finding> findings(const json& doc, const Inventory& inv, std::string_view rule,
                                     const Policy& policy = Policy{}) {
  return findings(Object{doc, {}}, inv, rule, policy);
}

inline std::vector<Finding> findings(const json& doc, std::string_view rule, const Policy& policy = Policy{}) {
  MemoryInventory inv;
  return findings(doc, inv, rule, policy);
}

// Runs the rule alone on each document, expecting no exception, and
// evaluate() on it, expecting no "internal error in rule" finding; returns
// what the rule found in all of them.
inline std::vector<Finding> check_without_throwing(const Rule& rule, const std::vector<json>& docs) {
  std::vector<Finding> all;
  for (const json& doc : docs) {
    SCOPED_TRACE(doc.dump());
    MemoryInventory inv;
    Policy p;
    Context ctx{p, inv};
    std::vector<Finding> fs;
    EXPECT_NO_THROW(fs = rule.check(Object{doc, {}}, ctx));
    all.insert(all.end(), fs.begin(), fs.end());
    for (const Finding& f : findings(doc, rule.id)) {
      EXPECT_EQ(f.message.find("internal error"), std::string::npos) << f.message;
    }
  }
  return all;
}

// Rollouts whose metadata or exemption annotation has the wrong JSON type or
// names no rule.
inline std::vector<json> malformed_annotations() {
  auto with = [](json metadata) { return json{{"kind", "Rollout"}, {"metadata", std::move(metadata)}}; };
  return {with({{"annotations", {{"rollout-guard.io/exempt", 5}}}}),
          with({{"annotations", {{"rollout-guard.io/exempt", json::array({"pod-security/*"})}}}}),
          with({{"annotations", "rollout-guard.io/exempt"}}), with(7),
          with({{"annotations", {{"rollout-guard.io/exempt", " , ,"}}}})};
}

// A canary Rollout with the given steps (YAML flow sequence), in namespace shop.
inline std::string rollout_with_steps(std::string_view steps, std::string_view extra_metadata = "") {
  return "apiVersion: argoproj.io/v1alpha1\nkind: Rollout\nmetadata:\n  name: catalog\n  namespace: shop\n" +
         std::string(extra_metadata) + "spec:\n  strategy:\n    canary:\n      steps: " + std::string(steps) + "\n";
}

}  // namespace rg::test
