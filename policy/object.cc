#include "policy/object.h"

#include <bit>
#include <cstdint>
#include <cstring>

namespace rg {

namespace {

// std::less<> on the map's keys (bytes compared as unsigned char, then
// length), inline: the rules look up ~250 keys per evaluation, and a memcmp
// call per comparison was a fifth of evaluate(). Eight bytes at a time
// (loaded big-endian, so that the first differing byte decides), then the
// last few one by one.
bool key_less(std::string_view a, std::string_view b) {
  const size_t n = a.size() < b.size() ? a.size() : b.size();
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    uint64_t x, y;
    std::memcpy(&x, a.data() + i, 8);
    std::memcpy(&y, b.data() + i, 8);
    if (x != y) {
      if constexpr (std::endian::native == std::endian::little) {
        return __builtin_bswap64(x) < __builtin_bswap64(y);
      } else {
        return x < y;
      }
    }
  }
  for (; i < n; ++i) {
    if (a[i] != b[i]) return static_cast<unsigned char>(a[i]) < static_cast<unsigned char>(b[i]);
  }
  return a.size() < b.size();
}

}  // namespace

const json* child(const json& j, std::string_view key) {
  if (!j.is_object()) return nullptr;
  const json::object_t& members = j.get_ref<const json::object_t&>();
#if defined(__GLIBCXX__)
  // std::map::find, walking libstdc++'s red-black tree (lower bound, then an
  // equality test) with key_less instead of the map's memcmp-calling
  // comparator. object_test checks it against find() on every key.
  using Node = std::_Rb_tree_node<json::object_t::value_type>;
  const std::_Rb_tree_node_base* const header = members.end()._M_node;
  const std::_Rb_tree_node_base* x = header->_M_parent;  // the root; null when empty
  const std::_Rb_tree_node_base* bound = header;
  while (x != nullptr) {
    if (!key_less(static_cast<const Node*>(x)->_M_valptr()->first, key)) {
      bound = x;
      x = x->_M_left;
    } else {
      x = x->_M_right;
    }
  }
  if (bound == header) return nullptr;
  const json::object_t::value_type& member = *static_cast<const Node*>(bound)->_M_valptr();
  return std::string_view(member.first) == key ? &member.second : nullptr;
#else
  auto it = members.find(key);
  return it == members.end() ? nullptr : &it->second;
#endif
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
