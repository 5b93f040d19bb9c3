#include "server/kube/informer.h"

#include <map>
#include <mutex>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "test/server/kube/test_util.h"

namespace rg::kube {
namespace {

using ::rg::test::eventually;
using ::rg::test::FakeApiServer;
using ::rg::test::make_obj;
namespace res = resources;

// What the handlers were told: the current view and a log of calls.
struct Recorder {
  std::mutex mu;
  std::map<std::string, json> view;
  std::vector<std::string> log;
  int synced_calls = 0;

  InformerHandlers handlers() {
    InformerHandlers h;
    h.on_add = [this](const json& o) { record("add", o); };
    h.on_update = [this](const json& o) { record("update", o); };
    h.on_delete = [this](const json& o) {
      std::lock_guard<std::mutex> lock(mu);
      view.erase(key(o));
      log.push_back("delete " + key(o));
    };
    h.on_synced = [this] {
      std::lock_guard<std::mutex> lock(mu);
      ++synced_calls;
    };
    return h;
  }
  static std::string key(const json& o) {
    return o["metadata"].value("namespace", "") + "/" + o["metadata"].value("name", "");
  }
  void record(const char* what, const json& o) {
    std::lock_guard<std::mutex> lock(mu);
    view[key(o)] = o;
    log.push_back(std::string(what) + " " + key(o));
  }
  size_t size() {
    std::lock_guard<std::mutex> lock(mu);
    return view.size();
  }
  int synced() {  // on_synced runs on the informer's thread
    std::lock_guard<std::mutex> lock(mu);
    return synced_calls;
  }
  bool has(const std::string& k, int replicas = -1) {
    std::lock_guard<std::mutex> lock(mu);
    auto it = view.find(k);
    if (it == view.end()) return false;
    return replicas < 0 || it->second["spec"].value("replicas", -1) == replicas;
  }
};

InformerOptions fast() {
  InformerOptions o;
  o.backoff_initial = std::chrono::milliseconds(5);
  o.backoff_max = std::chrono::milliseconds(50);
  return o;
}

class InformerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_.serve(res::kDeployments);
    client_ = test::client_for(server_);
  }
  json dep(const std::string& ns, const std::string& name, int replicas = 1) {
    return make_obj(res::kDeployments, ns, name, {{"replicas", replicas}});
  }
  FakeApiServer server_;
  std::unique_ptr<Client> client_;
  Recorder rec_;
};

TEST_F(InformerTest, InitialSyncIsPagedThenWatches) {
  for (int i = 0; i < 7; ++i) server_.put(res::kDeployments, dep("a", "d" + std::to_string(i)));
  InformerOptions o = fast();
  o.page_size = 3;
  Informer inf(*client_, res::kDeployments, rec_.handlers(), o);
  EXPECT_FALSE(inf.synced());
  inf.start();
  ASSERT_TRUE(eventually([&] { return inf.synced(); }));
  EXPECT_EQ(rec_.size(), 7u);
  EXPECT_EQ(rec_.synced(), 1);
  EXPECT_EQ(server_.lists(res::kDeployments), 1);
  EXPECT_EQ(server_.list_pages(res::kDeployments), 3);
  EXPECT_FALSE(inf.skipped());
  EXPECT_EQ(inf.resource_version(), std::to_string(server_.resource_version()));

  ASSERT_TRUE(eventually([&] { return server_.open_watches() == 1; }));
  server_.put(res::kDeployments, dep("a", "d0", 5));
  server_.put(res::kDeployments, dep("b", "new"));
  server_.del(res::kDeployments, "a", "d1");
  ASSERT_TRUE(eventually([&] { return rec_.has("a/d0", 5) && rec_.has("b/new") && !rec_.has("a/d1"); }));
  EXPECT_EQ(inf.restarts(), 0u);
  EXPECT_EQ(inf.relists(), 0u);
}

