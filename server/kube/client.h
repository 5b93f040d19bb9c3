// A small Kubernetes API client: the requests rollout-guard makes and no more.
//
// GET, LIST (paged with limit/continue), WATCH (a chunked stream of JSON
// lines), server-side apply, create/replace, Events and Leases. Every call
// returns an ApiStatus, never throws; an error names the request
// ("GET /apis/apps/v1/namespaces/x/deployments/y") and carries the HTTP status
// and the API server's Status message.
//
// Thread safety: every method may be called from any thread. Plain requests
// share one connection (serialised); each watch opens its own connection so a
// long stream never blocks other requests.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "policy/status.h"
#include "server/kube/config.h"
#include "server/kube/watch_stream.h"

namespace httplib {
class ClientImpl;
}

namespace rg::kube {

using json = nlohmann::json;

// One API resource (group/version/plural) and the kind it serves.
struct Resource {
  std::string_view group;    // "" for the core group
  std::string_view version;  // "v1", "v1alpha1"
  std::string_view plural;   // "rollouts"
  std::string_view kind;     // "Rollout"
  bool namespaced = true;
  std::string api_version() const;  // "argoproj.io/v1alpha1", "v1"
  std::string str() const;          // "rollouts.argoproj.io/v1alpha1", for messages
};

namespace resources {
inline constexpr Resource kRollouts{"argoproj.io", "v1alpha1", "rollouts", "Rollout", true};
inline constexpr Resource kAnalysisTemplates{"argoproj.io", "v1alpha1", "analysistemplates", "AnalysisTemplate", true};
inline constexpr Resource kClusterAnalysisTemplates{"argoproj.io", "v1alpha1", "clusteranalysistemplates",
                                                    "ClusterAnalysisTemplate", false};
inline constexpr Resource kDeployments{"apps", "v1", "deployments", "Deployment", true};
inline constexpr Resource kHorizontalPodAutoscalers{"autoscaling", "v2", "horizontalpodautoscalers",
                                                    "HorizontalPodAutoscaler", true};
inline constexpr Resource kScaledObjects{"keda.sh", "v1alpha1", "scaledobjects", "ScaledObject", true};
inline constexpr Resource kNamespaces{"", "v1", "namespaces", "Namespace", false};
inline constexpr Resource kLeases{"coordination.k8s.io", "v1", "leases", "Lease", true};
inline constexpr Resource kEvents{"events.k8s.io", "v1", "events", "Event", true};
inline constexpr Resource kSecrets{"", "v1", "secrets", "Secret", true};
inline constexpr Resource kValidatingWebhookConfigurations{"admissionregistration.k8s.io", "v1",
                                                           "validatingwebhookconfigurations",
                                                           "ValidatingWebhookConfiguration", false};
inline constexpr Resource kMutatingWebhookConfigurations{"admissionregistration.k8s.io", "v1",
                                                         "mutatingwebhookconfigurations",
                                                         "MutatingWebhookConfiguration", false};
}  // namespace resources

// The URL path of a collection (name "") or of one object. `ns` is ignored
// for cluster-scoped resources; "" lists across all namespaces.
std::string resource_path(const Resource& r, std::string_view ns, std::string_view name = "");

// The result of one request.
class ApiStatus {
 public:
  ApiStatus() = default;
  static ApiStatus Ok(int code = 200) { ApiStatus s; s.code_ = code; return s; }
  // `code` is the HTTP status, 0 for a transport error (connect, TLS, timeout).
  static ApiStatus Error(int code, std::string reason, std::string message);
  bool ok() const { return ok_; }
  int code() const { return code_; }
  const std::string& reason() const { return reason_; }    // "NotFound", "Conflict", "Expired", ...
  const std::string& message() const { return message_; }  // full: request, status, server message
  bool not_found() const { return !ok_ && code_ == 404; }
  bool conflict() const { return !ok_ && code_ == 409; }
  bool gone() const { return !ok_ && code_ == 410; }
  // The server's Retry-After (429, 503) in seconds, 0 when it sent none; at
  // most kMaxRetryAfterSeconds, whatever it sent.
  int retry_after_seconds() const { return retry_after_seconds_; }
  ApiStatus& with_retry_after(int seconds);
  static constexpr int kMaxRetryAfterSeconds = 600;
  rg::Status status() const { return ok_ ? rg::Status::Ok() : rg::Status::Error(message_); }

 private:
  bool ok_ = true;
  int code_ = 0;
  int retry_after_seconds_ = 0;
  std::string reason_, message_;
};

struct ListResult {
  std::vector<json> items;       // each with apiVersion and kind filled in
  std::string resource_version;  // of the list: where a watch starts
  int pages = 0;
};

// The bound on one LIST page's body (and one watch event's line) unless told
// otherwise: far above what an API server sends for one object (etcd stores
// at most 1.5 MiB by default), and a small part of the memory the webhook and
// the reconciler are given.
inline constexpr size_t kDefaultMaxPageBytes = size_t{16} << 20;

struct ListOptions {
  int limit = 500;  // objects per page (the first; see max_page_bytes)
  // A page whose body is larger is abandoned unread and asked for again with
  // half the limit (kept for the rest of the list), down to one object; one
  // object larger than this is an error naming the resource and the bound.
  size_t max_page_bytes = kDefaultMaxPageBytes;
  // A page whose body has not arrived whole this long after it was asked for
  // is abandoned: an error (reason "Timeout") the caller retries. Plain
  // requests share one connection, so a server dripping a page would
  // otherwise hold every other request (Lease renewals, reports) behind it.
  std::chrono::milliseconds page_deadline{60'000};
  // A 410 on a continue token restarts the list once: called before the
  // items are delivered again from the first.
  std::function<void()> on_restart;
};

// What list_each saw, besides the items.
struct ListInfo {
  std::string resource_version;  // of the list: where a watch starts
  int pages = 0;
  int limit = 0;                   // the limit of the last page
  size_t largest_page_bytes = 0;   // the largest page body read
};

struct WatchOptions {
  std::string resource_version;  // "" = from now (after a synthetic ADDED of everything: avoid)
  int timeout_seconds = 300;     // the server ends the stream after this
  bool allow_bookmarks = true;
  size_t max_event_bytes = kDefaultMaxPageBytes;  // a longer event line ends the watch with an error
};

// Cancels a running watch from another thread (shutdown). One Cancel may be
// reused for consecutive watches; once cancelled it stays cancelled.
class Cancel {
 public:
  void cancel();
  bool cancelled() const { return cancelled_.load(); }

