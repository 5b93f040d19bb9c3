// An in-test Kubernetes API server (cpp-httplib, 127.0.0.1, a random port)
// implementing exactly what server/kube relies on:
// - bearer token authentication (401 with a Status otherwise);
// - resources registered with serve(); anything else is 404 (CRD not installed);
// - GET one object; LIST with limit/continue paging and a list resourceVersion;
//   every page of a list comes from one snapshot, taken at its first page, as
//   a real server's do; a continue token older than the compaction point is
//   410 Expired;
// - WATCH (?watch=1) as a chunked stream of JSON lines: ADDED, MODIFIED,
//   DELETED, BOOKMARK (only with allowWatchBookmarks=true), ERROR 410 when
//   the requested resourceVersion is older than the compaction point (or an
//   HTTP 410 when http_gone_on_watch is set); streams end after
//   timeoutSeconds or when end_watches() is called;
// - POST (409 AlreadyExists), PUT (409 Conflict on a stale
//   metadata.resourceVersion), server-side apply PATCH (stores the object),
//   DELETE;
// - fail_next(): the next N requests matching a method fail with a status;
// - break_continue_pages(): the next continue pages of lists are cut off
//   halfway or dripped slowly;
// - cut_watches(): the open watches of a resource send half of their next
//   event and drop the connection (no final chunk), as a proxy or a dying
//   apiserver does; unauthorized() counts the requests refused with 401;
// - objects() and applies() for assertions (reports, events, SSA writes).
// Header-only so the test binary needs no extra sources.
#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include "server/kube/client.h"

namespace rg::test {

class FakeApiServer {
 public:
  using json = nlohmann::json;

  explicit FakeApiServer(std::string token = "test-token") : token_(std::move(token)) {
    svr_.new_task_queue = [] { return new httplib::ThreadPool(48); };
    auto handler = [this](const httplib::Request& req, httplib::Response& res) { handle(req, res); };
    svr_.Get(".*", handler);
    svr_.Post(".*", handler);
    svr_.Put(".*", handler);
    svr_.Patch(".*", handler);
    svr_.Delete(".*", handler);
    port_ = svr_.bind_to_any_port("127.0.0.1");
    // Wake the accept loop every 50 ms so a stop() that races with it is seen.
    svr_.set_idle_interval(0, 50'000);
    thread_ = std::thread([this] {
      svr_.listen_after_bind();
      listening_ = false;
    });
  }

  ~FakeApiServer() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stopping_ = true;
    }
    cv_.notify_all();
    // Server::stop() is a no-op until the accept loop has started: repeat it.
    while (listening_) {
      svr_.stop();
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    if (thread_.joinable()) thread_.join();
  }

  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  int port() const { return port_; }
  void set_token(std::string t) {
    std::lock_guard<std::mutex> lock(mu_);
    token_ = std::move(t);
  }

  // Serves a resource (its CRD is "installed").
  void serve(const kube::Resource& r) {
    std::lock_guard<std::mutex> lock(mu_);
    auto& rs = resources_[prefix(r)];
    rs.group = std::string(r.group);
    rs.version = std::string(r.version);
    rs.plural = std::string(r.plural);
    rs.kind = std::string(r.kind);
    rs.namespaced = r.namespaced;
  }

  // Creates or replaces an object, as a controller would; emits ADDED/MODIFIED.
  // Returns the new resourceVersion.
  std::string put(const kube::Resource& r, json obj) {
    std::lock_guard<std::mutex> lock(mu_);
    return store(resources_.at(prefix(r)), std::move(obj));
  }

  // Deletes an object; emits DELETED. False when absent.
  bool del(const kube::Resource& r, const std::string& ns, const std::string& name) {
    std::lock_guard<std::mutex> lock(mu_);
    return remove_locked(resources_.at(prefix(r)), ns, name);
  }

  std::optional<json> object(const kube::Resource& r, const std::string& ns, const std::string& name) {
    std::lock_guard<std::mutex> lock(mu_);
    auto& rs = resources_.at(prefix(r));
    auto it = rs.objects.find(key(rs, ns, name));
    if (it == rs.objects.end()) return std::nullopt;
    return it->second;
  }

  // Sends a BOOKMARK at the current resourceVersion to every open watch of r.
  void bookmark(const kube::Resource& r) {
    std::lock_guard<std::mutex> lock(mu_);
    auto& rs = resources_.at(prefix(r));
    rs.log.push_back({rv_, "BOOKMARK",
                      {{"apiVersion", rs.api_version()}, {"kind", rs.kind},
                       {"metadata", {{"resourceVersion", std::to_string(rv_)}}}}});
    cv_.notify_all();
  }