TEST_F(InformerTest, ObjectsReachTheHandlersPageByPage) {
  for (int i = 0; i < 7; ++i) server_.put(res::kDeployments, dep("a", "d" + std::to_string(i)));
  InformerOptions o = fast();
  o.page_size = 3;
  std::vector<int> pages_served;  // how many pages the server had sent at each add
  InformerHandlers h = rec_.handlers();
  h.on_add = [&, add = h.on_add](const json& obj) {
    pages_served.push_back(server_.list_pages(res::kDeployments));
    add(obj);
  };
  Informer inf(*client_, res::kDeployments, h, o);
  inf.start();
  ASSERT_TRUE(eventually([&] { return inf.synced(); }));
  EXPECT_EQ(pages_served, (std::vector<int>{1, 1, 1, 2, 2, 2, 3}));
}

TEST_F(InformerTest, AListThatFailsHalfwayIsRetriedAndReportsEachObjectOnce) {
  for (int i = 0; i < 4; ++i) server_.put(res::kDeployments, dep("a", "d" + std::to_string(i)));
  json vast = dep("a", "d9");
  vast["metadata"]["annotations"]["note"] = std::string(8 * 1024, 'x');
  server_.put(res::kDeployments, vast);
  InformerOptions o = fast();
  o.page_size = 2;
  o.max_page_bytes = 4 * 1024;
  Informer inf(*client_, res::kDeployments, rec_.handlers(), o);
  inf.start();
  ASSERT_TRUE(eventually([&] { return inf.errors() >= 1 && rec_.size() == 4; }));
  EXPECT_FALSE(inf.synced());
  EXPECT_THAT(inf.last_error(), ::testing::HasSubstr("LIST deployments.apps/v1: a page of one object (limit=1) is "
                                                     "larger than the 4 KiB bound"));
  server_.del(res::kDeployments, "a", "d0");
  server_.put(res::kDeployments, dep("a", "d9"));  // small again
  ASSERT_TRUE(eventually([&] { return inf.synced(); }));
  std::lock_guard<std::mutex> lock(rec_.mu);
  EXPECT_EQ(rec_.log,
            (std::vector<std::string>{"add a/d0", "add a/d1", "add a/d2", "add a/d3", "add a/d9", "delete a/d0"}));
}

// A LIST page cut off halfway, then one dripped slower than the page
// deadline: each ends that LIST with an error, the informer lists again
// after its backoff, and every object reaches the handlers once.
TEST_F(InformerTest, ListPagesCutOffOrTooSlowAreRetriedAndReportEachObjectOnce) {
  for (int i = 0; i < 6; ++i) {
    json d = dep("a", "d" + std::to_string(i));
    d["metadata"]["annotations"]["note"] = std::string(1024, 'x');
    server_.put(res::kDeployments, d);
  }
  server_.break_continue_pages({FakeApiServer::PageFault::kCut, FakeApiServer::PageFault::kDrip});
  InformerOptions o = fast();
  o.page_size = 2;
  o.page_deadline = std::chrono::milliseconds(150);
  Informer inf(*client_, res::kDeployments, rec_.handlers(), o);
  inf.start();
  ASSERT_TRUE(eventually([&] { return inf.synced(); }));
  EXPECT_EQ(inf.errors(), 2u);
  EXPECT_EQ(server_.lists(res::kDeployments), 3);
  EXPECT_THAT(inf.last_error(), ::testing::HasSubstr("did not arrive whole within 150 ms"));
  std::lock_guard<std::mutex> lock(rec_.mu);
  EXPECT_EQ(rec_.log, (std::vector<std::string>{"add a/d0", "add a/d1", "add a/d2", "add a/d3", "add a/d4", "add a/d5"}));
}

