#include "policy/inventory.h"

namespace rg {

namespace {

// Index keys: fields joined by '\0', which cannot occur in Kubernetes names.
std::string key(std::string_view a, std::string_view b) {
  std::string k;
  k.reserve(a.size() + b.size() + 1);
  k.append(a).push_back('\0');
  k.append(b);
  return k;
}

std::string key(std::string_view group, std::string_view kind, std::string_view ns, std::string_view name) {
  std::string k = key(group, kind);
  k.push_back('\0');
  k.append(ns).push_back('\0');
  k.append(name);
  return k;
}

}  // namespace

void MemoryInventory::add(Object obj) {
  objects_.push_back(std::make_unique<Object>(std::move(obj)));
  index(objects_.back().get());
}

void MemoryInventory::add_unowned(const Object& obj) { index(&obj); }

void MemoryInventory::index(const Object* o) {
  ++count_;
  // The first object with a name wins, as in a linear scan in insertion order.
  by_name_.try_emplace(key(o->group(), o->kind(), o->ns(), o->name()), o);
  by_kind_[std::string(o->kind())].push_back(o);
  by_kind_ns_[key(o->kind(), o->ns())].push_back(o);
}

const Object* MemoryInventory::find(std::string_view group, std::string_view kind,
                                    std::string_view ns, std::string_view name) const {
  auto it = by_name_.find(key(group, kind, ns, name));
  return it == by_name_.end() ? nullptr : it->second;
}

std::vector<const Object*> MemoryInventory::list(std::string_view kind, std::string_view ns) const {
  if (ns == "*") {
    auto it = by_kind_.find(std::string(kind));
    return it == by_kind_.end() ? std::vector<const Object*>{} : it->second;
  }
  auto it = by_kind_ns_.find(key(kind, ns));
  return it == by_kind_ns_.end() ? std::vector<const Object*>{} : it->second;
}

}  // namespace rg
