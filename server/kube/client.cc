#include "server/kube/client.h"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <sstream>

#include <arpa/inet.h>
#include <strings.h>

#include <httplib.h>
#include <openssl/bio.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

namespace rg::kube {
namespace {

std::string url_encode(std::string_view s) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char ch : s) {
    if (std::isalnum(ch) || ch == '-' || ch == '_' || ch == '.' || ch == '~') {
      out.push_back(static_cast<char>(ch));
    } else {
      out.push_back('%');
      out.push_back(hex[ch >> 4]);
      out.push_back(hex[ch & 15]);
    }
  }
  return out;
}

bool read_file(const std::string& path, std::string* out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::ostringstream ss;
  ss << in.rdbuf();
  *out = ss.str();
  return true;
}

struct X509Free { void operator()(X509* x) const { X509_free(x); } };
struct PKeyFree { void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); } };
struct StoreFree { void operator()(X509_STORE* s) const { X509_STORE_free(s); } };

std::unique_ptr<X509, X509Free> parse_cert(const std::string& pem) {
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  X509* x = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  return std::unique_ptr<X509, X509Free>(x);
}

std::unique_ptr<EVP_PKEY, PKeyFree> parse_key(const std::string& pem) {
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  EVP_PKEY* k = PEM_read_bio_PrivateKey(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  return std::unique_ptr<EVP_PKEY, PKeyFree>(k);
}

// Every certificate in a PEM bundle, as a verification store; nullptr when none parse.
std::unique_ptr<X509_STORE, StoreFree> parse_ca_bundle(const std::string& pem) {
  std::unique_ptr<X509_STORE, StoreFree> store(X509_STORE_new());
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  int n = 0;
  while (X509* x = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr)) {
    X509_STORE_add_cert(store.get(), x);
    X509_free(x);
    ++n;
  }
  BIO_free(bio);
  if (n == 0) return nullptr;
  return store;
}

// Splits "https://host:port/prefix" into its parts.
bool split_url(const std::string& url, bool* https, std::string* host, int* port, std::string* prefix) {
  size_t p = url.find("://");
  if (p == std::string::npos) return false;
  std::string scheme = url.substr(0, p);
  if (scheme != "https" && scheme != "http") return false;
  *https = scheme == "https";
  std::string rest = url.substr(p + 3);
  size_t slash = rest.find('/');
  *prefix = slash == std::string::npos ? "" : rest.substr(slash);
  while (!prefix->empty() && prefix->back() == '/') prefix->pop_back();
  std::string hostport = rest.substr(0, slash);
  *port = *https ? 443 : 80;
  if (!hostport.empty() && hostport[0] == '[') {  // [ipv6]:port
    size_t close = hostport.find(']');
    if (close == std::string::npos) return false;
    *host = hostport.substr(1, close - 1);
    if (close + 1 < hostport.size() && hostport[close + 1] == ':') *port = std::atoi(hostport.c_str() + close + 2);
  } else {
    size_t colon = hostport.rfind(':');
    *host = hostport.substr(0, colon);
    if (colon != std::string::npos) *port = std::atoi(hostport.c_str() + colon + 1);
  }
  return !host->empty() && *port > 0 && *port < 65536;
}

// localhost, 127.0.0.0/8, ::1 (and 127.0.0.0/8 mapped into IPv6): traffic
// to them never leaves the machine.
bool is_loopback(const std::string& host) {
  if (strcasecmp(host.c_str(), "localhost") == 0) return true;
  in_addr v4{};
  if (inet_pton(AF_INET, host.c_str(), &v4) == 1) return (ntohl(v4.s_addr) >> 24) == 127;
  in6_addr v6{};
  if (inet_pton(AF_INET6, host.c_str(), &v6) != 1) return false;
  return IN6_IS_ADDR_LOOPBACK(&v6) || (IN6_IS_ADDR_V4MAPPED(&v6) && v6.s6_addr[12] == 127);
}

// The part of an error response's body kept for the message.
constexpr size_t kMaxErrorBodyBytes = 64 * 1024;

