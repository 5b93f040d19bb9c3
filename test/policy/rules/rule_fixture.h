// Helpers for the per-rule tests: YAML text -> objects, and one rule's check
// run on the first object with an inventory of all of them.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

#include "policy/documents.h"
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

// A canary Rollout with the given steps (YAML flow sequence), in namespace shop.
inline std::string rollout_with_steps(std::string_view steps, std::string_view extra_metadata = "") {
  return "apiVersion: argoproj.io/v1alpha1\nkind: Rollout\nmetadata:\n  name: catalog\n  namespace: shop\n" +
         std::string(extra_metadata) + "spec:\n  strategy:\n    canary:\n      steps: " + std::string(steps) + "\n";
}

}  // namespace rg::test
