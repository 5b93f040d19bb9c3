#include "server/webhook/server.h"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <string_view>
#include <thread>

#include "admission/admission.h"
#include "policy/catalog.h"
#include "server/webhook/cluster_view.h"
#include "server/webhook/log.h"

namespace rg::webhook {

std::shared_ptr<const Policy> PolicyStore::get() const {
  std::lock_guard<std::mutex> lock(mu_);
  return policy_;
}

void PolicyStore::set(std::shared_ptr<const Policy> p) {
  std::lock_guard<std::mutex> lock(mu_);
  policy_ = std::move(p);
}

namespace {

const char* reason_for(int code) {
  switch (code) {
    case 400: return "BadRequest";
    case 404: return "NotFound";
    case 405: return "MethodNotAllowed";
    case 408: return "Timeout";
    case 411: return "BadRequest";
    case 413: return "RequestEntityTooLarge";
    case 415: return "UnsupportedMediaType";
    case 431: return "RequestEntityTooLarge";
    case 503: return "ServiceUnavailable";
    default: return code >= 500 ? "InternalError" : "BadRequest";
  }
}

bool is_review_path(const std::string& path) { return path == "/validate" || path == "/mutate"; }

// "application/json" in any case, alone or followed by ';' or ' ' (parameters).
bool json_content_type(std::string_view ct) {
  static constexpr std::string_view kJson = "application/json";
  if (ct.size() < kJson.size()) return false;
  for (size_t i = 0; i < kJson.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(ct[i])) != kJson[i]) return false;
  }
  return ct.size() == kJson.size() || ct[kJson.size()] == ';' || ct[kJson.size()] == ' ';
}

// The first value of a request header ("" when absent), as
// Request::get_header_value gives it, without copying it.
std::string_view header_value(const httplib::Request& req, const char* key) {
  const auto range = req.headers.equal_range(key);
  return range.first != range.second ? std::string_view(range.first->second.c_str()) : std::string_view();
}

// A bounded label value for metrics: the kinds rules read, else "other".
std::string_view kind_label(const admission::Review& r) {
  std::string_view k = r.object.doc.is_object() ? r.object.kind() : std::string_view(r.kind);
  return kind_is_read(k) ? k : std::string_view("other");
}

// What Response::set_content(body, "application/json") does, with the body
// moved in instead of copied.
void set_json(httplib::Response& res, std::string body) {
  static const std::string kType = "application/json";
  res.body = std::move(body);
  res.headers.erase("Content-Type");
  res.set_header("Content-Type", kType);
}

}  // namespace