const char* http_reason(int code) {
  switch (code) {
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 409: return "Conflict";
    case 410: return "Gone";
    case 415: return "Unsupported Media Type";
    case 422: return "Unprocessable Entity";
    case 429: return "Too Many Requests";
    case 500: return "Internal Server Error";
    case 503: return "Service Unavailable";
    case 504: return "Gateway Timeout";
    default: return "";
  }
}

// Retry-After in delta-seconds ("120"); an HTTP date or anything else reads
// as absent (0), as client-go reads it.
int retry_after(const std::string& header) {
  if (header.empty() || header.size() > 9 || header.find_first_not_of("0123456789") != std::string::npos) return 0;
  return std::min(std::stoi(header), ApiStatus::kMaxRetryAfterSeconds);
}

// An error from an HTTP response: the request, the status, the server's
// Status message when the body is one, and its Retry-After.
ApiStatus http_error(const std::string& what, int code, const std::string& body,
                     const std::string& retry_after_header = "") {
  std::string reason, msg;
  json j = json::parse(body, nullptr, false);
  if (j.is_object()) {
    if (auto it = j.find("reason"); it != j.end() && it->is_string()) reason = it->get<std::string>();
    if (auto it = j.find("message"); it != j.end() && it->is_string()) msg = it->get<std::string>();
  } else if (!body.empty()) {
    msg = body.substr(0, 200);
    while (!msg.empty() && (msg.back() == '\n' || msg.back() == '\r')) msg.pop_back();
  }
  std::string text = what + ": HTTP " + std::to_string(code);
  if (*http_reason(code)) text += std::string(" ") + http_reason(code);
  if (!msg.empty()) text += ": " + msg;
  const int wait = retry_after(retry_after_header);
  if (wait > 0) text += " (retry after " + std::to_string(wait) + " s)";
  return ApiStatus::Error(code, reason, text).with_retry_after(wait);
}

ApiStatus transport_error(const std::string& what, const std::string& host, httplib::Error err) {
  std::string msg = what + ": cannot reach " + host + ": " + httplib::to_string(err);
  if (err == httplib::Error::SSLConnection || err == httplib::Error::SSLServerVerification) {
    msg += " (the TLS handshake failed: rollout-guard needs TLS 1.2 or later and a server certificate that "
           "the certificate-authority trusts, for the server's name)";
  }
  return ApiStatus::Error(0, "TransportError", msg);
}

// "60 s", "250 ms": a deadline, for messages.
std::string duration_text(std::chrono::milliseconds d) {
  return d.count() % 1000 == 0 ? std::to_string(d.count() / 1000) + " s" : std::to_string(d.count()) + " ms";
}

json lease_spec_field(const json& spec, const char* key) {
  auto it = spec.find(key);
  return it == spec.end() ? json() : *it;
}

}  // namespace

std::string Resource::api_version() const {
  return group.empty() ? std::string(version) : std::string(group) + "/" + std::string(version);
}

std::string Resource::str() const {
  std::string s(plural);
  if (!group.empty()) s += "." + std::string(group);
  return s + "/" + std::string(version);
}

std::string resource_path(const Resource& r, std::string_view ns, std::string_view name) {
  std::string p = r.group.empty() ? "/api/" + std::string(r.version)
                                  : "/apis/" + std::string(r.group) + "/" + std::string(r.version);
  if (r.namespaced && !ns.empty()) p += "/namespaces/" + url_encode(ns);
  p += "/" + std::string(r.plural);
  if (!name.empty()) p += "/" + url_encode(name);
  return p;
}

ApiStatus& ApiStatus::with_retry_after(int seconds) {
  retry_after_seconds_ = std::clamp(seconds, 0, kMaxRetryAfterSeconds);
  return *this;
}

ApiStatus ApiStatus::Error(int code, std::string reason, std::string message) {
  ApiStatus s;
  s.ok_ = false;
  s.code_ = code;
  s.reason_ = std::move(reason);
  s.message_ = std::move(message);
  return s;
}

void Cancel::cancel() {
  std::lock_guard<std::mutex> lock(mu_);
  cancelled_ = true;
  if (active_) active_->stop();
}

