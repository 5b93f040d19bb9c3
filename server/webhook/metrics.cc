#include "server/webhook/metrics.h"

#include <sstream>

#include <prometheus/text_serializer.h>

namespace rg::webhook {

using prometheus::Histogram;

Metrics::Metrics() : registry_(std::make_shared<prometheus::Registry>()) {
  requests_ = &prometheus::BuildCounter()
                   .Name("rollout_guard_admission_requests_total")
                   .Help("AdmissionReviews answered, by endpoint, kind, operation, decision and dry_run")
                   .Register(*registry_);
  latency_ = &prometheus::BuildHistogram()
                  .Name("rollout_guard_admission_duration_seconds")
                  .Help("Time from request routed to response built, by endpoint")
                  .Register(*registry_);
  findings_ = &prometheus::BuildCounter()
                   .Name("rollout_guard_admission_findings_total")
                   .Help("Findings reported in admission answers, by rule and action")
                   .Register(*registry_);
  bad_requests_ = &prometheus::BuildCounter()
                       .Name("rollout_guard_admission_bad_requests_total")
                       .Help("Requests refused before a decision, by endpoint and HTTP status")
                       .Register(*registry_);
  mutation_errors_ = &prometheus::BuildCounter()
                          .Name("rollout_guard_mutation_errors_total")
                          .Help("/mutate requests whose defaults could not be computed: allowed with no patch")
                          .Register(*registry_)
                          .Add({});
  policy_reloads_ = &prometheus::BuildCounter()
                         .Name("rollout_guard_policy_reloads_total")
                         .Help("Policy file loads, by result (ok, error: the last good policy stays)")
                         .Register(*registry_);
  cert_reloads_ = &prometheus::BuildCounter()
                       .Name("rollout_guard_certificate_reloads_total")
                       .Help("Serving certificate loads, by result (ok, error: the last good pair stays)")
                       .Register(*registry_);
  cert_expiry_ = &prometheus::BuildGauge()
                      .Name("rollout_guard_serving_certificate_expiry_timestamp_seconds")
                      .Help("notAfter of the serving certificate in use, as Unix seconds")
                      .Register(*registry_);
  ready_ = &prometheus::BuildGauge()
                .Name("rollout_guard_ready")
                .Help("1 when certificate and policy are loaded and the server is not draining")
                .Register(*registry_)
                .Add({});
  auto& pool = prometheus::BuildGauge()
                   .Name("rollout_guard_worker_pool")
                   .Help("Worker threads (one per open connection) and connections waiting for one")
                   .Register(*registry_);
  pool_threads_ = &pool.Add({{"state", "threads"}});
  pool_queued_ = &pool.Add({{"state", "queued"}});
  connections_reset_ = &prometheus::BuildCounter()
                            .Name("rollout_guard_connections_reset_total")
                            .Help("Connections reset at once because every worker was busy and the queue full")
                            .Register(*registry_)
                            .Add({});
  connections_shed_ = &prometheus::BuildCounter()
                           .Name("rollout_guard_connections_shed_total")
                           .Help("Idle keep-alive connections closed to free a worker for a waiting connection")
                           .Register(*registry_)
                           .Add({});
}

namespace {

// A ChildCache key: each label value with its length in front, so no two
// different tuples of values give the same key. Reuses the thread's buffer.
template <typename... Values>
std::string_view child_key(const Values&... values) {
  thread_local std::string key;
  key.clear();
  auto add = [](std::string_view v) {
    const size_t n = v.size();
    key.append(reinterpret_cast<const char*>(&n), sizeof n);
    key.append(v);
  };
  (add(values), ...);
  return key;
}

}  // namespace

void Metrics::review(std::string_view endpoint, std::string_view kind, std::string_view operation,
                     std::string_view decision, bool dry_run, double seconds) {
  const std::string_view dry = dry_run ? "true" : "false";
  request_children_
      .get(child_key(endpoint, kind, operation, decision, dry),
           [&]() -> prometheus::Counter& {
             return requests_->Add({{"endpoint", std::string(endpoint)},
                                    {"kind", std::string(kind)},
                                    {"operation", std::string(operation)},
                                    {"decision", std::string(decision)},
                                    {"dry_run", std::string(dry)}});
           })
      .Increment();
  latency_children_
      .get(child_key(endpoint),
           [&]() -> Histogram& {
             static const Histogram::BucketBoundaries kBuckets = {0.00005, 0.0001, 0.00025, 0.0005, 0.001,
                                                                  0.0025,  0.005,  0.01,    0.025,  0.05,
                                                                  0.1,     0.25,   1};
             return latency_->Add({{"endpoint", std::string(endpoint)}}, kBuckets);
           })
      .Observe(seconds);
}

void Metrics::finding(std::string_view rule, std::string_view action) {
  finding_children_
      .get(child_key(rule, action),
           [&]() -> prometheus::Counter& {
             return findings_->Add({{"rule", std::string(rule)}, {"action", std::string(action)}});
           })
      .Increment();
}

void Metrics::bad_request(std::string_view endpoint, int status) {
  bad_requests_->Add({{"endpoint", std::string(endpoint)}, {"code", std::to_string(status)}}).Increment();
}

void Metrics::mutation_error() { mutation_errors_->Increment(); }

void Metrics::policy_reload(bool ok) { policy_reloads_->Add({{"result", ok ? "ok" : "error"}}).Increment(); }
void Metrics::cert_reload(bool ok) { cert_reloads_->Add({{"result", ok ? "ok" : "error"}}).Increment(); }
void Metrics::set_cert_expiry(int64_t not_after_unix) {
  cert_expiry_->Add({}).Set(static_cast<double>(not_after_unix));
}
void Metrics::set_ready(bool ready) { ready_->Set(ready ? 1 : 0); }
void Metrics::set_pool(size_t threads, size_t queued) {
  pool_threads_->Set(static_cast<double>(threads));
  pool_queued_->Set(static_cast<double>(queued));
}
void Metrics::set_connection_totals(uint64_t reset, uint64_t shed) {
  // Counters only go up: add what the totals gained since the last scrape.
  std::lock_guard<std::mutex> lock(totals_mu_);
  const double r = static_cast<double>(reset) - connections_reset_->Value();
  const double s = static_cast<double>(shed) - connections_shed_->Value();
  if (r > 0) connections_reset_->Increment(r);
  if (s > 0) connections_shed_->Increment(s);
}

std::string Metrics::render() const {
  std::ostringstream out;
  prometheus::TextSerializer().Serialize(out, registry_->Collect());
  return out.str();
}

}  // namespace rg::webhook