  // Forgets history: versions older than the current one are "too old" (410).
  void compact() {
    std::lock_guard<std::mutex> lock(mu_);
    compacted_ = rv_;
    for (auto& [prefix, rs] : resources_) rs.snapshots.erase(rs.snapshots.begin(), rs.snapshots.lower_bound(rv_));
  }
  // Ends every open watch stream normally.
  void end_watches() {
    std::lock_guard<std::mutex> lock(mu_);
    ++watch_generation_;
    cv_.notify_all();
  }
  // The next `n` requests with `method` ("GET" for list/get, "WATCH") fail
  // with `status`, and a Retry-After header when `retry_after` is not empty.
  void fail_next(const std::string& method, int n, int status, const std::string& retry_after = "") {
    std::lock_guard<std::mutex> lock(mu_);
    fail_method_ = method;
    fail_count_ = n;
    fail_status_ = status;
    fail_retry_after_ = retry_after;
  }
  // Every open watch of r sends the first half of its next event's line and
  // then drops the connection. Watches opened afterwards are not cut.
  void cut_watches(const kube::Resource& r) {
    std::lock_guard<std::mutex> lock(mu_);
    ++resources_.at(prefix(r)).cut_generation;
  }
  // What break_continue_pages() does to a page.
  enum class PageFault {
    kCut,    // the first half of the body, then the connection drops
    kDrip,   // the body in 64-byte pieces, one every `every`
  };
  // The next continue pages (the second and later pages of a list, so the
  // client has handed out objects before the fault) suffer these faults, one
  // page each, in order.
  void break_continue_pages(std::vector<PageFault> faults,
                            std::chrono::milliseconds every = std::chrono::milliseconds(20)) {
    std::lock_guard<std::mutex> lock(mu_);
    page_faults_ = std::move(faults);
    drip_every_ = every;
  }
  // Requests refused with 401 (a token that is not the current one).
  int unauthorized() {
    std::lock_guard<std::mutex> lock(mu_);
    return unauthorized_;
  }
  // When each request arrived, in order ("GET", "WATCH", "PUT", ...), for backoff tests.
  std::vector<std::pair<std::string, std::chrono::steady_clock::time_point>> arrivals() {
    std::lock_guard<std::mutex> lock(mu_);
    return arrivals_;
  }
  void set_http_gone_on_watch(bool on) { http_gone_on_watch_ = on; }

  int lists(const kube::Resource& r) { return counter(r, &Res::lists); }
  int list_pages(const kube::Resource& r) { return counter(r, &Res::pages); }
  int watches(const kube::Resource& r) { return counter(r, &Res::watches); }
  int open_watches() { return open_watches_.load(); }
  // Server-side apply PATCHes that reached r (stored or not).
  int applies(const kube::Resource& r) { return counter(r, &Res::applies); }
  // Every stored object of r, in key order.
  std::vector<json> objects(const kube::Resource& r) {
    std::lock_guard<std::mutex> lock(mu_);
    std::vector<json> out;
    for (const auto& [k, o] : resources_.at(prefix(r)).objects) out.push_back(o);
    return out;
  }
  // The last request's query string values, for assertions (fieldManager, force).
  std::string last_param(const std::string& key) {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = last_params_.find(key);
    return it == last_params_.end() ? "" : it->second;
  }
  std::string last_content_type() {
    std::lock_guard<std::mutex> lock(mu_);
    return last_content_type_;
  }
  long long resource_version() {
    std::lock_guard<std::mutex> lock(mu_);
    return rv_;
  }

 private:
  struct Event {
    long long rv;
    std::string type;
    json object;
  };
  struct Res {
    std::string group, version, plural, kind;
    bool namespaced = true;
    std::map<std::string, json> objects;  // "ns/name" -> object, sorted
    std::vector<Event> log;
    // The objects at each paged list's resourceVersion, for its continue pages.
    std::map<long long, std::map<std::string, json>> snapshots;
    int lists = 0, pages = 0, watches = 0, applies = 0;
    int cut_generation = 0;  // see cut_watches()
    std::string api_version() const { return group.empty() ? version : group + "/" + version; }
  };

  static std::string prefix(const kube::Resource& r) {
    return (r.group.empty() ? "/api/" : "/apis/" + std::string(r.group) + "/") + std::string(r.version) + "|" +
           std::string(r.plural);
  }
  static std::string key(const Res& rs, const std::string& ns, const std::string& name) {
    return (rs.namespaced ? ns : "") + "/" + name;
  }

  int counter(const kube::Resource& r, int Res::*field) {
    std::lock_guard<std::mutex> lock(mu_);
    return resources_.at(prefix(r)).*field;
  }

