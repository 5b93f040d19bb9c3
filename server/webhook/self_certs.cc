// Self-managed certificates: see self_certs.h.
#include "server/webhook/self_certs.h"

#include <ctime>
#include <utility>

#include "certs/base64.h"
#include "certs/certs.h"
#include "server/webhook/log.h"

namespace rg::webhook {

using json = nlohmann::json;

namespace {

// The Secret's keys and the fields they hold.
constexpr std::pair<const char*, std::string certs::AuthorityData::*> kKeys[] = {
    {"ca.crt", &certs::AuthorityData::ca_crt},
    {"ca.key", &certs::AuthorityData::ca_key},
    {"tls.crt", &certs::AuthorityData::tls_crt},
    {"tls.key", &certs::AuthorityData::tls_key}};

}  // namespace

json secret_data(const certs::AuthorityData& d) {
  json data = json::object();
  for (const auto& [key, field] : kKeys) data[key] = base64_encode(d.*field);
  return data;
}

certs::AuthorityData authority_data(const json& secret) {
  certs::AuthorityData d;
  const auto data = secret.find("data");
  if (data == secret.end() || !data->is_object()) return d;
  for (const auto& [key, field] : kKeys) {
    const auto v = data->find(key);
    std::string decoded;
    if (v != data->end() && v->is_string() && base64_decode(v->get_ref<const std::string&>(), &decoded))
      d.*field = std::move(decoded);
  }
  return d;
}

SelfCerts::SelfCerts(kube::Client& client, SelfCertOptions options, CertStore* store, Metrics* metrics)
    : client_(client), options_(std::move(options)), store_(store), metrics_(metrics) {}

Status SelfCerts::reconcile() {
  json secret;
  kube::ApiStatus got = client_.get(kube::resources::kSecrets, options_.ns, options_.secret, &secret);
  if (!got.ok() && !got.not_found()) return got.status();
  const json* existing = got.ok() ? &secret : nullptr;
  if (existing != nullptr) {
    last_ = authority_data(secret);
  } else if (!last_.empty()) {
    log_json(spdlog::level::warn, "certificate Secret is gone; writing back the last data seen",
             {{"secret", secret_ref()}});
  }
  const int64_t t = now();
  certs::AuthorityPlan plan;
  const int64_t since = published_bundle_ == last_.ca_crt && !last_.ca_crt.empty() ? published_since_ : -1;
  if (Status st = certs::plan_authority(last_, options_.dns_names, t, since, options_.policy, &plan); !st.ok())
    return st;
  for (const std::string& action : plan.actions)
    log_json(spdlog::level::info, "certificate authority: " + action, {{"secret", secret_ref()}});
  if (plan.changed || existing == nullptr) {
    if (Status st = write_secret(existing, plan.next); !st.ok()) return st;
  }
  last_ = plan.next;

  const std::string bundle = base64_encode(last_.ca_crt);
  bool all = true;
  Status first_error = Status::Ok();
  const std::pair<const kube::Resource*, const std::string*> configs[] = {
      {&kube::resources::kValidatingWebhookConfigurations, &options_.validating_webhook},
      {&kube::resources::kMutatingWebhookConfigurations, &options_.mutating_webhook}};
  for (const auto& [resource, name] : configs) {
    if (name->empty()) continue;
    Status st = publish(*resource, *name, bundle);
    all = all && st.ok();
    if (!st.ok() && first_error.ok()) first_error = st;
  }
  if (!all) {
    published_since_ = -1;
  } else if (published_bundle_ != last_.ca_crt || published_since_ < 0) {
    published_bundle_ = last_.ca_crt;
    published_since_ = t;
  }
  return first_error;
}

Status SelfCerts::write_secret(const json* existing, const certs::AuthorityData& data) {
  if (existing == nullptr) {
    json obj = {{"apiVersion", "v1"},
                {"kind", "Secret"},
                {"metadata",
                 {{"name", options_.secret},
                  {"namespace", options_.ns},
                  {"labels", {{"app.kubernetes.io/managed-by", "rollout-guard"}}}}},
                {"type", "kubernetes.io/tls"},
                {"data", secret_data(data)}};
    kube::ApiStatus st = client_.create(kube::resources::kSecrets, options_.ns, obj);
    if (!st.ok()) return st.status();
    log_json(spdlog::level::info, "certificate Secret created", {{"secret", secret_ref()}});
    return Status::Ok();
  }
  const std::string type = existing->value("type", "");
  if (type != "kubernetes.io/tls") {
    return Status::Error("Secret " + secret_ref() + " has type \"" + type +
                         "\", not kubernetes.io/tls; delete it and rollout-guard creates it");
  }
  json obj = *existing;  // keeps metadata.resourceVersion: a concurrent writer gets a conflict
  obj["data"] = secret_data(data);
  kube::ApiStatus st = client_.replace(kube::resources::kSecrets, options_.ns, obj);
  if (!st.ok()) return st.status();
  log_json(spdlog::level::info, "certificate Secret updated", {{"secret", secret_ref()}});
  return Status::Ok();
}

Status SelfCerts::publish(const kube::Resource& r, const std::string& name, const std::string& bundle_b64) {
  // One retry when someone else wrote the configuration between our GET and PUT.
  for (int attempt = 0; attempt < 2; ++attempt) {
    json config;
    kube::ApiStatus got = client_.get(r, "", name, &config);
    if (!got.ok()) return got.status();
    auto webhooks = config.find("webhooks");
    if (webhooks == config.end() || !webhooks->is_array() || webhooks->empty())
      return Status::Error(std::string(r.kind) + " " + name + " has no webhooks to give the CA bundle to");
    int changed = 0;
    for (json& w : *webhooks) {
      if (!w.is_object()) continue;
      json& cc = w["clientConfig"];
      if (!cc.is_object()) cc = json::object();
      if (cc.value("caBundle", "") != bundle_b64) {
        cc["caBundle"] = bundle_b64;
        ++changed;
      }
    }
    if (changed == 0) return Status::Ok();
    kube::ApiStatus put = client_.replace(r, "", config);
    if (put.ok()) {
      log_json(spdlog::level::info, "CA bundle written", {{"configuration", std::string(r.kind) + " " + name},
                                                          {"webhooks", changed}});
      return Status::Ok();
    }
    if (!put.conflict()) return put.status();
  }
  return Status::Error(std::string(r.kind) + " " + name + ": changed by someone else twice while writing caBundle");
}

Status SelfCerts::load() {
  json secret;
  kube::ApiStatus got = client_.get(kube::resources::kSecrets, options_.ns, options_.secret, &secret);
  if (got.not_found()) return Status::Error("waiting for the certificate Secret " + secret_ref());
  if (!got.ok()) return got.status();
  const certs::AuthorityData d = authority_data(secret);
  if (d.tls_crt == loaded_crt_ && d.tls_key == loaded_key_) return Status::Ok();
  std::shared_ptr<const certs::KeyPair> pair;
  Status st = certs::load_key_pair_pem(d.tls_crt, d.tls_key, "Secret " + secret_ref(), &pair);
  if (!st.ok()) {
    if (metrics_ != nullptr) metrics_->cert_reload(false);
    return st;
  }
  loaded_crt_ = d.tls_crt;
  loaded_key_ = d.tls_key;
  store_->set(pair);
  if (metrics_ != nullptr) {
    metrics_->cert_reload(true);
    metrics_->set_cert_expiry(pair->not_after_unix());
  }
  log_json(spdlog::level::info, "serving certificate loaded from Secret",
           {{"secret", secret_ref()},
            {"subject", pair->subject()},
            {"serial", pair->serial_hex()},
            {"not_after", pair->not_after()}});
  return Status::Ok();
}

namespace {

kube::LeaderElectionOptions waking(kube::LeaderElectionOptions o, std::function<void()> wake) {
  auto previous = std::move(o.on_started_leading);
  o.on_started_leading = [previous = std::move(previous), wake = std::move(wake)] {
    if (previous) previous();
    wake();
  };
  return o;
}

}  // namespace

SelfCertLoop::SelfCertLoop(SelfCerts* certs, kube::Client& election_client, kube::LeaderElectionOptions election,
                           std::chrono::milliseconds period)
    : certs_(certs),
      elector_(election_client, waking(std::move(election),
                                       [this] {
                                         std::lock_guard<std::mutex> lock(mu_);
                                         wake_ = true;
                                         cv_.notify_all();
                                       })),
      period_(period) {}

SelfCertLoop::~SelfCertLoop() { stop(); }

void SelfCertLoop::start() {
  elector_.start();
  thread_ = std::thread([this] { run(); });
}

void SelfCertLoop::stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
  elector_.stop();
}

void SelfCertLoop::run() {
  for (;;) {
    tick();
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait_for(lock, period_, [this] { return stopping_ || wake_; });
    if (stopping_) return;
    wake_ = false;
  }
}

void SelfCertLoop::tick() {
  const std::string& secret = certs_->options().secret;
  if (elector_.is_leader()) {
    Status st = certs_->reconcile();
    if (!st.ok() && st.message() != reconcile_error_) {
      log_json(spdlog::level::err, "certificate reconcile failed; retrying each period",
               {{"secret", secret}, {"error", st.message()}});
    }
    reconcile_error_ = st.ok() ? "" : st.message();
  }
  Status st = certs_->load();
  if (!st.ok() && st.message() != load_error_) {
    log_json(spdlog::level::warn, "serving certificate not loaded from Secret; keeping the previous one",
             {{"secret", secret}, {"error", st.message()}});
  }
  load_error_ = st.ok() ? "" : st.message();
}

}  // namespace rg::webhook
