#include "policy/inventory.h"

namespace rg {

void MemoryInventory::add(Object obj) { objects_.push_back(std::make_unique<Object>(std::move(obj))); }

const Object* MemoryInventory::find(std::string_view group, std::string_view kind,
                                    std::string_view ns, std::string_view name) const {
  for (const auto& o : objects_) {
    if (o->kind() == kind && o->group() == group && o->ns() == ns && o->name() == name) return o.get();
  }
  return nullptr;
}

std::vector<const Object*> MemoryInventory::list(std::string_view kind, std::string_view ns) const {
  std::vector<const Object*> out;
  for (const auto& o : objects_) {
    if (o->kind() == kind && (ns == "*" || o->ns() == ns)) out.push_back(o.get());
  }
  return out;
}

}  // namespace rg