  static json status(int code, const std::string& reason, const std::string& message) {
    return {{"apiVersion", "v1"}, {"kind", "Status"}, {"status", "Failure"},
            {"message", message}, {"reason", reason}, {"code", code}};
  }
  static void reply(httplib::Response& res, int code, const json& body) {
    res.status = code;
    res.set_content(body.dump(), "application/json");
  }
  static void fail(httplib::Response& res, int code, const std::string& reason, const std::string& message) {
    reply(res, code, status(code, reason, message));
  }

  std::string store(Res& rs, json obj) {
    json& meta = obj["metadata"];
    std::string ns = rs.namespaced ? meta.value("namespace", "") : "";
    std::string name = meta.value("name", "");
    std::string k = key(rs, ns, name);
    auto it = rs.objects.find(k);
    bool exists = it != rs.objects.end();
    ++rv_;
    meta["resourceVersion"] = std::to_string(rv_);
    if (!meta.contains("uid")) {
      meta["uid"] = exists ? it->second["metadata"].value("uid", "") : "uid-" + std::to_string(rv_);
    }
    obj["apiVersion"] = rs.api_version();
    obj["kind"] = rs.kind;
    rs.objects[k] = obj;
    rs.log.push_back({rv_, exists ? "MODIFIED" : "ADDED", obj});
    cv_.notify_all();
    return std::to_string(rv_);
  }

  bool remove_locked(Res& rs, const std::string& ns, const std::string& name) {
    auto it = rs.objects.find(key(rs, ns, name));
    if (it == rs.objects.end()) return false;
    json obj = it->second;
    rs.objects.erase(it);
    ++rv_;
    obj["metadata"]["resourceVersion"] = std::to_string(rv_);
    rs.log.push_back({rv_, "DELETED", obj});
    cv_.notify_all();
    return true;
  }

  // Splits a path into (resource prefix, namespace, name); false when it is
  // not a resource path this server knows.
  bool route(const std::string& path, Res** rs, std::string* ns, std::string* name) {
    std::vector<std::string> parts;
    size_t start = 1;
    while (start <= path.size()) {
      size_t end = path.find('/', start);
      if (end == std::string::npos) end = path.size();
      parts.push_back(httplib::detail::decode_url(path.substr(start, end - start), false));
      start = end + 1;
    }
    size_t i = 0;
    std::string base;
    if (parts.size() >= 2 && parts[0] == "api") {
      base = "/api/" + parts[1];
      i = 2;
    } else if (parts.size() >= 3 && parts[0] == "apis") {
      base = "/apis/" + parts[1] + "/" + parts[2];
      i = 3;
    } else {
      return false;
    }
    ns->clear();
    if (parts.size() > i + 2 && parts[i] == "namespaces") {
      *ns = parts[i + 1];
      i += 2;
    }
    if (i >= parts.size()) return false;
    auto it = resources_.find(base + "|" + parts[i]);
    if (it == resources_.end()) return false;
    *rs = &it->second;
    *name = i + 1 < parts.size() ? parts[i + 1] : "";
    return i + 2 >= parts.size();
  }