json Lease::to_json() const {
  json spec = json::object();
  if (!holder.empty()) spec["holderIdentity"] = holder;
  if (lease_duration_seconds > 0) spec["leaseDurationSeconds"] = lease_duration_seconds;
  if (!acquire_time.empty()) spec["acquireTime"] = acquire_time;
  if (!renew_time.empty()) spec["renewTime"] = renew_time;
  spec["leaseTransitions"] = transitions;
  json meta = {{"name", name}, {"namespace", ns}};
  if (!resource_version.empty()) meta["resourceVersion"] = resource_version;
  return {{"apiVersion", "coordination.k8s.io/v1"}, {"kind", "Lease"}, {"metadata", meta}, {"spec", spec}};
}

Lease Lease::from_json(const json& j) {
  Lease l;
  if (!j.is_object()) return l;
  const json meta = j.value("metadata", json::object());
  const json spec = j.value("spec", json::object());
  if (!meta.is_object() || !spec.is_object()) return l;
  l.ns = meta.value("namespace", "");
  l.name = meta.value("name", "");
  l.resource_version = meta.value("resourceVersion", "");
  json v = lease_spec_field(spec, "holderIdentity");
  if (v.is_string()) l.holder = v.get<std::string>();
  v = lease_spec_field(spec, "leaseDurationSeconds");
  if (v.is_number_integer()) l.lease_duration_seconds = v.get<int>();
  v = lease_spec_field(spec, "acquireTime");
  if (v.is_string()) l.acquire_time = v.get<std::string>();
  v = lease_spec_field(spec, "renewTime");
  if (v.is_string()) l.renew_time = v.get<std::string>();
  v = lease_spec_field(spec, "leaseTransitions");
  if (v.is_number_integer()) l.transitions = v.get<int>();
  return l;
}

Client::Client(Config config) : config_(std::move(config)) {}
Client::~Client() = default;

rg::Status Client::Create(const Config& config, std::unique_ptr<Client>* out) {
  bool https = false;
  std::string host, prefix;
  int port = 0;
  if (!split_url(config.server, &https, &host, &port, &prefix)) {
    return rg::Status::Error(config.source + ": server \"" + config.server + "\" is not an http(s)://host[:port] URL");
  }
  Config c = config;
  // Read file-based TLS material now, so a bad path fails at start with its name.
  if (!c.ca_file.empty() && c.ca_pem.empty() && !read_file(c.ca_file, &c.ca_pem)) {
    return rg::Status::Error(c.source + ": certificate-authority " + c.ca_file + ": cannot read file");
  }
  if (!c.client_cert_file.empty() && c.client_cert_pem.empty() && !read_file(c.client_cert_file, &c.client_cert_pem)) {
    return rg::Status::Error(c.source + ": client-certificate " + c.client_cert_file + ": cannot read file");
  }
  if (!c.client_key_file.empty() && c.client_key_pem.empty() && !read_file(c.client_key_file, &c.client_key_pem)) {
    return rg::Status::Error(c.source + ": client-key " + c.client_key_file + ": cannot read file");
  }
  if (!c.ca_pem.empty() && !parse_ca_bundle(c.ca_pem)) {
    return rg::Status::Error(c.source + ": certificate-authority: no PEM certificate found");
  }
  if (!c.client_cert_pem.empty() && !parse_cert(c.client_cert_pem)) {
    return rg::Status::Error(c.source + ": client-certificate: not a PEM certificate");
  }
  if (!c.client_key_pem.empty() && !parse_key(c.client_key_pem)) {
    return rg::Status::Error(c.source + ": client-key: not a PEM private key");
  }
  if (!https && (!c.client_cert_pem.empty())) {
    return rg::Status::Error(c.source + ": a client certificate needs an https:// server, not " + c.server);
  }
  if (!https && (!c.token.empty() || c.token_file) && !is_loopback(host)) {
    // kubectl would send it; a bearer token in clear text is anyone's on the path.
    const std::string server_field = c.server_field.empty() ? c.source + ": server" : c.server_field;
    const std::string token_field = c.token_field.empty() ? c.source + ": token" : c.token_field;
    return rg::Status::Error(server_field + " \"" + c.server + "\" is plain http:// and " + token_field +
                             " is set: the token would be sent in clear text. Use an https:// server (a token "
                             "goes over http:// only to localhost, 127.0.0.0/8 or ::1)");
  }
  std::unique_ptr<Client> cl(new Client(std::move(c)));
  cl->https_ = https;
  cl->host_ = host;
  cl->port_ = port;
  cl->prefix_ = prefix;
  cl->conn_ = cl->connect(60);
  if (!cl->conn_ || !cl->conn_->is_valid()) {
    return rg::Status::Error(config.source + ": cannot set up a connection to " + config.server);
  }
  *out = std::move(cl);
  return rg::Status::Ok();
}

