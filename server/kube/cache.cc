#include "server/kube/cache.h"

#include <algorithm>
#include <mutex>
#include <thread>

namespace rg::kube {
namespace {

bool keep_annotation(std::string_view key) {
  if (key.rfind("rollout-guard.io/", 0) == 0) return true;
  return std::find(std::begin(kKeptAnnotations), std::end(kKeptAnnotations), key) != std::end(kKeptAnnotations);
}

void copy_if(const json& from, json& to, const char* key) {
  auto it = from.find(key);
  if (it != from.end()) to[key] = *it;
}

json strip_metadata(const json& meta, bool namespace_object) {
  json out = json::object();
  if (!meta.is_object()) return out;
  copy_if(meta, out, "name");
  copy_if(meta, out, "namespace");
  copy_if(meta, out, "labels");
  if (namespace_object) return out;
  copy_if(meta, out, "uid");
  if (auto it = meta.find("annotations"); it != meta.end() && it->is_object()) {
    json kept = json::object();
    for (auto a = it->begin(); a != it->end(); ++a) {
      if (keep_annotation(a.key())) kept[a.key()] = a.value();
    }
    if (!kept.empty()) out["annotations"] = std::move(kept);
  }
  if (auto it = meta.find("ownerReferences"); it != meta.end() && it->is_array()) {
    json refs = json::array();
    for (const auto& r : *it) {
      if (!r.is_object()) continue;
      json kept = json::object();
      for (const char* k : {"apiVersion", "kind", "name", "controller"}) copy_if(r, kept, k);
      refs.push_back(std::move(kept));
    }
    out["ownerReferences"] = std::move(refs);
  }
  if (meta.contains("deletionTimestamp")) out["deletionTimestamp"] = meta["deletionTimestamp"];
  return out;
}

std::string str_field(const json& obj, const char* a, const char* b = nullptr) {
  if (!obj.is_object()) return "";
  auto it = obj.find(a);
  if (it == obj.end()) return "";
  if (b) {
    if (!it->is_object()) return "";
    auto jt = it->find(b);
    return jt != it->end() && jt->is_string() ? jt->get<std::string>() : "";
  }
  return it->is_string() ? it->get<std::string>() : "";
}

std::string_view group_of(std::string_view api_version) {
  size_t slash = api_version.find('/');
  return slash == std::string_view::npos ? std::string_view() : api_version.substr(0, slash);
}

}  // namespace

std::vector<Resource> inventory_resources() {
  using namespace resources;
  return {kRollouts, kAnalysisTemplates, kClusterAnalysisTemplates, kDeployments,
          kHorizontalPodAutoscalers, kScaledObjects, kNamespaces};
}

json strip_for_inventory(const json& obj) {
  if (!obj.is_object()) return json::object();
  std::string kind = str_field(obj, "kind");
  json out = json::object();
  copy_if(obj, out, "apiVersion");
  copy_if(obj, out, "kind");
  out["metadata"] = strip_metadata(obj.value("metadata", json::object()), kind == "Namespace");
  if (kind == "Namespace") return out;
  auto spec = obj.find("spec");
  if (spec == obj.end() || !spec->is_object()) return out;
  if (kind == "Deployment") {
    json s = json::object();
    copy_if(*spec, s, "replicas");
    copy_if(*spec, s, "selector");
    copy_if(*spec, s, "template");
    // The API server writes creationTimestamp: null into every template.
    if (auto t = s.find("template"); t != s.end() && t->is_object()) {
      if (auto m = t->find("metadata"); m != t->end() && m->is_object()) m->erase("creationTimestamp");
    }
    out["spec"] = std::move(s);
    return out;
  }
  out["spec"] = *spec;
  return out;
}

ClusterInventory::ClusterInventory(ClusterInventoryOptions options) : options_(std::move(options)) {
  if (!options_.clock) options_.clock = [] { return std::chrono::steady_clock::now(); };
}

ClusterInventory::~ClusterInventory() { stop(); }

std::chrono::steady_clock::time_point ClusterInventory::now() const { return options_.clock(); }

void ClusterInventory::set_listener(ChangeListener listener) { listener_ = std::move(listener); }

void ClusterInventory::start(Client& client) {
  if (!informers_.empty()) return;
  for (const Resource& r : options_.resources) {
    InformerOptions io = options_.informer;
    io.clock = options_.clock;
    InformerHandlers h;
    h.on_add = [this](const json& o) { upsert(o); };
    h.on_update = [this](const json& o) { upsert(o); };
    h.on_delete = [this](const json& o) { erase(o); };
    informers_.push_back(std::make_unique<Informer>(client, r, std::move(h), std::move(io)));
  }
  for (auto& inf : informers_) inf->start();
}

void ClusterInventory::stop() {
  for (auto& inf : informers_) inf->stop();
}

bool ClusterInventory::synced() const {
  if (informers_.empty()) return false;
  for (const auto& inf : informers_) {
    if (!inf->synced()) return false;
  }
  return true;
}

bool ClusterInventory::wait_synced(std::chrono::milliseconds timeout) const {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!synced()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return true;
}

bool ClusterInventory::complete() const { return incomplete_reason().empty(); }

std::string ClusterInventory::incomplete_reason() const {
  if (informers_.empty()) return "the cluster inventory is not started";
  std::string waiting;
  for (const auto& inf : informers_) {
    if (!inf->synced()) waiting += (waiting.empty() ? "" : ", ") + inf->resource().str();
  }
  if (!waiting.empty()) return "the cluster inventory has not finished its initial sync (waiting for " + waiting + ")";
  auto t = now();
  for (const auto& inf : informers_) {
    if (inf->skipped()) continue;
    auto idle = std::chrono::duration_cast<std::chrono::seconds>(t - inf->last_activity());
    if (idle > options_.stale_after) {
      std::string msg = "the cluster inventory is stale: no news from the API server about " +
                        inf->resource().str() + " for " + std::to_string(idle.count()) + "s (bound " +
                        std::to_string(options_.stale_after.count()) + "s)";
      std::string err = inf->last_error();
      if (!err.empty()) msg += "; last error: " + err;
      return msg;
    }
  }
  return "";
}

const Object* ClusterInventory::find(std::string_view group, std::string_view kind, std::string_view ns,
                                     std::string_view name) const {
  return get(group, kind, ns, name).get();  // kept alive by kept_ (see keep())
}

void ClusterInventory::keep(const std::shared_ptr<Hot>& hot) const {
  auto t = now();
  if (hot->kept_until >= t + options_.pointer_lifetime) return;
  hot->kept_until = t + 2 * options_.pointer_lifetime;
  kept_.emplace_back(hot->kept_until, hot);
  while (!kept_.empty() && kept_.front().first < t) kept_.pop_front();
}

std::shared_ptr<const Object> ClusterInventory::unpack(const Entry& e) const {
  {
    std::lock_guard<std::mutex> lock(hot_mu_);
    if (auto h = e.hot.lock()) {
      keep(h);
      return std::shared_ptr<const Object>(h, &h->obj);
    }
  }
  auto h = std::make_shared<Hot>();
  h->obj.doc = json::from_cbor(e.packed, true, false);
  std::lock_guard<std::mutex> lock(hot_mu_);
  if (auto other = e.hot.lock()) h = other;  // another reader won the race
  else e.hot = h;
  keep(h);
  return std::shared_ptr<const Object>(h, &h->obj);
}

std::shared_ptr<const Object> ClusterInventory::get(std::string_view group, std::string_view kind,
                                                    std::string_view ns, std::string_view name) const {
  std::shared_lock lock(mu_);
  auto b = kinds_.find(kind);
  if (b == kinds_.end() || b->second.group != group) return nullptr;
  auto it = b->second.objects.find(std::pair<std::string, std::string>(ns, name));
  return it == b->second.objects.end() ? nullptr : unpack(it->second);
}

std::vector<const Object*> ClusterInventory::list(std::string_view kind, std::string_view ns) const {
  std::vector<const Object*> out;
  std::shared_lock lock(mu_);
  auto b = kinds_.find(kind);
  if (b == kinds_.end()) return out;
  const auto& objs = b->second.objects;
  if (ns == "*") {
    out.reserve(objs.size());
    for (const auto& [key, e] : objs) out.push_back(unpack(e).get());
    return out;
  }
  for (auto it = objs.lower_bound(std::pair<std::string, std::string>(ns, "")); it != objs.end() && it->first.first == ns;
       ++it) {
    out.push_back(unpack(it->second).get());
  }
  return out;
}

std::optional<std::string> ClusterInventory::namespace_label(std::string_view ns, std::string_view key) const {
  auto o = get("", "Namespace", "", ns);
  if (!o) return std::nullopt;
  const json* labels = child(o->doc, {"metadata", "labels"});
  if (!labels || !labels->is_object()) return std::nullopt;
  auto it = labels->find(std::string(key));
  if (it == labels->end() || !it->is_string()) return std::nullopt;
  return it->get<std::string>();
}

std::optional<NamespaceMode> ClusterInventory::namespace_mode(std::string_view ns) const {
  auto v = namespace_label(ns, kNamespaceModeLabel);
  NamespaceMode mode = NamespaceMode::Enforce;
  if (!v || !parse_namespace_mode(*v, &mode)) return std::nullopt;
  return mode;
}

void ClusterInventory::upsert(const json& raw) {
  auto h = std::make_shared<Hot>();
  h->obj.doc = strip_for_inventory(raw);
  const Object& obj = h->obj;
  std::string kind(obj.kind());
  std::string ns(obj.ns()), name(obj.name());
  if (kind.empty() || name.empty()) return;
  std::string packed;
  json::to_cbor(obj.doc, packed);
  packed.shrink_to_fit();
  bool added = false;
  {
    std::unique_lock lock(mu_);
    auto [b, fresh] = kinds_.try_emplace(kind);
    if (fresh) b->second.group = std::string(group_of(obj.api_version()));
    auto [it, inserted] = b->second.objects.try_emplace(std::pair<std::string, std::string>(ns, name));
    added = inserted;
    it->second.packed = std::move(packed);
    std::lock_guard<std::mutex> hot_lock(hot_mu_);
    it->second.hot.reset();  // an old unpacked version lives on while kept or held
  }
  if (listener_) listener_(added ? "ADDED" : "MODIFIED", std::shared_ptr<const Object>(h, &h->obj));
}

void ClusterInventory::erase(const json& raw) {
  std::string kind = str_field(raw, "kind");
  std::string ns = str_field(raw, "metadata", "namespace"), name = str_field(raw, "metadata", "name");
  std::shared_ptr<const Object> old;
  {
    std::unique_lock lock(mu_);
    auto b = kinds_.find(kind);
    if (b == kinds_.end()) return;
    auto it = b->second.objects.find(std::pair<std::string, std::string>(ns, name));
    if (it == b->second.objects.end()) return;
    if (listener_) old = unpack(it->second);
    b->second.objects.erase(it);
  }
  if (listener_) listener_("DELETED", old);
}

size_t ClusterInventory::size() const {
  std::shared_lock lock(mu_);
  size_t n = 0;
  for (const auto& [k, b] : kinds_) n += b.objects.size();
  return n;
}

std::vector<ClusterInventory::ResourceState> ClusterInventory::state() const {
  std::vector<ResourceState> out;
  for (const auto& inf : informers_) {
    ResourceState s;
    s.resource = inf->resource().str();
    s.synced = inf->synced();
    s.skipped = inf->skipped();
    s.restarts = inf->restarts();
    s.relists = inf->relists();
    s.errors = inf->errors();
    s.last_activity = inf->last_activity();
    s.last_error = inf->last_error();
    out.push_back(std::move(s));
  }
  return out;
}

uint64_t ClusterInventory::restarts() const {
  uint64_t n = 0;
  for (const auto& inf : informers_) n += inf->restarts();
  return n;
}

uint64_t ClusterInventory::relists() const {
  uint64_t n = 0;
  for (const auto& inf : informers_) n += inf->relists();
  return n;
}

}  // namespace rg::kube
