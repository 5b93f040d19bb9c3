#include "policy/mutation.h"

#include <algorithm>
#include <exception>
#include <optional>

#include "policy/catalog.h"
#include "policy/exemptions.h"

namespace rg {

namespace {

void diff_into(const json& from, const json& to, std::string& path, json& ops) {
  if (from == to) return;
  if (from.is_object() && to.is_object()) {
    const size_t base = path.size();
    for (auto it = from.begin(); it != from.end(); ++it) {
      path += '/';
      path += pointer_escape(it.key());
      auto t = to.find(it.key());
      if (t == to.end()) ops.push_back({{"op", "remove"}, {"path", path}});
      else diff_into(it.value(), *t, path, ops);
      path.resize(base);
    }
    for (auto it = to.begin(); it != to.end(); ++it) {
      if (from.contains(it.key())) continue;
      path += '/';
      path += pointer_escape(it.key());
      ops.push_back({{"op", "add"}, {"path", path}, {"value", it.value()}});
      path.resize(base);
    }
    return;
  }
  if (from.is_array() && to.is_array()) {
    const size_t base = path.size();
    const size_t common = std::min(from.size(), to.size());
    for (size_t i = 0; i < common; ++i) {
      path += '/';
      path += std::to_string(i);
      diff_into(from[i], to[i], path, ops);
      path.resize(base);
    }
    // Remove from the end so earlier indices stay valid.
    for (size_t i = from.size(); i > common; --i) {
      ops.push_back({{"op", "remove"}, {"path", path + "/" + std::to_string(i - 1)}});
    }
    for (size_t i = common; i < to.size(); ++i) {
      ops.push_back({{"op", "add"}, {"path", path + "/" + std::to_string(i)}, {"value", to[i]}});
    }
    return;
  }
  ops.push_back({{"op", "replace"}, {"path", path}, {"value", to}});
}

// The policy with every rule the object is exempt from switched off, when
// there is such a rule; nullopt otherwise (the common case: no copy).
std::optional<Policy> without_exempt_rules(const Object& obj, const Policy& policy) {
  if (annotation(obj.doc, kExemptAnnotation).empty()) return std::nullopt;
  Exemptions ex = read_exemptions(obj.doc);
  std::optional<Policy> out;
  for (const Rule& r : catalog()) {
    if (r.fix == nullptr || !ex.covers(r.id)) continue;
    if (!out) out = policy;
    out->rules[std::string(r.id)] = Action::Off;
  }
  return out;
}

}  // namespace

std::string pointer_escape(std::string_view token) {
  std::string out;
  out.reserve(token.size());
  for (char c : token) {
    if (c == '~') out += "~0";
    else if (c == '/') out += "~1";
    else out += c;
  }
  return out;
}

json json_patch(const json& from, const json& to) {
  json ops = json::array();
  std::string path;
  diff_into(from, to, path, ops);
  return ops;
}

MutationResult mutate(const Object& obj, const Context& ctx) {
  MutationResult r;
  try {
    std::optional<Policy> narrowed = without_exempt_rules(obj, ctx.policy);
    Context local{narrowed ? *narrowed : ctx.policy, ctx.inventory};
    r.object = apply_fixes(obj, local, &r.notes);
    r.patch = json_patch(obj.doc, r.object);
    if (r.patch.empty()) {
      r.notes.clear();  // a fix that noted but changed nothing has nothing to report
    }
    r.warnings.reserve(r.notes.size());
    for (const FixNote& n : r.notes) r.warnings.push_back(n.message);
    return r;
  } catch (const std::exception& e) {
    r.error = std::string("mutation failed: ") + e.what();
  } catch (...) {
    r.error = "mutation failed";
  }
  // Failure: no patch, no warnings, the object as it came.
  r.notes.clear();
  r.warnings.clear();
  try {
    r.patch = json::array();
    r.object = obj.doc;
  } catch (...) {  // out of memory: the caller still gets "no patch"
    r.patch = nullptr;
    r.object = nullptr;
  }
  return r;
}

}  // namespace rg