std::unique_ptr<httplib::ClientImpl> Client::connect(int read_timeout_seconds) const {
  std::unique_ptr<httplib::ClientImpl> c;
  if (https_) {
    std::unique_ptr<httplib::SSLClient> ssl;
    if (!config_.client_cert_pem.empty()) {
      auto cert = parse_cert(config_.client_cert_pem);
      auto key = parse_key(config_.client_key_pem);
      ssl = std::make_unique<httplib::SSLClient>(host_, port_, cert.get(), key.get());
    } else {
      ssl = std::make_unique<httplib::SSLClient>(host_, port_);
    }
    // TLS 1.2 or later, as the API server itself requires by default.
    if (SSL_CTX_set_min_proto_version(ssl->ssl_context(), TLS1_2_VERSION) != 1) return nullptr;
    if (config_.insecure_skip_tls_verify) {
      ssl->enable_server_certificate_verification(false);
    } else {
      ssl->enable_server_certificate_verification(true);
      if (!config_.ca_pem.empty()) ssl->set_ca_cert_store(parse_ca_bundle(config_.ca_pem).release());
    }
    c = std::move(ssl);
  } else {
    c = std::make_unique<httplib::ClientImpl>(host_, port_);
  }
  c->set_connection_timeout(10, 0);
  c->set_read_timeout(read_timeout_seconds, 0);
  c->set_write_timeout(30, 0);
  c->set_keep_alive(true);
  return c;
}

namespace {
httplib::Headers base_headers(const Config& config) {
  httplib::Headers h{{"Accept", "application/json"}, {"User-Agent", "rollout-guard/0.1.0"}};
  std::string token = config.bearer_token();
  if (!token.empty()) h.emplace("Authorization", "Bearer " + token);
  return h;
}
}  // namespace

ApiStatus Client::request(const char* method, const std::string& path, const std::string& body,
                          const std::string& content_type, json* out) {
  std::string what = std::string(method) + " " + path;
  std::string full = prefix_ + path;
  httplib::Headers headers = base_headers(config_);
  httplib::Result res{nullptr, httplib::Error::Unknown};
  {
    std::lock_guard<std::mutex> lock(mu_);
    std::string m = method;
    if (m == "GET") res = conn_->Get(full, headers);
    else if (m == "POST") res = conn_->Post(full, headers, body, content_type);
    else if (m == "PUT") res = conn_->Put(full, headers, body, content_type);
    else if (m == "PATCH") res = conn_->Patch(full, headers, body, content_type);
    else if (m == "DELETE") res = conn_->Delete(full, headers);
  }
  if (!res) return transport_error(what, config_.server, res.error());
  if (res->status < 200 || res->status >= 300)
    return http_error(what, res->status, res->body, res->get_header_value("Retry-After"));
  if (out) {
    *out = json::parse(res->body, nullptr, false);
    if (out->is_discarded()) {
      return ApiStatus::Error(res->status, "InvalidResponse", what + ": the response is not JSON");
    }
  }
  return ApiStatus::Ok(res->status);
}

ApiStatus Client::get(const Resource& r, std::string_view ns, std::string_view name, json* out) {
  json body;
  ApiStatus s = request("GET", resource_path(r, ns, name), "", "", &body);
  if (s.ok() && out) *out = std::move(body);
  return s;
}

