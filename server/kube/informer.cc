#include "server/kube/informer.h"

#include <random>
#include <unordered_set>

#include <spdlog/spdlog.h>

namespace rg::kube {
namespace {

std::string meta_str(const json& obj, const char* key) {
  if (!obj.is_object()) return "";
  auto m = obj.find("metadata");
  if (m == obj.end() || !m->is_object()) return "";
  auto it = m->find(key);
  return it != m->end() && it->is_string() ? it->get<std::string>() : "";
}

std::string key_of(const json& obj) { return meta_str(obj, "namespace") + "/" + meta_str(obj, "name"); }

thread_local std::mt19937_64 rng{std::random_device{}()};

}  // namespace

Informer::Informer(Client& client, const Resource& resource, InformerHandlers handlers, InformerOptions options)
    : client_(client), resource_(resource), handlers_(std::move(handlers)), options_(std::move(options)) {
  if (!options_.clock) options_.clock = [] { return std::chrono::steady_clock::now(); };
  backoff_ = options_.backoff_initial;
}

Informer::~Informer() { stop(); }

void Informer::start() {
  if (thread_.joinable()) return;
  thread_ = std::thread([this] { run(); });
}

void Informer::stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  cancel_.cancel();
  if (thread_.joinable()) thread_.join();
}

std::chrono::steady_clock::time_point Informer::now() const { return options_.clock(); }

std::chrono::steady_clock::time_point Informer::last_activity() const {
  std::lock_guard<std::mutex> lock(mu_);
  return last_activity_;
}

std::string Informer::resource_version() const {
  std::lock_guard<std::mutex> lock(mu_);
  return rv_;
}

std::string Informer::last_error() const {
  std::lock_guard<std::mutex> lock(mu_);
  return last_error_;
}

void Informer::touch() {
  std::lock_guard<std::mutex> lock(mu_);
  last_activity_ = now();
}

void Informer::fail(const std::string& msg, int retry_after_seconds) {
  ++errors_;
  std::lock_guard<std::mutex> lock(mu_);
  last_error_ = msg;
  retry_after_ = std::min<std::chrono::milliseconds>(std::chrono::seconds(retry_after_seconds), options_.backoff_max);
  spdlog::warn("watch {}: {} (retrying in up to {} ms)", resource_.str(), msg,
               std::max(backoff_, retry_after_).count());
}

void Informer::sleep_backoff() {
  std::unique_lock<std::mutex> lock(mu_);
  // Full jitter over the upper half: [backoff/2, backoff]; never sooner than
  // the server asked (Retry-After), never later than backoff_max.
  auto b = backoff_.count();
  std::uniform_int_distribution<long long> dist(b / 2, b);
  std::chrono::milliseconds wait = std::max(std::chrono::milliseconds(dist(rng)), retry_after_);
  retry_after_ = std::chrono::milliseconds(0);
  cv_.wait_for(lock, wait, [this] { return stopping_; });
  backoff_ = std::min(backoff_ * 2, options_.backoff_max);
}

void Informer::run() {
  for (;;) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (stopping_) return;
    }
    if (need_list_) {
      if (!list_and_replace()) {
        if (skipped_) return;
        sleep_backoff();
        continue;
      }
      need_list_ = false;
    }
    watch_once();
  }
}

