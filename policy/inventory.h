// Inventory: a read-only view of the other objects a cross-object rule may
// consult. For `check` it holds every object of the run; in the cluster it is
// the watch cache. Implementations must be safe for concurrent readers.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "policy/object.h"

namespace rg {

class Inventory {
 public:
  virtual ~Inventory() = default;
  // Finds one object. `group` is the API group ("argoproj.io", "apps", "" for
  // core); an empty `ns` matches cluster-scoped objects. nullptr when absent.
  virtual const Object* find(std::string_view group, std::string_view kind,
                             std::string_view ns, std::string_view name) const = 0;
  // Every object of `kind` in `ns` (any namespace when ns is "*").
  virtual std::vector<const Object*> list(std::string_view kind, std::string_view ns) const = 0;
  // False when the view may be incomplete or old (the webhook's empty
  // inventory, a stale cache): cross-object rules then degrade absence-based
  // findings. The reason says why, for messages.
  virtual bool complete() const { return true; }
  virtual std::string incomplete_reason() const { return ""; }
};

// An Inventory over a fixed set of objects (the CLI's files, tests). find()
// and list() are hash lookups (a `check` over 10k manifests asks tens of
// thousands of times); list() keeps insertion order and find() returns the
// first object added under a name.
class MemoryInventory : public Inventory {
 public:
  MemoryInventory() = default;
  // Objects are copied (or moved in); the inventory owns them.
  void add(Object obj);
  // Indexes `obj` without copying it; the caller keeps it alive and unchanged
  // for the inventory's lifetime (the CLI, whose objects live for the run).
  void add_unowned(const Object& obj);
  const Object* find(std::string_view group, std::string_view kind, std::string_view ns,
                     std::string_view name) const override;
  std::vector<const Object*> list(std::string_view kind, std::string_view ns) const override;
  size_t size() const { return count_; }  // objects added, owned or not
  void set_complete(bool c, std::string reason = "") { complete_ = c; reason_ = std::move(reason); }
  bool complete() const override { return complete_; }
  std::string incomplete_reason() const override { return reason_; }

 private:
  void index(const Object* o);

  std::vector<std::unique_ptr<Object>> objects_;
  std::unordered_map<std::string, const Object*> by_name_;               // group, kind, ns, name
  std::unordered_map<std::string, std::vector<const Object*>> by_kind_;  // kind
  std::unordered_map<std::string, std::vector<const Object*>> by_kind_ns_;  // kind, ns
  size_t count_ = 0;
  bool complete_ = true;
  std::string reason_;
};

// An inventory that holds nothing and says so (the webhook without a cluster cache).
class EmptyInventory : public Inventory {
 public:
  const Object* find(std::string_view, std::string_view, std::string_view,
                     std::string_view) const override { return nullptr; }
  std::vector<const Object*> list(std::string_view, std::string_view) const override { return {}; }
  bool complete() const override { return false; }
  std::string incomplete_reason() const override { return "no inventory of other objects is available"; }
};

}  // namespace rg