ApiStatus Client::get_bounded(const std::string& path, size_t max_bytes, std::chrono::milliseconds deadline,
                              std::string* body, bool* too_big) {
  const std::string what = "GET " + path;
  body->clear();
  *too_big = false;
  const auto give_up_at = std::chrono::steady_clock::now() + deadline;
  bool late = false;
  int status = 0;
  std::string retry_after_header;
  httplib::Result res{nullptr, httplib::Error::Unknown};
  {
    std::lock_guard<std::mutex> lock(mu_);
    res = conn_->Get(
        prefix_ + path, base_headers(config_),
        [&](const httplib::Response& resp) {
          status = resp.status;
          retry_after_header = resp.get_header_value("Retry-After");
          return true;
        },
        [&](const char* data, size_t n) {
          if (status < 200 || status >= 300) {  // an error Status: its start is enough
            body->append(data, std::min(n, kMaxErrorBodyBytes - std::min(kMaxErrorBodyBytes, body->size())));
            return true;
          }
          if (n > max_bytes - body->size()) {
            *too_big = true;
            return false;
          }
          body->append(data, n);
          if (std::chrono::steady_clock::now() > give_up_at) {
            late = true;
            return false;
          }
          return true;
        });
  }
  if (*too_big) return ApiStatus::Error(status, "TooLarge", what + ": the body is larger than " + bytes_text(max_bytes));
  if (status != 0 && (status < 200 || status >= 300)) return http_error(what, status, *body, retry_after_header);
  if (late) {
    return ApiStatus::Error(0, "Timeout",
                            what + ": the response from " + config_.server + " did not arrive whole within " +
                                duration_text(deadline) + " (" + std::to_string(body->size()) +
                                " bytes received); abandoned");
  }
  if (!res && status != 0) {
    return ApiStatus::Error(0, "TransportError",
                            what + ": the response from " + config_.server + " broke after " +
                                std::to_string(body->size()) + " bytes of its body (" +
                                httplib::to_string(res.error()) + ")");
  }
  if (!res) return transport_error(what, config_.server, res.error());
  return ApiStatus::Ok(status);
}

ApiStatus Client::list_each(const Resource& r, std::string_view ns, const ListOptions& opts,
                            const std::function<void(json&& item)>& on_item, ListInfo* info) {
  ListInfo result;
  result.limit = std::max(1, opts.limit);
  std::string cont;
  bool restarted = false;
  for (;;) {
    std::string path = resource_path(r, ns);
    path += "?limit=" + std::to_string(result.limit);
    if (!cont.empty()) path += "&continue=" + url_encode(cont);
    std::string body;
    bool too_big = false;
    ApiStatus s = get_bounded(path, opts.max_page_bytes, opts.page_deadline, &body, &too_big);
    if (too_big && result.limit > 1) {  // the same page again, in smaller pieces
      result.limit = std::max(1, result.limit / 2);
      continue;
    }
    if (too_big) {
      return ApiStatus::Error(s.code(), "TooLarge",
                              "LIST " + r.str() + (ns.empty() ? "" : " in namespace " + std::string(ns)) +
                                  ": a page of one object (limit=1) is larger than the " +
                                  bytes_text(opts.max_page_bytes) + " bound on a page's body (GET " + path + ")");
    }
    if (!s.ok()) {
      if (s.gone() && !cont.empty() && !restarted) {  // the continue token expired: start over, once
        restarted = true;
        const int limit = result.limit;
        result = ListInfo();
        result.limit = limit;
        cont.clear();
        if (opts.on_restart) opts.on_restart();
        continue;
      }
      return s;
    }
    ++result.pages;
    result.largest_page_bytes = std::max(result.largest_page_bytes, body.size());
    json page = json::parse(body, nullptr, false);
    std::string().swap(body);  // the text is no longer needed
    if (!page.is_object()) {
      return ApiStatus::Error(200, "InvalidResponse", "GET " + path + ": the list is not an object");
    }
    if (auto it = page.find("items"); it != page.end() && it->is_array()) {
      for (json& item : *it) {
        if (!item.is_object()) continue;
        // A real API server leaves apiVersion/kind out of list items.
        if (!item.contains("apiVersion")) item["apiVersion"] = r.api_version();
        if (!item.contains("kind")) item["kind"] = std::string(r.kind);
        on_item(std::move(item));
        item = nullptr;  // free it now, not with the page (the handler may have copied it)
      }
    }
    const json& meta = page.value("metadata", json::object());
    result.resource_version = meta.is_object() ? meta.value("resourceVersion", "") : "";
    cont = meta.is_object() ? meta.value("continue", "") : "";
    if (cont.empty()) break;
  }
  if (info) *info = std::move(result);
  return ApiStatus::Ok();
}

