// Prometheus metrics of the webhook (prometheus-cpp core, rendered by
// TextSerializer for GET /metrics). Thread-safe.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

namespace rg::webhook {

// The children of one prometheus family by their label values, created on
// first use (so /metrics shows exactly the series observed) and then found
// without a lock: Family::Add builds a Labels map and takes the family's
// mutex on every call, too much for every request. Children are never
// removed, so their addresses stay valid. Up to kSlots distinct label sets
// are cached; past that (never with the bounded labels used here) lookups
// fall back to Family::Add.
template <typename T>
class ChildCache {
 public:
  // `key` identifies the label values (an unambiguous encoding of them);
  // `make` returns the child for them (the family's Add).
  template <typename Make>
  T& get(std::string_view key, Make&& make) {
    const size_t h = std::hash<std::string_view>{}(key);
    for (size_t i = 0; i < kSlots; ++i) {
      const Entry* e = slots_[(h + i) & (kSlots - 1)].load(std::memory_order_acquire);
      if (e == nullptr) break;
      if (e->key == key) return *e->metric;
    }
    std::lock_guard<std::mutex> lock(mu_);
    if (owned_.size() >= kSlots / 2) return make();  // full: uncached
    size_t i = h;
    for (;; ++i) {  // a free slot exists: at most half are used
      const Entry* e = slots_[i & (kSlots - 1)].load(std::memory_order_relaxed);
      if (e == nullptr) break;
      if (e->key == key) return *e->metric;  // inserted meanwhile
    }
    owned_.push_back(std::make_unique<Entry>(Entry{std::string(key), &make()}));
    slots_[i & (kSlots - 1)].store(owned_.back().get(), std::memory_order_release);
    return *owned_.back()->metric;
  }

 private:
  struct Entry {
    std::string key;
    T* metric;
  };
  static constexpr size_t kSlots = 1024;
  std::array<std::atomic<const Entry*>, kSlots> slots_{};
  std::mutex mu_;  // serializes inserts
  std::vector<std::unique_ptr<Entry>> owned_;
};

class Metrics {
 public:
  Metrics();
  // One answered AdmissionReview. `kind` is bounded by the caller (kinds the
  // catalog reads, else "other"). decision: allow|warn|deny|patch|skip.
  void review(std::string_view endpoint, std::string_view kind, std::string_view operation,
              std::string_view decision, bool dry_run, double seconds);
  void finding(std::string_view rule, std::string_view action);
  // A /mutate whose defaults could not be computed (allowed with no patch).
  void mutation_error();
  // A request refused before a decision (400/405/413/415), by HTTP status.
  void bad_request(std::string_view endpoint, int status);
  void policy_reload(bool ok);
  void cert_reload(bool ok);
  // The serving certificate's notAfter (Unix seconds), at every (re)load;
  // the series exists from the first call on (never a 0 an alert would take
  // for "expired").
  void set_cert_expiry(int64_t not_after_unix);
  void set_ready(bool ready);
  void set_pool(size_t threads, size_t queued);
  // The transport's running totals of connections reset (queue full) and
  // idle connections shed for a waiting one.
  void set_connection_totals(uint64_t reset, uint64_t shed);

  std::string render() const;
  // For metrics registered elsewhere (the cluster inventory's, cluster_view.h).
  prometheus::Registry& registry() { return *registry_; }

 private:
  std::shared_ptr<prometheus::Registry> registry_;
  prometheus::Family<prometheus::Counter>* requests_;
  prometheus::Family<prometheus::Histogram>* latency_;
  prometheus::Family<prometheus::Counter>* findings_;
  prometheus::Family<prometheus::Counter>* bad_requests_;
  prometheus::Counter* mutation_errors_;
  prometheus::Family<prometheus::Counter>* policy_reloads_;
  prometheus::Family<prometheus::Counter>* cert_reloads_;
  prometheus::Family<prometheus::Gauge>* cert_expiry_;
  prometheus::Gauge* ready_;
  prometheus::Gauge* pool_threads_;
  prometheus::Gauge* pool_queued_;
  prometheus::Counter* connections_reset_;
  prometheus::Counter* connections_shed_;
  std::mutex totals_mu_;  // two scrapes at once must not both add the same gain
  ChildCache<prometheus::Counter> request_children_;
  ChildCache<prometheus::Histogram> latency_children_;
  ChildCache<prometheus::Counter> finding_children_;
};

}  // namespace rg::webhook
