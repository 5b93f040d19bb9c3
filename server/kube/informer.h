// Informer: keeps a local view of one resource in step with the API server.
//
// The loop, as client-go's reflector does it:
//   LIST (paged) -> handlers see adds/updates/deletes against what they saw
//   before -> WATCH from the list's resourceVersion -> on a normal end of
//   stream, WATCH again from the last version seen (BOOKMARK events advance
//   it) -> on 410 Gone (HTTP status or an ERROR event with code 410), LIST
//   again -> on any other error, back off exponentially with jitter and retry.
// A 404 on the first LIST means the resource is not served (its CRD is not
// installed: no Argo Rollouts, no KEDA): one log line, the informer counts as
// synced and skipped, and it does not retry.
//
// Handlers run on the informer's own thread, one event at a time. A LIST
// reaches them page by page, as each page arrives (Client::list_each): only
// one page of whole objects is held at a time, whatever the resource's size,
// so handlers that keep less (the inventory strips objects) bound the memory.
// After a LIST, objects that disappeared are reported to on_delete with only
// apiVersion, kind and metadata.name/namespace.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>

#include "server/kube/client.h"

namespace rg::kube {

using SteadyClock = std::function<std::chrono::steady_clock::time_point()>;

struct InformerHandlers {
  std::function<void(const json&)> on_add;
  std::function<void(const json&)> on_update;
  std::function<void(const json&)> on_delete;
  std::function<void()> on_synced;  // once, after the first successful LIST (or the skip)
};

struct InformerOptions {
  std::string ns;  // "" watches every namespace
  int page_size = 500;
  // The bound on one LIST page's body and one watch event (ListOptions,
  // WatchOptions): a larger page is asked for again in smaller pieces.
  size_t max_page_bytes = kDefaultMaxPageBytes;
  // A LIST page not received whole within this is abandoned and the LIST
  // retried after a backoff (ListOptions::page_deadline).
  std::chrono::milliseconds page_deadline{60'000};
  // Each watch asks the server to end the stream after a random time in
  // [watch_timeout_seconds/2, watch_timeout_seconds] (spreads reconnects).
  int watch_timeout_seconds = 300;
  std::chrono::milliseconds backoff_initial{250};
  std::chrono::milliseconds backoff_max{30'000};
  SteadyClock clock;  // defaults to steady_clock::now; tests inject one
};

class Informer {
 public:
  Informer(Client& client, const Resource& resource, InformerHandlers handlers, InformerOptions options = {});
  ~Informer();  // stops and joins
  Informer(const Informer&) = delete;
  Informer& operator=(const Informer&) = delete;

  void start();  // starts the loop on its own thread
  void stop();   // cancels any request in flight and joins; idempotent

  const Resource& resource() const { return resource_; }
  bool synced() const { return synced_.load(); }    // first LIST done, or skipped
  bool skipped() const { return skipped_.load(); }  // resource not served (404)
  uint64_t restarts() const { return restarts_.load(); }  // watches opened again after the first
  uint64_t relists() const { return relists_.load(); }    // LISTs after the first (410 Gone)
  uint64_t errors() const { return errors_.load(); }
  // When the informer last heard from the server successfully (a LIST, an
  // event, a bookmark, a stream that ended normally). Epoch when never.
  std::chrono::steady_clock::time_point last_activity() const;
  std::string resource_version() const;
  std::string last_error() const;

 private:
  void run();
  bool list_and_replace();  // false on error (already recorded)
  void watch_once();
  void handle(const WatchEvent& ev, bool* gone, bool* failed);
  void touch();
  // Records a failed request; a Retry-After it carried is the least the
  // next sleep_backoff() waits.
  void fail(const std::string& msg, int retry_after_seconds = 0);
  // Waits the jittered backoff, at least the last Retry-After, and at most
  // backoff_max either way; then doubles the backoff.
  void sleep_backoff();
  std::chrono::steady_clock::time_point now() const;

  Client& client_;
  Resource resource_;
  InformerHandlers handlers_;
  InformerOptions options_;

  std::thread thread_;
  Cancel cancel_;
  mutable std::mutex mu_;  // guards the fields below
  std::condition_variable cv_;
  bool stopping_ = false;
  std::string rv_;
  std::string last_error_;
  std::chrono::steady_clock::time_point last_activity_{};
  std::chrono::milliseconds backoff_{0};
  std::chrono::milliseconds retry_after_{0};  // from the last failed request

  std::atomic<bool> synced_{false}, skipped_{false};
  std::atomic<uint64_t> restarts_{0}, relists_{0}, errors_{0};
  bool need_list_ = true;
  bool listed_once_ = false;
  bool watched_once_ = false;
  // "namespace/name" -> resourceVersion of what the handlers last saw.
  std::unordered_map<std::string, std::string> known_;
};

}  // namespace rg::kube