ApiStatus Client::list(const Resource& r, std::string_view ns, ListResult* out, int limit) {
  ListResult result;
  ListOptions opts;
  opts.limit = limit;
  opts.on_restart = [&] { result.items.clear(); };
  ListInfo info;
  ApiStatus s = list_each(r, ns, opts, [&](json&& item) { result.items.push_back(std::move(item)); }, &info);
  if (!s.ok()) return s;
  result.resource_version = std::move(info.resource_version);
  result.pages = info.pages;
  *out = std::move(result);
  return ApiStatus::Ok();
}

ApiStatus Client::watch(const Resource& r, std::string_view ns, const WatchOptions& opts,
                        const std::function<bool(const WatchEvent&)>& on_event, Cancel* cancel) {
  std::string path = resource_path(r, ns) + "?watch=1";
  if (!opts.resource_version.empty()) path += "&resourceVersion=" + url_encode(opts.resource_version);
  if (opts.allow_bookmarks) path += "&allowWatchBookmarks=true";
  if (opts.timeout_seconds > 0) path += "&timeoutSeconds=" + std::to_string(opts.timeout_seconds);
  std::string what = "WATCH " + path;

  // Its own connection; the read timeout outlasts the server's timeoutSeconds.
  auto conn = connect(opts.timeout_seconds > 0 ? opts.timeout_seconds + 30 : 330);
  if (!conn) return ApiStatus::Error(0, "TransportError", what + ": cannot set up a connection to " + config_.server);
  if (cancel) {
    std::lock_guard<std::mutex> lock(cancel->mu_);
    if (cancel->cancelled()) return ApiStatus::Ok();
    cancel->active_ = conn.get();
  }
  struct Unregister {
    Cancel* c;
    ~Unregister() {
      if (!c) return;
      std::lock_guard<std::mutex> lock(c->mu_);
      c->active_ = nullptr;
    }
  } unregister{cancel};

  int status = 0;
  std::string error_body, retry_after_header;
  WatchStreamDecoder decoder(opts.max_event_bytes);
  bool stopped_by_callback = false;
  auto res = conn->Get(
      prefix_ + path, base_headers(config_),
      [&](const httplib::Response& resp) {
        status = resp.status;
        retry_after_header = resp.get_header_value("Retry-After");
        return true;
      },
      [&](const char* data, size_t n) {
        if (cancel && cancel->cancelled()) return false;
        if (status != 200) {
          if (error_body.size() < kMaxErrorBodyBytes) error_body.append(data, n);
          return true;
        }
        decoder.feed(std::string_view(data, n));
        WatchEvent ev;
        while (decoder.next(&ev)) {
          if (!on_event(ev)) {
            stopped_by_callback = true;
            return false;
          }
        }
        return !decoder.failed();
      });
  if (cancel && cancel->cancelled()) return ApiStatus::Ok();
  if (stopped_by_callback) return ApiStatus::Ok();
  if (decoder.failed()) {
    const bool too_large = decoder.error().kind == WatchStreamError::Kind::kTooLarge;
    return ApiStatus::Error(200, too_large ? "TooLarge" : "InvalidResponse", what + ": " + decoder.error().message);
  }
  if (status != 0 && status != 200) return http_error(what, status, error_body, retry_after_header);
  if (!res && status == 200) {
    // The stream broke (no final chunk): the caller resumes from the last
    // event it was given; a partly received event was not given.
    std::string msg = what + ": the stream from " + config_.server + " broke after " +
                      std::to_string(decoder.events()) + (decoder.events() == 1 ? " event" : " events") + " (" +
                      httplib::to_string(res.error()) + ")";
    if (decoder.pending_bytes() > 0) {
      msg += "; the first " + std::to_string(decoder.pending_bytes()) + " bytes of the next event were dropped";
    }
    return ApiStatus::Error(0, "TransportError", msg);
  }
  if (!res) return transport_error(what, config_.server, res.error());
  // decoder.pending_bytes() > 0 here is a final event cut off by the end of
  // the stream: dropped (see watch() in client.h).
  return ApiStatus::Ok();
}

