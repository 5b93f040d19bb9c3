#include "policy/mutation.h"

#include <algorithm>
#include <exception>
#include <optional>

#include "policy/catalog.h"
#include "policy/exemptions.h"

namespace rg {

namespace {

// A JSON Pointer under construction: keys are escaped only when an
// operation is emitted (most of a document is equal and needs no path).
struct Token {
  const std::string* key;  // nullptr for an array index
  size_t index;
};

std::string pointer(const std::vector<Token>& path) {
  std::string out;
  for (const Token& t : path) {
    out += '/';
    out += t.key != nullptr ? pointer_escape(*t.key) : std::to_string(t.index);
  }
  return out;
}

// One operation, built member by member: nlohmann's initializer-list
// constructor checks every element for a key/value pair shape and copies the
// value through json_ref, about 40% of a diff's time.
json operation(const char* op, std::string path, const json* value = nullptr) {
  json out(json::value_t::object);
  json::object_t& m = out.get_ref<json::object_t&>();
  m.emplace("op", op);
  m.emplace("path", std::move(path));
  if (value != nullptr) m.emplace("value", *value);
  return out;
}

// One walk over both documents: objects (std::map, sorted) are merged key by
// key, arrays index by index; no deep equality test per level (quadratic in
// depth) and no map lookups.
void diff_into(const json& from, const json& to, std::vector<Token>& path, json& ops) {
  if (from.is_object() && to.is_object()) {
    const json::object_t& a = from.get_ref<const json::object_t&>();
    const json::object_t& b = to.get_ref<const json::object_t&>();
    auto ia = a.begin(), ib = b.begin();
    std::vector<json> adds;  // after the removes, in key order
    while (ia != a.end() || ib != b.end()) {
      const int cmp = ia == a.end() ? 1 : ib == b.end() ? -1 : ia->first.compare(ib->first);
      if (cmp == 0) {
        path.push_back({&ia->first, 0});
        diff_into(ia->second, ib->second, path, ops);
        path.pop_back();
        ++ia, ++ib;
      } else if (cmp < 0) {
        path.push_back({&ia->first, 0});
        ops.push_back(operation("remove", pointer(path)));
        path.pop_back();
        ++ia;
      } else {
        path.push_back({&ib->first, 0});
        adds.push_back(operation("add", pointer(path), &ib->second));
        path.pop_back();
        ++ib;
      }
    }
    for (json& op : adds) ops.push_back(std::move(op));
    return;
  }
  if (from.is_array() && to.is_array()) {
    const size_t common = std::min(from.size(), to.size());
    for (size_t i = 0; i < common; ++i) {
      path.push_back({nullptr, i});
      diff_into(from[i], to[i], path, ops);
      path.pop_back();
    }
    // Remove from the end so earlier indices stay valid.
    for (size_t i = from.size(); i > common; --i) {
      path.push_back({nullptr, i - 1});
      ops.push_back(operation("remove", pointer(path)));
      path.pop_back();
    }
    for (size_t i = common; i < to.size(); ++i) {
      path.push_back({nullptr, i});
      ops.push_back(operation("add", pointer(path), &to[i]));
      path.pop_back();
    }
    return;
  }
  if (from != to) ops.push_back(operation("replace", pointer(path), &to));
}

// The policy with every rule the object is exempt from (an exemption the
// policy grants) switched off, when there is such a rule; nullopt otherwise
// (the common case: no copy).
std::optional<Policy> without_exempt_rules(const Object& obj, const Policy& policy) {
  if (annotation(obj.doc, kExemptAnnotation).empty()) return std::nullopt;
  Exemptions ex = read_exemptions(obj.doc);
  std::optional<Policy> out;
  for (const Rule& r : catalog()) {
    if (r.fix == nullptr || ex.decide(r.id, policy) != Exemption::Granted) continue;
    if (!out) out = policy;
    out->rules[std::string(r.id)] = Action::Off;
  }
  return out;
}

// The same rules, gates and order as apply_fixes() (catalog.cc), but on one
// copy of the object: apply_fixes() copies the whole document before each
// fix so a throwing fix can be rolled back, and for a Rollout those copies
// were three quarters of the time. Here any fix that throws fails the whole
// mutation instead (no patch, an error), which is what /mutate wants.
// corpus_test checks that both give the same object.
json fix_in_place(const Object& obj, const Context& ctx, std::vector<FixNote>* notes) {
  json copy = obj.doc;
  if (!copy.is_object() || ctx.mode_for(obj.ns()) == NamespaceMode::Off) return copy;
  const std::string_view kind = obj.kind();
  for (const Rule& r : catalog()) {
    if (r.fix == nullptr) continue;
    bool reads = false;
    for (std::string_view k : r.kinds) reads = reads || k == kind || k == "*";
    if (!reads || ctx.policy.action_for(r.id, r.default_action) == Action::Off) continue;
    r.fix(copy, ctx, notes);
  }
  return copy;
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
  std::vector<Token> path;
  diff_into(from, to, path, ops);
  return ops;
}

MutationResult mutate(const Object& obj, const Context& ctx) {
  MutationResult r;
  try {
    std::optional<Policy> narrowed = without_exempt_rules(obj, ctx.policy);
    Context local{narrowed ? *narrowed : ctx.policy, ctx.inventory, ctx.namespace_mode};
    r.object = fix_in_place(obj, local, &r.notes);
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