TEST_F(InformerTest, AListWhoseContinueTokenExpiresRestartsAndReportsWhatChanged) {
  for (int i = 0; i < 6; ++i) server_.put(res::kDeployments, dep("a", "d" + std::to_string(i)));
  InformerOptions o = fast();
  o.page_size = 2;
  InformerHandlers h = rec_.handlers();
  h.on_add = [&, add = h.on_add, compacted = false](const json& obj) mutable {
    add(obj);
    if (!compacted && rec_.size() == 2) {  // after the first page, the server forgets the list's version
      compacted = true;
      server_.del(res::kDeployments, "a", "d0");
      server_.compact();
    }
  };
  Informer inf(*client_, res::kDeployments, h, o);
  inf.start();
  ASSERT_TRUE(eventually([&] { return inf.synced(); }));
  EXPECT_EQ(server_.lists(res::kDeployments), 2);  // the first, and its restart
  EXPECT_EQ(inf.errors(), 0u);
  std::lock_guard<std::mutex> lock(rec_.mu);
  EXPECT_EQ(rec_.log, (std::vector<std::string>{"add a/d0", "add a/d1", "add a/d2", "add a/d3", "add a/d4",
                                                "add a/d5", "delete a/d0"}));
}

TEST_F(InformerTest, WatchRestartsFromTheLastVersionWithoutRelisting) {
  server_.put(res::kDeployments, dep("a", "web"));
  Informer inf(*client_, res::kDeployments, rec_.handlers(), fast());
  inf.start();
  ASSERT_TRUE(eventually([&] { return server_.open_watches() == 1; }));
  std::string rv2 = server_.put(res::kDeployments, dep("a", "web", 2));
  ASSERT_TRUE(eventually([&] { return rec_.has("a/web", 2); }));
  server_.end_watches();
  // (The first stream may close after the second opens: count watches made.)
  ASSERT_TRUE(eventually([&] { return inf.restarts() == 1 && server_.watches(res::kDeployments) == 2; }));
  EXPECT_EQ(server_.last_param("resourceVersion"), rv2);  // resumed where it left off
  server_.put(res::kDeployments, dep("a", "web", 3));
  ASSERT_TRUE(eventually([&] { return rec_.has("a/web", 3); }));
  EXPECT_EQ(server_.lists(res::kDeployments), 1);
  EXPECT_EQ(server_.watches(res::kDeployments), 2);
  EXPECT_EQ(inf.relists(), 0u);
}

TEST_F(InformerTest, BookmarksAdvanceTheVersionSoACompactionNeedsNoRelist) {
  Informer inf(*client_, res::kDeployments, rec_.handlers(), fast());
  inf.start();
  ASSERT_TRUE(eventually([&] { return server_.open_watches() == 1; }));
  // Other resources' writes move the global version; the informer sees none
  // of them, only the bookmark.
  server_.serve(res::kLeases);
  for (int i = 0; i < 3; ++i) server_.put(res::kLeases, make_obj(res::kLeases, "x", "l" + std::to_string(i)));
  server_.bookmark(res::kDeployments);
  std::string now = std::to_string(server_.resource_version());
  ASSERT_TRUE(eventually([&] { return inf.resource_version() == now; }));
  server_.compact();
  server_.end_watches();
  ASSERT_TRUE(eventually([&] { return inf.restarts() == 1 && server_.watches(res::kDeployments) == 2; }));
  server_.put(res::kDeployments, dep("a", "after"));
  ASSERT_TRUE(eventually([&] { return rec_.has("a/after"); }));
  EXPECT_EQ(inf.relists(), 0u);
}