ApiStatus Client::apply(const Resource& r, std::string_view ns, const json& obj, bool force, json* out,
                        std::string_view field_manager) {
  std::string name = obj.is_object() && obj.contains("metadata") && obj["metadata"].is_object()
                         ? obj["metadata"].value("name", "")
                         : "";
  if (name.empty()) return ApiStatus::Error(0, "Invalid", "apply " + r.str() + ": the object has no metadata.name");
  std::string path = resource_path(r, ns, name) + "?fieldManager=" + url_encode(field_manager);
  if (force) path += "&force=true";
  // JSON is YAML: the API server accepts a JSON body as an apply patch.
  return request("PATCH", path, obj.dump(), "application/apply-patch+yaml", out);
}

ApiStatus Client::create(const Resource& r, std::string_view ns, const json& obj, json* out) {
  return request("POST", resource_path(r, ns), obj.dump(), "application/json", out);
}

ApiStatus Client::replace(const Resource& r, std::string_view ns, const json& obj, json* out) {
  std::string name = obj.is_object() && obj.contains("metadata") && obj["metadata"].is_object()
                         ? obj["metadata"].value("name", "")
                         : "";
  if (name.empty()) return ApiStatus::Error(0, "Invalid", "PUT " + r.str() + ": the object has no metadata.name");
  return request("PUT", resource_path(r, ns, name), obj.dump(), "application/json", out);
}

ApiStatus Client::remove(const Resource& r, std::string_view ns, std::string_view name) {
  return request("DELETE", resource_path(r, ns, name), "", "", nullptr);
}

ApiStatus Client::create_event(std::string_view ns, const EventRecord& ev) {
  std::string obj_name = ev.regarding.is_object() ? ev.regarding.value("name", "object") : "object";
  char suffix[32];
  auto nanos = std::chrono::system_clock::now().time_since_epoch().count();
  std::snprintf(suffix, sizeof suffix, ".%llx", static_cast<unsigned long long>(nanos));
  json body = {
      {"apiVersion", "events.k8s.io/v1"},
      {"kind", "Event"},
      {"metadata", {{"name", obj_name + suffix}, {"namespace", ns}}},
      {"eventTime", micro_time_now()},
      {"reportingController", ev.reporting_controller},
      {"reportingInstance", ev.reporting_instance.empty() ? ev.reporting_controller : ev.reporting_instance},
      {"action", ev.action},
      {"reason", ev.reason},
      {"regarding", ev.regarding},
      {"note", ev.note.size() > 1024 ? ev.note.substr(0, 1021) + "..." : ev.note},
      {"type", ev.type},
  };
  return create(resources::kEvents, ns, body, nullptr);
}

ApiStatus Client::get_lease(std::string_view ns, std::string_view name, Lease* out) {
  json j;
  ApiStatus s = get(resources::kLeases, ns, name, &j);
  if (s.ok() && out) *out = Lease::from_json(j);
  return s;
}

ApiStatus Client::create_lease(const Lease& lease, Lease* out) {
  Lease l = lease;
  l.resource_version.clear();
  json j;
  ApiStatus s = create(resources::kLeases, l.ns, l.to_json(), &j);
  if (s.ok() && out) *out = Lease::from_json(j);
  return s;
}

ApiStatus Client::update_lease(const Lease& lease, Lease* out) {
  json j;
  ApiStatus s = replace(resources::kLeases, lease.ns, lease.to_json(), &j);
  if (s.ok() && out) *out = Lease::from_json(j);
  return s;
}

std::string micro_time_now() {
  auto now = std::chrono::system_clock::now();
  std::time_t t = std::chrono::system_clock::to_time_t(now);
  auto us = std::chrono::duration_cast<std::chrono::microseconds>(now.time_since_epoch()).count() % 1000000;
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[96];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%06lldZ", tm.tm_year + 1900, tm.tm_mon + 1,
                tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<long long>(us));
  return buf;
}

}  // namespace rg::kube