  void handle(const httplib::Request& req, httplib::Response& res) {
    std::unique_lock<std::mutex> lock(mu_);
    if (req.get_header_value("Authorization") != "Bearer " + token_) {
      ++unauthorized_;
      return fail(res, 401, "Unauthorized", "Unauthorized");
    }
    last_params_.clear();
    for (const auto& [k, v] : req.params) last_params_[k] = v;
    last_content_type_ = req.get_header_value("Content-Type");
    bool is_watch = req.get_param_value("watch") == "1" || req.get_param_value("watch") == "true";
    std::string method = is_watch ? "WATCH" : req.method;
    arrivals_.emplace_back(method, std::chrono::steady_clock::now());
    if (fail_count_ > 0 && fail_method_ == method) {
      --fail_count_;
      if (!fail_retry_after_.empty()) res.set_header("Retry-After", fail_retry_after_);
      return fail(res, fail_status_, fail_status_ == 429 ? "TooManyRequests" : "InternalError", "injected failure");
    }
    Res* rs = nullptr;
    std::string ns, name;
    if (!route(req.path, &rs, &ns, &name)) {
      return fail(res, 404, "NotFound", "the server could not find the requested resource");
    }
    if (!rs->namespaced) ns.clear();
    const std::string what = rs->plural + (rs->group.empty() ? "" : "." + rs->group);
    if (req.method == "GET" && is_watch) return watch(*rs, ns, req, res, std::move(lock));
    if (req.method == "GET" && name.empty()) return list(*rs, ns, req, res);
    if (req.method == "GET") {
      auto it = rs->objects.find(key(*rs, ns, name));
      if (it == rs->objects.end()) return fail(res, 404, "NotFound", what + " \"" + name + "\" not found");
      return reply(res, 200, it->second);
    }
    if (req.method == "DELETE") {
      if (!remove_locked(*rs, ns, name)) return fail(res, 404, "NotFound", what + " \"" + name + "\" not found");
      return reply(res, 200, status(200, "", "deleted"));
    }
    json body = json::parse(req.body, nullptr, false);
    if (!body.is_object()) return fail(res, 400, "BadRequest", "the body is not a JSON object");
    if (rs->namespaced) body["metadata"]["namespace"] = ns;
    std::string body_name = body["metadata"].value("name", "");
    std::string k = key(*rs, ns, body_name);
    bool exists = rs->objects.count(k) > 0;
    if (req.method == "POST") {
      if (!name.empty()) return fail(res, 405, "MethodNotAllowed", "POST to an object path");
      if (exists) return fail(res, 409, "AlreadyExists", what + " \"" + body_name + "\" already exists");
      store(*rs, body);
      return reply(res, 201, rs->objects[k]);
    }
    if (body_name != name) return fail(res, 400, "BadRequest", "the name in the body does not match the path");
    if (req.method == "PUT") {
      if (!exists) return fail(res, 404, "NotFound", what + " \"" + name + "\" not found");
      std::string want = body["metadata"].value("resourceVersion", "");
      std::string have = rs->objects[k]["metadata"].value("resourceVersion", "");
      if (!want.empty() && want != have) {
        return fail(res, 409, "Conflict",
                    "Operation cannot be fulfilled on " + what + " \"" + name +
                        "\": the object has been modified; please apply your changes to the latest version and try again");
      }
      store(*rs, body);
      return reply(res, 200, rs->objects[k]);
    }
    if (req.method == "PATCH") {
      ++rs->applies;
      if (req.get_header_value("Content-Type") != "application/apply-patch+yaml") {
        return fail(res, 415, "UnsupportedMediaType", "only apply patches are served");
      }
      if (req.get_param_value("fieldManager").empty()) {
        return fail(res, 422, "Invalid", "PatchOptions.meta.k8s.io \"\" is invalid: fieldManager: Required value");
      }
      store(*rs, body);
      return reply(res, exists ? 200 : 201, rs->objects[k]);
    }
    fail(res, 405, "MethodNotAllowed", "method not allowed");
  }

  void list(Res& rs, const std::string& ns, const httplib::Request& req, httplib::Response& res) {
    int limit = req.has_param("limit") ? std::stoi(req.get_param_value("limit")) : 0;
    std::string cont = req.get_param_value("continue");
    long long list_rv = rv_;
    std::string after;
    const std::map<std::string, json>* objects = &rs.objects;
    if (!cont.empty()) {
      size_t bar = cont.find('|');
      list_rv = std::stoll(cont.substr(0, bar));
      after = cont.substr(bar + 1);
      auto snap = rs.snapshots.find(list_rv);
      if (list_rv < compacted_ || snap == rs.snapshots.end()) {
        return fail(res, 410, "Expired",
                    "The provided continue parameter is too old to display a consistent list result.");
      }
      objects = &snap->second;
    } else {
      ++rs.lists;
    }
    ++rs.pages;
    json items = json::array();
    std::string last;
    bool more = false;
    for (auto it = after.empty() ? objects->begin() : objects->upper_bound(after); it != objects->end(); ++it) {
      if (!ns.empty() && it->first.rfind(ns + "/", 0) != 0) continue;
      if (limit > 0 && static_cast<int>(items.size()) == limit) {
        more = true;
        break;
      }
      json item = it->second;
      item.erase("apiVersion");  // as a real server does in lists
      item.erase("kind");
      items.push_back(std::move(item));
      last = it->first;
    }
    json meta = {{"resourceVersion", std::to_string(list_rv)}};
    if (more) {
      meta["continue"] = std::to_string(list_rv) + "|" + last;
      if (cont.empty()) rs.snapshots.try_emplace(list_rv, rs.objects);
    }
    json page = {{"apiVersion", rs.api_version()}, {"kind", rs.kind + "List"}, {"metadata", meta}, {"items", items}};
    if (cont.empty() || page_faults_.empty()) return reply(res, 200, page);
    const PageFault fault = page_faults_.front();
    page_faults_.erase(page_faults_.begin());
    auto body = std::make_shared<std::string>(page.dump());
    auto sent = std::make_shared<size_t>(0);
    res.status = 200;
    res.set_chunked_content_provider(
        "application/json", [body, sent, fault, every = drip_every_](size_t, httplib::DataSink& sink) {
          if (fault == PageFault::kCut) {
            sink.write(body->data(), body->size() / 2);
            return false;  // the connection is closed without the final chunk
          }
          std::this_thread::sleep_for(every);
          const size_t n = std::min<size_t>(64, body->size() - *sent);
          if (!sink.write(body->data() + *sent, n)) return false;
          *sent += n;
          if (*sent == body->size()) sink.done();
          return true;
        });
  }