TEST_F(InformerTest, RelistsOn410AndReportsWhatChangedMeanwhile) {
  server_.put(res::kDeployments, dep("a", "keep"));
  server_.put(res::kDeployments, dep("a", "gone"));
  server_.put(res::kDeployments, dep("a", "change"));
  Informer inf(*client_, res::kDeployments, rec_.handlers(), fast());
  inf.start();
  ASSERT_TRUE(eventually([&] { return inf.synced() && server_.open_watches() == 1; }));
  // Simulate an outage long enough for the server to compact past us: the
  // watch is gone, changes happen, the history is compacted.
  server_.set_http_gone_on_watch(false);
  server_.fail_next("WATCH", 1000, 503);
  server_.end_watches();
  ASSERT_TRUE(eventually([&] { return inf.errors() >= 1; }));
  server_.del(res::kDeployments, "a", "gone");
  server_.put(res::kDeployments, dep("a", "change", 9));
  server_.put(res::kDeployments, dep("b", "added"));
  server_.compact();
  server_.fail_next("WATCH", 0, 503);
  ASSERT_TRUE(eventually([&] { return inf.relists() == 1; }));
  ASSERT_TRUE(eventually([&] { return rec_.has("a/change", 9) && rec_.has("b/added") && !rec_.has("a/gone"); }));
  EXPECT_TRUE(rec_.has("a/keep"));
  EXPECT_EQ(server_.lists(res::kDeployments), 2);
  {
    std::lock_guard<std::mutex> lock(rec_.mu);
    EXPECT_NE(std::find(rec_.log.begin(), rec_.log.end(), "delete a/gone"), rec_.log.end());
    // The unchanged object is not reported again.
    EXPECT_EQ(std::count(rec_.log.begin(), rec_.log.end(), "add a/keep"), 1);
    EXPECT_EQ(std::count(rec_.log.begin(), rec_.log.end(), "update a/keep"), 0);
  }
  // And it watches again afterwards.
  server_.put(res::kDeployments, dep("a", "later"));
  ASSERT_TRUE(eventually([&] { return rec_.has("a/later"); }));
}

TEST_F(InformerTest, RelistsOnHttp410) {
  Informer inf(*client_, res::kDeployments, rec_.handlers(), fast());
  inf.start();
  ASSERT_TRUE(eventually([&] { return server_.open_watches() == 1; }));
  server_.put(res::kDeployments, dep("a", "x"));
  ASSERT_TRUE(eventually([&] { return rec_.has("a/x"); }));
  // Stop the stream and make the version stale in the same breath.
  server_.set_http_gone_on_watch(true);
  server_.fail_next("WATCH", 1, 503);
  server_.end_watches();
  server_.put(res::kDeployments, dep("a", "y"));
  server_.compact();
  ASSERT_TRUE(eventually([&] { return inf.relists() >= 1 && rec_.has("a/y"); }));
}

TEST_F(InformerTest, MissingResourceIsSkippedOnce) {
  Recorder rec;
  Informer inf(*client_, res::kScaledObjects, rec.handlers(), fast());  // KEDA not installed
  inf.start();
  ASSERT_TRUE(eventually([&] { return inf.synced(); }));
  EXPECT_TRUE(inf.skipped());
  EXPECT_EQ(rec.synced(), 1);
  std::this_thread::sleep_for(std::chrono::milliseconds(100));  // would be several retries at 5 ms
  EXPECT_EQ(inf.errors(), 0u);
  EXPECT_EQ(server_.open_watches(), 0);
}

TEST_F(InformerTest, BacksOffAndRetriesOnErrors) {
  server_.put(res::kDeployments, dep("a", "x"));
  server_.fail_next("GET", 3, 500);
  Informer inf(*client_, res::kDeployments, rec_.handlers(), fast());
  auto start = std::chrono::steady_clock::now();
  inf.start();
  ASSERT_TRUE(eventually([&] { return inf.synced(); }));
  EXPECT_EQ(inf.errors(), 3u);
  EXPECT_THAT(inf.last_error(), ::testing::HasSubstr("HTTP 500"));
  // 5 + 10 + 20 ms at most, at least half of that with jitter.
  EXPECT_GE(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(15));
  EXPECT_TRUE(rec_.has("a/x"));
}