std::string error_body(int code, const std::string& message) {
  nlohmann::json j = {{"apiVersion", "v1"},     {"kind", "Status"}, {"status", "Failure"},
                      {"code", code},           {"reason", reason_for(code)}, {"message", message}};
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

WebhookServer::WebhookServer(ServerOptions opts, CertStore* certs, PolicyStore* policies, Metrics* metrics)
    : opts_(std::move(opts)), certs_(certs), policies_(policies), metrics_(metrics) {
  TransportLimits limits;
  limits.max_workers = opts_.max_connections;
  limits.max_queued = opts_.max_queued_connections;
  limits.keep_alive_max_count = opts_.keep_alive_max_count;
  limits.idle_timeout_ms = opts_.keep_alive_timeout_seconds * 1000;
  limits.read_timeout_ms = opts_.read_timeout_seconds * 1000;
  limits.write_timeout_ms = opts_.write_timeout_seconds * 1000;
  limits.head.max_body_bytes = opts_.max_body_bytes;
  limits.head.body_limit_flag = "--max-body-bytes";
  server_ = std::make_unique<Transport>(certs_, limits);
  if (opts_.health_port >= 0) {
    // Probes and scrapes: few connections, GETs only, no bodies.
    TransportLimits h;
    h.max_workers = 4;
    h.max_queued = 16;
    h.idle_timeout_ms = 5000;
    h.read_timeout_ms = std::min(limits.read_timeout_ms, 5000);
    h.write_timeout_ms = std::min(limits.write_timeout_ms, 5000);
    health_ = std::make_unique<Transport>(nullptr, h);
  }
  routes();
}

WebhookServer::~WebhookServer() = default;

bool WebhookServer::bind(std::string* error) {
  if (!server_->is_valid() || (health_ && !health_->is_valid())) {
    *error = "TLS setup failed (OpenSSL refused the context settings)";
    return false;
  }
  if (!opts_.client_ca_file.empty() && !server_->require_client_certificates(opts_.client_ca_file, error)) {
    return false;
  }
  auto listen = [error](Transport& t, const std::string& host, int port, int* bound) {
    *bound = port == 0 ? t.bind_to_any_port(host) : (t.bind_to_port(host, port) ? port : -1);
    if (*bound > 0) return true;
    *error = "cannot listen on " + host + ":" + std::to_string(port) + (port == 0 ? "" : " (in use, or not allowed)");
    return false;
  };
  return listen(*server_, opts_.host, opts_.port, &port_) &&
         (!health_ || listen(*health_, opts_.health_host, opts_.health_port, &health_port_));
}

void WebhookServer::run() {
  std::thread health;
  if (health_) health = std::thread([this] { health_->run(); });
  server_->run();
  if (health.joinable()) health.join();
}

void WebhookServer::begin_drain() {
  draining_ = true;
  metrics_->set_ready(false);
}

void WebhookServer::stop() {
  server_->shutdown();
  if (health_) health_->shutdown();
}

bool WebhookServer::ready() const {
  return !draining_ && certs_->get() != nullptr && policies_->get() != nullptr &&
         (cluster_ == nullptr || cluster_->synced());
}

void WebhookServer::routes() {
  using httplib::Request;
  using httplib::Response;
  // A request is counted in at routing and out when its answer is written.
  // cpp-httplib also answers (and logs) requests it refuses before routing;
  // those were never counted in, so they must not be counted out. A
  // connection's requests are served one at a time on one thread.
  static thread_local bool counted = false;
  server_->set_pre_routing_handler([this](const Request&, Response&) {
    ++in_flight_;
    counted = true;
    return httplib::Server::HandlerResponse::Unhandled;
  });
  server_->set_logger([this](const Request&, const Response&) {
    if (counted) --in_flight_;
    counted = false;
  });
  server_->set_refusal_handler([this](const Refusal& r) {
    if (is_review_path(r.path)) metrics_->bad_request(r.path.substr(1), r.code);
    log_json(spdlog::level::warn, "request refused",
             {{"path", r.path}, {"code", r.code}, {"error", r.message}, {"remote", r.remote_addr}});
    return error_body(r.code, r.message);
  });
  server_->set_error_handler(httplib::Server::HandlerWithResponse([this](const Request& req, Response& res) {
    // Refusals by cpp-httplib itself (a request cut short); ours have a body and are counted where made.
    if (is_review_path(req.path) && res.body.empty() && res.status == 400) {
      metrics_->bad_request(req.path.substr(1), res.status);
      log_json(spdlog::level::warn, "request refused", {{"path", req.path}, {"code", res.status}});
    }
    if (!res.body.empty()) return httplib::Server::HandlerResponse::Unhandled;
    std::string msg;
    switch (res.status) {
      case 404: msg = "no such path " + req.path + " (POST /validate, POST /mutate, GET /healthz, /readyz, /metrics)"; break;
      case 400: msg = "malformed HTTP request"; break;
      case 500: msg = "internal error while handling " + req.method + " " + req.path + " (see the webhook's log)"; break;
      default: msg = "HTTP " + std::to_string(res.status);
    }
    set_json(res, error_body(res.status, msg));
    return httplib::Server::HandlerResponse::Handled;
  }));

  server_->Post("/validate", [this](const Request& req, Response& res) { handle_review(req, res, false); });
  server_->Post("/mutate", [this](const Request& req, Response& res) { handle_review(req, res, true); });
  auto not_allowed = [this](const Request& req, Response& res) {
    metrics_->bad_request(req.path.substr(1), 405);
    res.status = 405;
    res.set_header("Allow", "POST");
    set_json(res, error_body(405, req.method + " " + req.path + " is not allowed: send the AdmissionReview with POST"));
  };
  for (const char* path : {"/validate", "/mutate"}) {
    server_->Get(path, not_allowed);
    server_->Put(path, not_allowed);
    server_->Patch(path, not_allowed);
    server_->Delete(path, not_allowed);
  }
  health_routes(*server_);
  if (health_) health_routes(*health_);
}

void WebhookServer::health_routes(httplib::Server& s) {
  using httplib::Request;
  using httplib::Response;
  s.Get("/healthz", [](const Request&, Response& res) { res.set_content("ok\n", "text/plain"); });
  s.Get("/readyz", [this](const Request&, Response& res) {
    if (ready()) {
      // Still ready when the inventory is stale: cross-object denials are warnings meanwhile.
      std::string why = cluster_ != nullptr ? cluster_->incomplete_reason() : std::string();
      res.set_content(why.empty() ? "ok\n" : "ok (" + why + ")\n", "text/plain");
      return;
    }
    res.status = 503;
    std::string why = draining_ ? "draining (shutting down)"
                      : certs_->get() == nullptr ? "no serving certificate loaded"
                      : policies_->get() == nullptr ? "no policy loaded"
                                                    : cluster_->incomplete_reason();
    res.set_content("not ready: " + why + "\n", "text/plain");
  });
  s.Get("/metrics", [this](const Request&, Response& res) {
    const TransportStats& t = server_->stats();
    metrics_->set_pool(t.threads.load(), t.queued.load());
    metrics_->set_connection_totals(t.refused.load(), t.shed.load());
    metrics_->set_ready(ready());
    if (cluster_ != nullptr) cluster_->update_metrics();
    res.set_content(metrics_->render(), "text/plain; version=0.0.4; charset=utf-8");
  });
}

void WebhookServer::handle_review(const httplib::Request& req, httplib::Response& res, bool mutate) {
  const auto start = std::chrono::steady_clock::now();
  const std::string_view endpoint = mutate ? "mutate" : "validate";
  auto refuse = [&](int code, const std::string& message) {
    metrics_->bad_request(endpoint, code);
    log_json(spdlog::level::warn, "request refused",
             {{"endpoint", endpoint}, {"code", code}, {"error", message}, {"remote", req.remote_addr}});
    res.status = code;
    set_json(res, error_body(code, message));
  };
  const std::string_view ct = header_value(req, "Content-Type");
  if (!json_content_type(ct)) {
    refuse(415, "Content-Type must be application/json, got " +
                    (ct.empty() ? std::string("none") : "\"" + std::string(ct) + "\""));
    return;
  }
  // Each worker thread parses over its last review's document (see
  // ReviewScratch): a review like the last one allocates little.
  thread_local admission::ReviewScratch scratch;
  admission::Review review;
  std::string error;
  if (!admission::parse_review(req.body, &review, &error, &scratch)) {
    refuse(400, error);
    return;
  }
  std::shared_ptr<const Policy> policy = policies_->get();
  static const EmptyInventory kNoInventory;
  const std::string_view ns = review.object.ns().empty() ? std::string_view(review.ns) : review.object.ns();
  const bool evaluated = review.object.doc.is_object();
  const Context ctx = cluster_ != nullptr && evaluated
                          ? Context{*policy, cluster_->inventory_for(ns), cluster_->namespace_mode(ns)}
                          : Context{*policy, kNoInventory};
  admission::Decision d = mutate ? admission::mutate(review, ctx) : admission::validate(review, ctx);
  set_json(res, admission::response_json(review, d));

  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  metrics_->review(endpoint, kind_label(review), review.operation, d.label(), review.dry_run, seconds);
  if (!mutate) {
    for (const Finding& f : d.findings) metrics_->finding(f.rule, action_name(f.action));
  }
  if (d.mutation_failed) {
    metrics_->mutation_error();
    log_json(spdlog::level::warn, "mutation failed: allowed with no patch", {{"uid", review.uid}, {"error", d.skipped}});
  }
  if (log_enabled(spdlog::level::info)) {
    nlohmann::json rules = nlohmann::json::array();
    for (const Finding& f : d.findings) rules.push_back(f.rule);
    nlohmann::json fields = {{"endpoint", endpoint},
                             {"uid", review.uid},
                             {"kind", review.object.doc.is_object() ? std::string(review.object.kind()) : review.kind},
                             {"namespace", review.ns},
                             {"name", review.name.empty() ? std::string(review.object.name()) : review.name},
                             {"operation", review.operation},
                             {"dryRun", review.dry_run},
                             {"decision", d.label()},
                             {"rules", std::move(rules)},
                             {"latency_us", static_cast<long long>(seconds * 1e6)}};
    if (!d.skipped.empty()) fields["skipped"] = d.skipped;
    if (ctx.namespace_mode) fields["namespace_mode"] = std::string(namespace_mode_name(*ctx.namespace_mode)) + " (label)";
    // Why cross-object denials are warnings now (the warnings themselves are cut at 256 bytes).
    if (cluster_ != nullptr && evaluated && d.skipped.empty() && !ctx.inventory.complete()) {
      fields["inventory_incomplete"] = ctx.inventory.incomplete_reason();
    }
    log_json(spdlog::level::info, "admission decision", fields);
  }
  admission::recycle(&review, &scratch);
}

}  // namespace rg::webhook
