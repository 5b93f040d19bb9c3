#include "policy/object.h"

namespace rg {

const json* child(const json& j, std::string_view key) {
  if (!j.is_object()) return nullptr;
  // object_t's comparator is std::less<> (transparent): no key copy.
  const json::object_t& members = j.get_ref<const json::object_t&>();
  auto it = members.find(key);
  return it == members.end() ? nullptr : &it->second;
}

const json* child(const json& j, std::initializer_list<std::string_view> path) {
  const json* cur = &j;
  for (std::string_view k : path) {
    cur = child(*cur, k);
    if (cur == nullptr) return nullptr;
  }
  return cur;
}

namespace {

// Empties j's container depth first, so that each node is freed by its
// parent's clear() with no children left to move (what nlohmann's destructor
// would do with a heap-allocated stack); `depth` bounds the recursion, past
// which a subtree is left whole to nlohmann.
void empty_out(json& j, int depth) noexcept {
  if (depth > 64) return;
  if (j.is_object()) {
    json::object_t& members = j.get_ref<json::object_t&>();
    for (auto& member : members) {
      if (member.second.is_structured()) empty_out(member.second, depth + 1);
    }
    members.clear();
  } else if (j.is_array()) {
    json::array_t& elements = j.get_ref<json::array_t&>();
    for (json& element : elements) {
      if (element.is_structured()) empty_out(element, depth + 1);
    }
    elements.clear();
  }
}

}  // namespace

void dispose(json* j) noexcept {
  empty_out(*j, 0);
  *j = nullptr;
}

std::string_view str_or(const json* j, std::string_view fallback) {
  if (j == nullptr || !j->is_string()) return fallback;
  return j->get_ref<const std::string&>();
}

std::string_view annotation(const json& doc, std::string_view key) {
  return str_or(child(doc, {"metadata", "annotations", key}));
}

std::string_view label(const json& doc, std::string_view key) {
  return str_or(child(doc, {"metadata", "labels", key}));
}

std::string_view Object::api_version() const { return str_or(child(doc, "apiVersion")); }
std::string_view Object::kind() const { return str_or(child(doc, "kind")); }
std::string_view Object::name() const { return str_or(child(doc, {"metadata", "name"})); }
std::string_view Object::ns() const { return str_or(child(doc, {"metadata", "namespace"})); }

std::string_view Object::group() const {
  std::string_view av = api_version();
  auto slash = av.find('/');
  if (slash == std::string_view::npos) return "";
  return av.substr(0, slash);
}

}  // namespace rg