// A 429 with Retry-After is retried no sooner than the server asked, and a
// Retry-After longer than backoff_max waits backoff_max only.
TEST_F(InformerTest, TooManyRequestsWaitsForRetryAfterWithinTheBackoffBound) {
  server_.put(res::kDeployments, dep("a", "x"));
  server_.fail_next("GET", 1, 429, "1");
  InformerOptions o = fast();
  o.backoff_max = std::chrono::seconds(5);
  Informer inf(*client_, res::kDeployments, rec_.handlers(), o);
  inf.start();
  ASSERT_TRUE(eventually([&] { return inf.synced(); }));
  EXPECT_EQ(inf.errors(), 1u);
  EXPECT_THAT(inf.last_error(), ::testing::HasSubstr("HTTP 429 Too Many Requests: injected failure (retry after 1 s)"));
  auto lists = server_.arrivals();
  ASSERT_GE(lists.size(), 2u);
  EXPECT_EQ(lists[0].first, "GET");
  EXPECT_EQ(lists[1].first, "GET");
  // The backoff starts at 5 ms; the server asked for 1 s.
  EXPECT_GE(lists[1].second - lists[0].second, std::chrono::milliseconds(1000));
  EXPECT_TRUE(rec_.has("a/x"));
}

TEST_F(InformerTest, ARetryAfterBeyondTheBackoffBoundWaitsTheBoundOnly) {
  server_.put(res::kDeployments, dep("a", "x"));
  server_.fail_next("WATCH", 1, 429, "3600");
  InformerOptions o = fast();
  o.backoff_max = std::chrono::milliseconds(300);
  Informer inf(*client_, res::kDeployments, rec_.handlers(), o);
  inf.start();
  auto watch_arrivals = [&] {
    std::vector<std::chrono::steady_clock::time_point> out;
    for (const auto& [method, at] : server_.arrivals())
      if (method == "WATCH") out.push_back(at);
    return out;
  };
  ASSERT_TRUE(eventually([&] { return watch_arrivals().size() >= 2; }, std::chrono::seconds(10)));
  EXPECT_THAT(inf.last_error(), ::testing::HasSubstr("(retry after 600 s)"));  // capped as read, too
  const auto watches = watch_arrivals();
  ASSERT_GE(watches.size(), 2u);
  EXPECT_GE(watches[1] - watches[0], std::chrono::milliseconds(150));  // at least half the bound (jitter)
  EXPECT_LT(watches[1] - watches[0], std::chrono::seconds(5));
}

// A Retry-After that is not delta-seconds (an HTTP date, garbage) is ignored.
TEST_F(InformerTest, ARetryAfterThatIsNotSecondsIsIgnored) {
  server_.put(res::kDeployments, dep("a", "x"));
  server_.fail_next("GET", 1, 503, "Wed, 21 Oct 2015 07:28:00 GMT");
  Informer inf(*client_, res::kDeployments, rec_.handlers(), fast());
  inf.start();
  ASSERT_TRUE(eventually([&] { return inf.synced(); }));
  EXPECT_THAT(inf.last_error(), ::testing::HasSubstr("HTTP 503 Service Unavailable: injected failure"));
  EXPECT_THAT(inf.last_error(), ::testing::Not(::testing::HasSubstr("retry after")));
}

TEST_F(InformerTest, StopIsPromptWhileWatching) {
  Informer inf(*client_, res::kDeployments, rec_.handlers(), fast());
  inf.start();
  ASSERT_TRUE(eventually([&] { return server_.open_watches() == 1; }));
  auto t = std::chrono::steady_clock::now();
  inf.stop();
  EXPECT_LT(std::chrono::steady_clock::now() - t, std::chrono::seconds(2));
}

TEST_F(InformerTest, StopIsPromptWhileBackingOff) {
  server_.fail_next("GET", 1000, 500);
  InformerOptions o = fast();
  o.backoff_initial = std::chrono::seconds(30);
  Informer inf(*client_, res::kDeployments, rec_.handlers(), o);
  inf.start();
  ASSERT_TRUE(eventually([&] { return inf.errors() == 1; }));
  auto t = std::chrono::steady_clock::now();
  inf.stop();
  EXPECT_LT(std::chrono::steady_clock::now() - t, std::chrono::seconds(2));
}

}  // namespace
}  // namespace rg::kube