bool Informer::list_and_replace() {
  // Each object goes to the handlers as its page arrives, compared with what
  // they saw before (known_, kept up to date as we go, so a LIST that fails
  // halfway and is retried reports only what changed).
  std::unordered_set<std::string> listed;
  ListOptions lo;
  lo.limit = options_.page_size;
  lo.max_page_bytes = options_.max_page_bytes;
  lo.page_deadline = options_.page_deadline;
  lo.on_restart = [&] { listed.clear(); };
  ListInfo info;
  ApiStatus s = client_.list_each(
      resource_, options_.ns, lo,
      [&](json&& item) {
        std::string key = key_of(item);
        std::string rv = meta_str(item, "resourceVersion");
        auto [it, added] = known_.try_emplace(key, rv);
        if (added) {
          if (handlers_.on_add) handlers_.on_add(item);
        } else if (it->second != rv) {
          it->second = std::move(rv);
          if (handlers_.on_update) handlers_.on_update(item);
        }
        listed.insert(std::move(key));
      },
      &info);
  if (!s.ok()) {
    if (cancel_.cancelled()) return false;
    if (s.not_found() && !listed_once_) {
      spdlog::info("{} ({}) is not served by the API server (CRD not installed?): {} objects are not watched",
                   resource_.str(), resource_.kind, resource_.kind);
      skipped_ = true;
      synced_ = true;
      if (handlers_.on_synced) handlers_.on_synced();
      return false;
    }
    fail(s.message(), s.retry_after_seconds());
    return false;
  }
  if (listed_once_) ++relists_;
  for (auto it = known_.begin(); it != known_.end();) {
    if (listed.count(it->first)) {
      ++it;
      continue;
    }
    const std::string& key = it->first;
    size_t slash = key.find('/');
    json tomb = {{"apiVersion", resource_.api_version()},
                 {"kind", std::string(resource_.kind)},
                 {"metadata", {{"name", key.substr(slash + 1)}}}};
    if (slash > 0) tomb["metadata"]["namespace"] = key.substr(0, slash);
    it = known_.erase(it);
    if (handlers_.on_delete) handlers_.on_delete(tomb);
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    rv_ = info.resource_version;
    last_activity_ = now();
    backoff_ = options_.backoff_initial;
  }
  if (!listed_once_) {
    listed_once_ = true;
    synced_ = true;
    if (handlers_.on_synced) handlers_.on_synced();
  }
  return true;
}

// The client hands over only the five event types, each with an object, and
// for ERROR a Status whose code is an int and whose message is a string
// (WatchStreamDecoder), so the reads below cannot throw.
void Informer::handle(const WatchEvent& ev, bool* gone, bool* failed) {
  touch();
  if (ev.type == "ERROR") {
    const int code = ev.object.value("code", 0);
    if (code == 410) {
      *gone = true;
      return;
    }
    const std::string msg = ev.object.value("message", "");
    fail("ERROR event (code " + std::to_string(code) + "): " + msg);
    *failed = true;
    return;
  }
  std::string rv = meta_str(ev.object, "resourceVersion");
  if (ev.type == "BOOKMARK") {
    // Only the version matters.
  } else if (ev.type == "ADDED" || ev.type == "MODIFIED") {
    std::string key = key_of(ev.object);
    auto [it, inserted] = known_.try_emplace(key, rv);
    if (inserted) {
      if (handlers_.on_add) handlers_.on_add(ev.object);
    } else {
      it->second = rv;
      if (handlers_.on_update) handlers_.on_update(ev.object);
    }
  } else if (ev.type == "DELETED") {
    known_.erase(key_of(ev.object));
    if (handlers_.on_delete) handlers_.on_delete(ev.object);
  }
  if (!rv.empty()) {
    std::lock_guard<std::mutex> lock(mu_);
    rv_ = rv;
  }
}

void Informer::watch_once() {
  if (watched_once_) ++restarts_;
  watched_once_ = true;
  WatchOptions wo;
  wo.resource_version = resource_version();
  wo.allow_bookmarks = true;
  wo.max_event_bytes = options_.max_page_bytes;
  int t = std::max(1, options_.watch_timeout_seconds);
  std::uniform_int_distribution<int> dist((t + 1) / 2, t);
  wo.timeout_seconds = dist(rng);

  bool gone = false, failed = false;
  int events = 0;
  auto started = std::chrono::steady_clock::now();
  ApiStatus s = client_.watch(
      resource_, options_.ns, wo,
      [&](const WatchEvent& ev) {
        ++events;
        handle(ev, &gone, &failed);
        return !gone && !failed;
      },
      &cancel_);
  if (cancel_.cancelled()) return;
  if (gone || s.gone()) {
    spdlog::info("watch {}: resourceVersion {} is too old (410 Gone); listing again", resource_.str(),
                 wo.resource_version);
    need_list_ = true;
    return;
  }
  if (failed) {
    sleep_backoff();
    return;
  }
  if (!s.ok()) {
    fail(s.message(), s.retry_after_seconds());
    sleep_backoff();
    return;
  }
  // A normal end of stream: the connection was healthy.
  touch();
  if (events == 0 && std::chrono::steady_clock::now() - started < std::chrono::seconds(1)) {
    // An empty stream that ended at once: don't spin.
    sleep_backoff();
  } else {
    std::lock_guard<std::mutex> lock(mu_);
    backoff_ = options_.backoff_initial;
  }
}

}  // namespace rg::kube