  void watch(Res& rs, const std::string& ns, const httplib::Request& req, httplib::Response& res,
             std::unique_lock<std::mutex> lock) {
    ++rs.watches;
    std::string rv_param = req.get_param_value("resourceVersion");
    long long from = rv_param.empty() ? rv_ : std::stoll(rv_param);
    if (from < compacted_ && http_gone_on_watch_) {
      return fail(res, 410, "Gone", "too old resource version: " + rv_param + " (" + std::to_string(compacted_) + ")");
    }
    bool bookmarks = req.get_param_value("allowWatchBookmarks") == "true";
    int timeout = req.has_param("timeoutSeconds") ? std::stoi(req.get_param_value("timeoutSeconds")) : 1800;
    struct Stream {
      size_t next = 0;
      bool expired = false;
      long long from = 0;
      int generation = 0;
      int cut_generation = 0;
      std::chrono::steady_clock::time_point deadline;
    };
    auto st = std::make_shared<Stream>();
    st->from = from;
    st->expired = from < compacted_;
    st->generation = watch_generation_;
    st->cut_generation = rs.cut_generation;
    st->deadline = std::chrono::steady_clock::now() + std::chrono::seconds(timeout);
    while (st->next < rs.log.size() && rs.log[st->next].rv <= from) ++st->next;
    lock.unlock();
    ++open_watches_;
    Res* rsp = &rs;
    res.status = 200;
    res.set_chunked_content_provider(
        "application/json",
        [this, st, rsp, ns, bookmarks](size_t, httplib::DataSink& sink) {
          std::unique_lock<std::mutex> l(mu_);
          if (st->expired) {
            json ev = {{"type", "ERROR"},
                       {"object", status(410, "Expired", "too old resource version: " + std::to_string(st->from) +
                                                             " (" + std::to_string(compacted_) + ")")}};
            std::string line = ev.dump() + "\n";
            l.unlock();
            sink.write(line.data(), line.size());
            sink.done();
            return true;
          }
          cv_.wait_for(l, std::chrono::milliseconds(20), [&] {
            return stopping_ || st->generation != watch_generation_ || st->next < rsp->log.size();
          });
          if (stopping_ || st->generation != watch_generation_ || std::chrono::steady_clock::now() > st->deadline) {
            l.unlock();
            sink.done();
            return true;
          }
          std::string out;
          for (; st->next < rsp->log.size(); ++st->next) {
            const Event& e = rsp->log[st->next];
            if (e.type == "BOOKMARK") {
              if (!bookmarks) continue;
            } else if (!ns.empty() && e.object["metadata"].value("namespace", "") != ns) {
              continue;
            }
            out += json{{"type", e.type}, {"object", e.object}}.dump() + "\n";
          }
          if (!out.empty() && st->cut_generation != rsp->cut_generation) {
            st->cut_generation = rsp->cut_generation;
            l.unlock();
            sink.write(out.data(), out.find('\n') / 2);
            return false;  // the connection is closed without the final chunk
          }
          l.unlock();
          if (!out.empty() && !sink.write(out.data(), out.size())) return false;
          return true;
        },
        [this](bool) { --open_watches_; });
  }

  httplib::Server svr_;
  std::thread thread_;
  std::atomic<bool> listening_{true};
  int port_ = 0;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  std::string token_;
  std::map<std::string, Res> resources_;
  long long rv_ = 100;
  long long compacted_ = 0;
  int watch_generation_ = 0;
  int unauthorized_ = 0;
  std::vector<PageFault> page_faults_;
  std::chrono::milliseconds drip_every_{20};
  std::string fail_method_;
  int fail_count_ = 0, fail_status_ = 500;
  std::string fail_retry_after_;
  std::vector<std::pair<std::string, std::chrono::steady_clock::time_point>> arrivals_;
  std::atomic<bool> http_gone_on_watch_{false};
  std::atomic<int> open_watches_{0};
  std::map<std::string, std::string> last_params_;
  std::string last_content_type_;
};

}  // namespace rg::test