 private:
  friend class Client;
  std::mutex mu_;
  std::atomic<bool> cancelled_{false};
  httplib::ClientImpl* active_ = nullptr;
};

// A coordination.k8s.io/v1 Lease's spec, as leader election reads it.
struct Lease {
  std::string ns, name;
  std::string holder;             // spec.holderIdentity
  int lease_duration_seconds = 0;
  std::string acquire_time;       // RFC 3339 with microseconds
  std::string renew_time;
  int transitions = 0;            // spec.leaseTransitions
  std::string resource_version;   // for optimistic concurrency
  json to_json() const;
  static Lease from_json(const json& j);
};

// An events.k8s.io/v1 Event about one object.
struct EventRecord {
  json regarding;        // {apiVersion, kind, namespace, name, uid}
  std::string type;      // "Normal" | "Warning"
  std::string reason;    // CamelCase: "PolicyViolation"
  std::string action;    // "Audit"
  std::string note;      // human text, <= 1 KB
  std::string reporting_controller = "rollout-guard.io/reconciler";
  std::string reporting_instance;
};

class Client {
 public:
  // Builds a client; errors when TLS material cannot be read or parsed.
  static rg::Status Create(const Config& config, std::unique_ptr<Client>* out);
  ~Client();

  ApiStatus get(const Resource& r, std::string_view ns, std::string_view name, json* out);
  // Lists every page (`limit` objects per request) and hands each object
  // (apiVersion and kind filled in) to `on_item` as its page arrives; the
  // page's text and parse are dropped before the next page is asked for, so
  // only one page is held at a time. See ListOptions for the page bound and
  // the restart after a 410 on a continue token (the list expired).
  ApiStatus list_each(const Resource& r, std::string_view ns, const ListOptions& opts,
                      const std::function<void(json&& item)>& on_item, ListInfo* info = nullptr);
  // The same, returning every object at once (for small lists).
  ApiStatus list(const Resource& r, std::string_view ns, ListResult* out, int limit = 500);
  // Streams events to `on_event` until the server ends the stream (Ok), the
  // callback returns false (Ok), `cancel` fires (Ok) or an error. An HTTP
  // error (410 when the version is too old) is returned as its status; ERROR
  // events inside the stream are passed to the callback. The body is decoded
  // by WatchStreamDecoder (watch_stream.h): only well-formed events of the
  // five types reach the callback; the first line that is not one ends the
  // watch with an error, reason "TooLarge" for a line over max_event_bytes,
  // "InvalidResponse" otherwise. A final line cut before its newline is
  // dropped: the event was not delivered, so a watch from the last version
  // seen gets it again. The watch then ends Ok when the stream ended cleanly,
  // and with a TransportError ("the stream from ... broke after N events")
  // when the connection dropped inside the body.
  ApiStatus watch(const Resource& r, std::string_view ns, const WatchOptions& opts,
                  const std::function<bool(const WatchEvent&)>& on_event, Cancel* cancel = nullptr);
  // Server-side apply of `obj` (which must carry apiVersion, kind, metadata.name).
  ApiStatus apply(const Resource& r, std::string_view ns, const json& obj, bool force, json* out = nullptr,
                  std::string_view field_manager = "rollout-guard");
  ApiStatus create(const Resource& r, std::string_view ns, const json& obj, json* out = nullptr);
  // PUT; `obj.metadata.resourceVersion` makes it conditional (409 when stale).
  ApiStatus replace(const Resource& r, std::string_view ns, const json& obj, json* out = nullptr);
  ApiStatus remove(const Resource& r, std::string_view ns, std::string_view name);

  ApiStatus create_event(std::string_view ns, const EventRecord& ev);

  ApiStatus get_lease(std::string_view ns, std::string_view name, Lease* out);
  ApiStatus create_lease(const Lease& lease, Lease* out);
  // Conditional on lease.resource_version: conflict() when someone else wrote first.
  ApiStatus update_lease(const Lease& lease, Lease* out);

  const Config& config() const { return config_; }

 private:
  explicit Client(Config config);
  std::unique_ptr<httplib::ClientImpl> connect(int read_timeout_seconds) const;
  ApiStatus request(const char* method, const std::string& path, const std::string& body,
                    const std::string& content_type, json* out);
  // A GET whose body is read into *body up to max_bytes; a longer body is
  // abandoned unread and *too_big set (the status is then an error).
  ApiStatus get_bounded(const std::string& path, size_t max_bytes, std::chrono::milliseconds deadline,
                        std::string* body, bool* too_big);

  Config config_;
  std::string host_;
  int port_ = 0;
  std::string prefix_;  // path prefix of the server URL ("" usually)
  bool https_ = false;
  std::mutex mu_;     // guards conn_
  std::unique_ptr<httplib::ClientImpl> conn_;
};

// Now as RFC 3339 with microseconds ("2026-11-24T01:24:56.123456Z"), as
// MicroTime fields (Lease, Event) need.
std::string micro_time_now();

}  // namespace rg::kube
