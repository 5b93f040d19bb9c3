// `rollout-guard check --prometheus` against the real Prometheus from
// Debian's `prometheus` package (2.42), started here on loopback with a
// generated config. It scrapes a small exporter this test serves: the same
// `http_requests_total{code,handler}` counter and `http_request_duration_seconds`
// histogram in four modes, one scrape job per mode so they run side by side
// (the job adds the label service="catalog-<mode>", which the templates select):
//   silent   no such series at all (a canary that got no traffic)
//   idle     the series exist, the counters do not move
//   healthy  the counters grow, only 2xx
//   5xx      the counters grow, half of them 5xx, slow
// For each mode the real binary runs the preflight over the Bookstore sample
// templates and a few written for this test; the outcomes are asserted, and in
// the silent and idle modes they must agree with the static analysis's silence
// and idle scenarios (rg::analysis::analyze_template) for the same templates.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <thread>

#include <gtest/gtest.h>
#include <httplib.h>

#include "policy/analysis/metric.h"
#include "manifests/documents.h"
#include "server/cli/preflight.h"
#include "test/integration/serve_process.h"
#include "test/server/cli/run_binary.h"
#include "test/support/conformance.h"

namespace rg {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

using test::free_port;

std::string prometheus_binary() {
  const char* env = std::getenv("RG_PROMETHEUS");
  return env != nullptr && *env != '\0' ? env : "/usr/bin/prometheus";
}

// ---------------------------------------------------------------------------
// The exporter.

enum class Mode { kSilent, kIdle, kHealthy, k5xx };
const char* mode_name(Mode m) {
  switch (m) {
    case Mode::kSilent: return "silent";
    case Mode::kIdle: return "idle";
    case Mode::kHealthy: return "healthy";
    case Mode::k5xx: return "5xx";
  }
  return "?";
}
constexpr Mode kModes[] = {Mode::kSilent, Mode::kIdle, Mode::kHealthy, Mode::k5xx};

// One simulated service. Each scrape is one second of traffic in the growing
// modes: 200 requests (healthy: all 200 at 70 ms; 5xx: 100 x 200 and 100 x 500
// at 1.5 s). rate() over 2m divides by the whole window, so right after start
// (a few samples) it reads a few requests per second: above the floor of 1.
class Service {
 public:
  explicit Service(Mode m) : mode_(m) {}
  void set_mode(Mode m) { mode_ = m; }

  std::string scrape() {
    std::lock_guard<std::mutex> lock(mu_);
    Mode m = mode_;
    if (m == Mode::kHealthy) observe(200, 200, 0.07);
    if (m == Mode::k5xx) {
      observe(200, 100, 1.5);
      observe(500, 100, 1.5);
    }
    std::string out = "# HELP exporter_up The test exporter.\n# TYPE exporter_up gauge\nexporter_up 1\n";
    if (m == Mode::kSilent) return out;
    out += "# TYPE http_requests_total counter\n";
    for (auto& [code, n] : requests_) {
      out += "http_requests_total{code=\"" + std::to_string(code) + "\",handler=\"/books\"} " + std::to_string(n) + "\n";
    }
    out += "# TYPE http_request_duration_seconds histogram\n";
    for (size_t i = 0; i < kBounds.size(); ++i) {
      out += "http_request_duration_seconds_bucket{handler=\"/books\",le=\"" + kBounds[i] + "\"} " +
             std::to_string(buckets_[i]) + "\n";
    }
    out += "http_request_duration_seconds_sum{handler=\"/books\"} " + std::to_string(sum_) + "\n";
    out += "http_request_duration_seconds_count{handler=\"/books\"} " + std::to_string(buckets_.back()) + "\n";
    return out;
  }

 private:
  void observe(int code, long n, double seconds) {
    requests_[code] += n;
    for (size_t i = 0; i < kBounds.size(); ++i) {
      if (kBounds[i] == "+Inf" || seconds <= std::stod(kBounds[i])) buckets_[i] += n;
    }
    sum_ += seconds * static_cast<double>(n);
  }

  inline static const std::vector<std::string> kBounds = {"0.05", "0.1", "0.25", "0.5", "1", "2.5", "+Inf"};
  std::mutex mu_;
  std::atomic<Mode> mode_;
  // Idle starts with traffic in the past; the other modes start from zero.
  std::map<int, long> requests_ = mode_ == Mode::kIdle ? std::map<int, long>{{200, 1200}, {500, 3}}
                                  : mode_ == Mode::k5xx ? std::map<int, long>{{200, 0}, {500, 0}}
                                                        : std::map<int, long>{{200, 0}};
  std::vector<long> buckets_ = std::vector<long>(kBounds.size(), mode_ == Mode::kIdle ? 1203 : 0);
  double sum_ = mode_ == Mode::kIdle ? 84.2 : 0;
};

// ---------------------------------------------------------------------------
// Prometheus and the exporter, shared by every test of the suite.

struct Stack {
  fs::path dir;
  int exporter_port = 0, prometheus_port = 0;
  httplib::Server exporter;
  std::thread exporter_thread;
  std::map<Mode, std::unique_ptr<Service>> services;
  pid_t prometheus = -1;
  std::string url;      // with the route prefix
  std::string problem;  // why the stack is not usable ("" when fine)

  std::string log() const {
    try {
      std::string l = test::read_file((dir / "prometheus.log").string());
      return l.size() > 4000 ? l.substr(l.size() - 4000) : l;
    } catch (...) {
      return "";
    }
  }

  // An instant query straight to Prometheus (for waiting, not under test).
  nlohmann::json query(const std::string& q) {
    httplib::Client c("127.0.0.1", prometheus_port);
    c.set_connection_timeout(1, 0);
    c.set_read_timeout(2, 0);
    auto res = c.Get("/prom/api/v1/query", httplib::Params{{"query", q}}, httplib::Headers{});
    if (!res || res->status != 200) return nullptr;
    return nlohmann::json::parse(res->body, nullptr, false);
  }

  void start() {
    dir = fs::temp_directory_path() / ("rg-it-preflight-" + std::to_string(getpid()));
    fs::remove_all(dir);
    fs::create_directories(dir / "data");
    for (Mode m : kModes) services[m] = std::make_unique<Service>(m);
    exporter.Get(R"(/metrics/([a-z0-9]+))", [this](const httplib::Request& req, httplib::Response& res) {
      for (Mode m : kModes) {
        if (req.matches[1] == mode_name(m)) {
          res.set_content(services[m]->scrape(), "text/plain; version=0.0.4");
          return;
        }
      }
      res.status = 404;
    });
    exporter_port = exporter.bind_to_any_port("127.0.0.1");
    if (exporter_port <= 0) {
      problem = "cannot bind the exporter";
      return;
    }
    exporter_thread = std::thread([this] { exporter.listen_after_bind(); });

    std::string config =
        "global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n  evaluation_interval: 1s\nscrape_configs:\n";
    for (Mode m : kModes) {
      config += std::string("  - job_name: catalog-") + mode_name(m) + "\n    metrics_path: /metrics/" + mode_name(m) +
                "\n    static_configs:\n      - targets: ['127.0.0.1:" + std::to_string(exporter_port) +
                "']\n        labels: {service: catalog-" + mode_name(m) + "}\n";
    }
    std::ofstream(dir / "prometheus.yml") << config;

    prometheus_port = free_port();
    url = "http://127.0.0.1:" + std::to_string(prometheus_port) + "/prom";
    std::vector<std::string> args = {prometheus_binary(),
                                     "--config.file=" + (dir / "prometheus.yml").string(),
                                     "--storage.tsdb.path=" + (dir / "data").string(),
                                     "--web.listen-address=127.0.0.1:" + std::to_string(prometheus_port),
                                     "--web.external-url=" + url + "/",
                                     "--web.route-prefix=/prom",
                                     "--log.level=warn"};
    prometheus = test::spawn(std::move(args), dir / "prometheus.log");

    // Ready, then enough scrapes of every growing series for rate() over 2m:
    // at least 3 samples of each (bounded waits; polls, not fixed sleeps).
    auto deadline = Clock::now() + 40s;
    bool ready = false;
    while (Clock::now() < deadline && !ready) {
      int st = 0;
      if (waitpid(prometheus, &st, WNOHANG) == prometheus) {
        prometheus = -1;
        problem = "prometheus exited at start:\n" + log();
        return;
      }
      httplib::Client c("127.0.0.1", prometheus_port);
      c.set_connection_timeout(0, 200000);
      auto res = c.Get("/prom/-/ready");
      ready = res && res->status == 200;
      if (!ready) std::this_thread::sleep_for(100ms);
    }
    if (!ready) {
      problem = "prometheus not ready within 40s:\n" + log();
      return;
    }
    const std::string enough =
        "count(count_over_time({__name__=~\"http_requests_total|http_request_duration_seconds_bucket\","
        "service=~\"catalog-(idle|healthy|5xx)\"}[2m]) >= 3)";
    // 3 services x (requests: 1, 2, 2 series + 7 buckets each).
    const int series = (2 + 7) + (1 + 7) + (2 + 7);
    while (Clock::now() < deadline) {
      nlohmann::json j = query(enough);
      if (j.is_object() && j["data"]["result"].size() == 1) {
        double n = std::stod(j["data"]["result"][0]["value"][1].get<std::string>());
        if (n >= series) return;
      }
      std::this_thread::sleep_for(250ms);
    }
    problem = "prometheus did not scrape 3 samples of every series within 40s:\n" + log();
  }

  void stop() {
    if (prometheus > 0) {
      kill(prometheus, SIGTERM);
      auto end = Clock::now() + 5s;
      int st = 0;
      bool gone = false;
      while (Clock::now() < end && !(gone = waitpid(prometheus, &st, WNOHANG) == prometheus))
        std::this_thread::sleep_for(20ms);
      if (!gone) {
        kill(prometheus, SIGKILL);
        waitpid(prometheus, &st, 0);
      }
      prometheus = -1;
    }
    exporter.stop();
    if (exporter_thread.joinable()) exporter_thread.join();
    std::error_code ec;
    fs::remove_all(dir, ec);
  }
};

// ---------------------------------------------------------------------------
// Templates written for this test, beside the Bookstore samples.

const char* kTestTemplates = R"(# The guide's own success rate: `or vector(0)` inside the ratio makes
# silence read as 100% success; idle is 0/0 = NaN.
apiVersion: argoproj.io/v1alpha1
kind: AnalysisTemplate
metadata:
  name: guide-success-rate
  namespace: bookstore
spec:
  args:
  - name: service-name
  metrics:
  - name: success-rate
    successCondition: result[0] >= 0.99
    provider:
      prometheus:
        query: |
          1 - (sum(rate(http_requests_total{service="{{args.service-name}}",code=~"5.."}[2m])) / sum(rate(http_requests_total{service="{{args.service-name}}"}[2m])) or vector(0))
---
# An error ratio with only a failureCondition: NaN > 0.05 is false (passes
# when idle); no 5xx series at all is "no data" (errors).
apiVersion: argoproj.io/v1alpha1
kind: ClusterAnalysisTemplate
metadata:
  name: error-ratio
spec:
  args:
  - name: service-name
  metrics:
  - name: error-ratio
    failureCondition: result[0] > 0.05
    provider:
      prometheus:
        query: sum(rate(http_requests_total{service="{{args.service-name}}",code=~"5.."}[2m])) / sum(rate(http_requests_total{service="{{args.service-name}}"}[2m]))
---
# A traffic floor without a no-data guard, a window from an arg default, and
# a scalar query.
apiVersion: argoproj.io/v1alpha1
kind: AnalysisTemplate
metadata:
  name: raw-traffic
  namespace: bookstore
spec:
  args:
  - name: service-name
  - name: window
    value: 2m
  metrics:
  - name: requests
    successCondition: result[0] >= 1
    provider:
      prometheus:
        query: sum(rate(http_requests_total{service="{{args.service-name}}"}[{{ args.window }}]))
  - name: scalar-requests
    successCondition: result >= 1
    provider:
      prometheus:
        query: scalar(sum(rate(http_requests_total{service="{{args.service-name}}"}[{{args.window}}])))
)";

// A query Prometheus rejects, and one that returns a matrix.
const char* kBadTemplates = R"(apiVersion: argoproj.io/v1alpha1
kind: AnalysisTemplate
metadata:
  name: broken
  namespace: bookstore
spec:
  metrics:
  - name: unbalanced
    successCondition: result[0] >= 1
    provider:
      prometheus:
        query: sum(rate(http_requests_total[2m])
  - name: matrix
    successCondition: len(result) > 0
    provider:
      prometheus:
        query: http_requests_total[1m]
  - name: undeclared-arg
    successCondition: result[0] >= 1
    provider:
      prometheus:
        query: sum(up{service="{{args.service}}"})
)";

using Outcomes = std::map<std::string, std::string>;  // "template/metric" -> outcome

// What each metric gives now, per mode.
const std::map<Mode, Outcomes> kExpected = {
    {Mode::kSilent,
     {{"catalog-success-rate/success-rate", "Successful"},  // no data reads as success...
      {"catalog-success-rate/traffic", "Failed"},           // ...and the traffic floor stops it
      {"catalog-latency/p95-latency", "Successful"},
      {"guide-success-rate/success-rate", "Successful"},  // passes on silence
      {"error-ratio/error-ratio", "Error"},                // result[0] of []
      {"raw-traffic/requests", "Error"},
      {"raw-traffic/scalar-requests", "Failed"}}},  // scalar(empty) is NaN
    {Mode::kIdle,
     {{"catalog-success-rate/success-rate", "Successful"},
      {"catalog-success-rate/traffic", "Failed"},
      {"catalog-latency/p95-latency", "Successful"},
      {"guide-success-rate/success-rate", "Failed"},  // 1 - NaN
      {"error-ratio/error-ratio", "Successful"},        // NaN > 0.05 is false: passes when idle
      {"raw-traffic/requests", "Failed"},
      {"raw-traffic/scalar-requests", "Failed"}}},
    {Mode::kHealthy,
     {{"catalog-success-rate/success-rate", "Successful"},
      {"catalog-success-rate/traffic", "Successful"},
      {"catalog-latency/p95-latency", "Successful"},
      {"guide-success-rate/success-rate", "Successful"},
      {"error-ratio/error-ratio", "Error"},  // no 5xx series at all: no data
      {"raw-traffic/requests", "Successful"},
      {"raw-traffic/scalar-requests", "Successful"}}},
    {Mode::k5xx,
     {{"catalog-success-rate/success-rate", "Failed"},
      {"catalog-success-rate/traffic", "Successful"},
      {"catalog-latency/p95-latency", "Failed"},
      {"guide-success-rate/success-rate", "Failed"},
      {"error-ratio/error-ratio", "Failed"},
      {"raw-traffic/requests", "Successful"},
      {"raw-traffic/scalar-requests", "Successful"}}},
};

class Preflight : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    tmp_ = fs::temp_directory_path() / ("rg-it-preflight-files-" + std::to_string(getpid()));
    fs::create_directories(tmp_);
    std::ofstream(tmp_ / "test-templates.yaml") << kTestTemplates;
    std::ofstream(tmp_ / "bad-templates.yaml") << kBadTemplates;
    if (!fs::exists(prometheus_binary())) return;
    stack_ = new Stack();
    stack_->start();
  }
  static void TearDownTestSuite() {
    if (stack_ != nullptr) stack_->stop();
    delete stack_;
    stack_ = nullptr;
    std::error_code ec;
    fs::remove_all(tmp_, ec);
  }

  void SetUp() override {
    if (stack_ == nullptr) {
      if (test::in_ci()) FAIL() << prometheus_binary() << " missing and CI=true: .ci/run must install prometheus";
      std::fprintf(stderr,
                   "\n*** SKIPPING the live preflight tests: %s not found (apt-get install prometheus) ***\n\n",
                   prometheus_binary().c_str());
      GTEST_SKIP() << prometheus_binary() << " not found";
    }
    ASSERT_TRUE(stack_->problem.empty()) << stack_->problem;
  }

  static std::string bookstore() { return test::source_dir() + "/samples/bookstore/analysis-templates.yaml"; }
  static std::string test_templates() { return (tmp_ / "test-templates.yaml").string(); }
  static std::string bad_templates() { return (tmp_ / "bad-templates.yaml").string(); }

  // check -o json --prometheus URL ARGS... PATHS...; the parsed output.
  static test::RunResult check(const std::string& url, std::vector<std::string> extra,
                               const std::vector<std::string>& paths, nlohmann::json* out) {
    std::vector<std::string> args = {"check", "-o", "json", "--prometheus", url, "--prometheus-timeout", "5"};
    args.insert(args.end(), extra.begin(), extra.end());
    args.insert(args.end(), paths.begin(), paths.end());
    test::RunResult r = test::run_binary(args, "", 30);
    *out = nlohmann::json::parse(r.out, nullptr, false);
    return r;
  }

  static std::map<std::string, nlohmann::json> by_metric(const nlohmann::json& out) {
    std::map<std::string, nlohmann::json> m;
    if (!out.is_object() || !out.contains("preflight")) return m;
    for (const auto& p : out["preflight"]) m[p["template"].get<std::string>() + "/" + p["metric"].get<std::string>()] = p;
    return m;
  }

  static std::map<Mode, std::map<std::string, nlohmann::json>> run_all_modes() {
    std::map<Mode, std::map<std::string, nlohmann::json>> all;
    for (Mode m : kModes) {
      nlohmann::json out;
      auto r = check(stack_->url, {"--arg", std::string("service-name=catalog-") + mode_name(m)},
                     {bookstore(), test_templates()}, &out);
      EXPECT_TRUE(r.code == 0 || r.code == 1) << r.err;  // deny findings of the test templates give 1
      EXPECT_TRUE(out.is_object()) << r.out << r.err;
      all[m] = by_metric(out);
    }
    return all;
  }

  static inline Stack* stack_ = nullptr;
  static inline fs::path tmp_;
};

TEST_F(Preflight, OutcomesPerMode) {
  auto all = run_all_modes();
  for (Mode m : kModes) {
    SCOPED_TRACE(mode_name(m));
    const auto& got = all[m];
    ASSERT_EQ(got.size(), kExpected.at(m).size());
    for (const auto& [key, outcome] : kExpected.at(m)) {
      ASSERT_TRUE(got.count(key)) << key;
      const auto& p = got.at(key);
      EXPECT_EQ(p["outcome"], outcome) << key << ": " << p.dump();
      // The query sent carries the substituted args.
      std::string q = p["query"];
      EXPECT_EQ(q.find("{{"), std::string::npos) << q;
      EXPECT_NE(q.find(std::string("service=\"catalog-") + mode_name(m) + "\""), std::string::npos) << q;
      EXPECT_NE(p["file"].get<std::string>(), "");
      EXPECT_GT(p["line"].get<int>(), 0);
      // Prometheus answered every one of them: the errors are the conditions'.
      ASSERT_TRUE(p["result"].is_object()) << key << ": " << p.dump();
      if (outcome == "Error") {
        EXPECT_TRUE(p["result"]["empty"].get<bool>()) << p.dump();
        EXPECT_NE(p["error"].get<std::string>().find("result []"), std::string::npos) << p.dump();
      } else {
        EXPECT_EQ(p["error"], "") << p.dump();
      }
    }
  }
  // The values behind the outcomes.
  auto value = [&](Mode m, const std::string& key) {
    const auto& v = all[m].at(key)["result"]["values"];
    return v.size() == 1 ? v[0].get<std::string>() : v.dump();
  };
  EXPECT_EQ(value(Mode::kSilent, "catalog-success-rate/traffic"), "0");
  EXPECT_EQ(value(Mode::kSilent, "catalog-success-rate/success-rate"), "1");
  EXPECT_EQ(value(Mode::kIdle, "guide-success-rate/success-rate"), "NaN");
  EXPECT_TRUE(all[Mode::kIdle].at("guide-success-rate/success-rate")["result"]["nan"].get<bool>());
  EXPECT_EQ(value(Mode::kIdle, "error-ratio/error-ratio"), "NaN");
  EXPECT_EQ(all[Mode::kSilent].at("raw-traffic/scalar-requests")["result"]["type"], "scalar");
  EXPECT_EQ(value(Mode::kSilent, "raw-traffic/scalar-requests"), "NaN");
  EXPECT_EQ(all[Mode::kIdle].at("raw-traffic/requests")["result"]["type"], "vector");
  EXPECT_EQ(value(Mode::kIdle, "raw-traffic/requests"), "0");
  double healthy_rate = std::stod(value(Mode::kHealthy, "raw-traffic/requests"));
  EXPECT_GT(healthy_rate, 1);  // 200 requests per 1s scrape, over a 2m window that is not full yet
  EXPECT_LT(healthy_rate, 250);
  double ratio = 1 - std::stod(value(Mode::k5xx, "catalog-success-rate/success-rate"));
  EXPECT_GT(ratio, 0.4);
  EXPECT_LT(ratio, 0.6);
  double p95 = std::stod(value(Mode::kHealthy, "catalog-latency/p95-latency"));
  EXPECT_GT(p95, 0.05);
  EXPECT_LE(p95, 0.1);
  EXPECT_GT(std::stod(value(Mode::k5xx, "catalog-latency/p95-latency")), 1.0);
}

// silent <-> the silence scenario, idle <-> the idle scenario: the static
// analysis predicted what the live server says.
TEST_F(Preflight, AgreesWithTheStaticScenarios) {
  auto all = run_all_modes();
  Policy policy;
  int compared = 0;
  for (const std::string& file : {bookstore(), test_templates()}) {
    LoadResult loaded = load_documents(test::read_file(file), file);
    ASSERT_TRUE(loaded.errors.empty()) << file;
    for (const Object& o : loaded.objects) {
      analysis::TemplateAnalysis ta = analysis::analyze_template(o.doc, policy);
      for (const auto& m : ta.metrics) {
        std::string key = std::string(o.name()) + "/" + m.name;
        SCOPED_TRACE(key);
        for (auto [mode, scenario] : {std::pair{Mode::kSilent, analysis::Scenario::kSilence},
                                      std::pair{Mode::kIdle, analysis::Scenario::kIdle}}) {
          const analysis::ScenarioResult& s = analysis::scenario_result(m, scenario);
          // Every metric here is one the abstraction decides.
          ASSERT_NE(s.outcome, analysis::Outcome::kUnknown) << analysis::scenario_name(scenario);
          ASSERT_TRUE(all[mode].count(key));
          EXPECT_EQ(all[mode].at(key)["outcome"].get<std::string>(), analysis::outcome_name(s.outcome))
              << mode_name(mode) << " vs " << analysis::scenario_name(scenario) << ": static result "
              << s.result_text << ", live " << all[mode].at(key).dump();
          ++compared;
        }
      }
    }
  }
  EXPECT_EQ(compared, 14);
}

TEST_F(Preflight, TextOutput) {
  auto r = test::run_binary({"check", "--prometheus", stack_->url, "--arg", "service-name=catalog-idle", bookstore()},
                            "", 30);
  EXPECT_EQ(r.code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("preflight:\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find(": AnalysisTemplate bookstore/catalog-success-rate metric \"traffic\": Failed\n"
                       "    query: sum(rate(http_requests_total{service=\"catalog-idle\"}[2m])) or vector(0)\n"
                       "    result: vector [0]\n"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("preflight: 3 metrics, 2 Successful, 1 Failed, 0 Inconclusive, 0 Error\n"), std::string::npos)
      << r.out;
}

TEST_F(Preflight, ExitCodeWithPreflightFail) {
  nlohmann::json out;
  // The Bookstore templates have no deny finding: the idle traffic floor's
  // Failed changes the exit code only with --preflight-fail.
  EXPECT_EQ(check(stack_->url, {"--arg", "service-name=catalog-idle"}, {bookstore()}, &out).code, 0);
  EXPECT_EQ(check(stack_->url, {"--arg", "service-name=catalog-idle", "--preflight-fail"}, {bookstore()}, &out).code, 1);
  EXPECT_EQ(check(stack_->url, {"--arg", "service-name=catalog-healthy", "--preflight-fail"}, {bookstore()}, &out).code,
            0);
  EXPECT_EQ(out["preflight"].size(), 3u);
}

TEST_F(Preflight, MissingArgIsAPerMetricError) {
  nlohmann::json out;
  auto r = check(stack_->url, {}, {bookstore(), test_templates()}, &out);
  EXPECT_EQ(r.code, 1) << r.err;  // the test templates' deny findings; the preflight does not change it
  auto got = by_metric(out);
  ASSERT_EQ(got.size(), 7u) << r.out;
  for (const auto& [key, p] : got) {
    EXPECT_EQ(p["outcome"], "Error") << key;
    EXPECT_TRUE(p["result"].is_null()) << key;
    EXPECT_EQ(p["error"], "not sent: argument \"service-name\" has no value: pass --arg service-name=VALUE") << key;
    EXPECT_NE(p["query"].get<std::string>().find("{{"), std::string::npos) << "the query as written: " << key;
  }
  // The arg's default fills {{args.window}}; the missing one still names service-name.
  EXPECT_EQ(got["raw-traffic/requests"]["error"].get<std::string>().find("window"), std::string::npos);
}

TEST_F(Preflight, QueriesPrometheusRejects) {
  nlohmann::json out;
  auto r = check(stack_->url, {"--arg", "service=x"}, {bad_templates()}, &out);
  EXPECT_EQ(r.code, 1) << r.err;  // analysis/promql-syntax denies the unbalanced query statically
  auto got = by_metric(out);
  ASSERT_EQ(got.size(), 3u) << r.out;
  const auto& bad = got["broken/unbalanced"];
  EXPECT_EQ(bad["outcome"], "Error");
  EXPECT_TRUE(bad["result"].is_null());
  EXPECT_NE(bad["error"].get<std::string>().find("Prometheus returned an error (bad_data)"), std::string::npos)
      << bad.dump();
  EXPECT_NE(bad["error"].get<std::string>().find("parse error"), std::string::npos) << bad.dump();
  const auto& matrix = got["broken/matrix"];
  EXPECT_EQ(matrix["outcome"], "Error");
  EXPECT_NE(matrix["error"].get<std::string>().find("returns a matrix"), std::string::npos) << matrix.dump();
  // Args given on the command line but not declared are ignored, as in Argo.
  const auto& undeclared = got["broken/undeclared-arg"];
  EXPECT_EQ(undeclared["outcome"], "Error");
  EXPECT_EQ(undeclared["error"],
            "not sent: failed to resolve {{args.service}}: the template declares no arg \"service\" in spec.args");
}

TEST_F(Preflight, WrongPathPrefixIsAnHttpError) {
  nlohmann::json out;
  std::string no_prefix = "http://127.0.0.1:" + std::to_string(stack_->prometheus_port);
  auto r = check(no_prefix, {"--arg", "service-name=catalog-idle"}, {bookstore()}, &out);
  EXPECT_EQ(r.code, 0) << r.err;
  auto got = by_metric(out);
  ASSERT_EQ(got.size(), 3u) << r.out;
  for (const auto& [key, p] : got) {
    EXPECT_EQ(p["outcome"], "Error");
    EXPECT_EQ(p["error"].get<std::string>().rfind("HTTP 404", 0), 0u) << p.dump();
  }
  // A trailing slash on the prefix is fine.
  r = check(stack_->url + "/", {"--arg", "service-name=catalog-idle"}, {bookstore()}, &out);
  EXPECT_EQ(by_metric(out)["catalog-success-rate/traffic"]["outcome"], "Failed") << r.out;
}

// ---------------------------------------------------------------------------
// Without Prometheus: a server that is down or never answers, and bad flags.

TEST(PreflightNoServer, ConnectionRefusedIsAPerMetricError) {
  int port = free_port();  // nothing listens there
  fs::path file = fs::temp_directory_path() / ("rg-it-preflight-down-" + std::to_string(getpid()) + ".yaml");
  std::string bookstore = test::source_dir() + "/samples/bookstore/analysis-templates.yaml";
  auto run = [&](std::vector<std::string> extra) {
    std::vector<std::string> args = {"check", "-o", "json", "--prometheus", "http://127.0.0.1:" + std::to_string(port),
                                     "--arg", "service-name=catalog"};
    args.insert(args.end(), extra.begin(), extra.end());
    args.push_back(bookstore);
    return test::run_binary(args, "", 30);
  };
  auto r = run({});
  EXPECT_EQ(r.code, 0) << r.err;  // documented: preflight errors alone do not fail the check
  nlohmann::json out = nlohmann::json::parse(r.out, nullptr, false);
  ASSERT_TRUE(out.is_object()) << r.out << r.err;
  ASSERT_EQ(out["preflight"].size(), 3u);
  for (const auto& p : out["preflight"]) {
    EXPECT_EQ(p["outcome"], "Error");
    EXPECT_TRUE(p["result"].is_null());
    std::string e = p["error"];
    EXPECT_EQ(e.rfind("POST http://127.0.0.1:" + std::to_string(port) + "/api/v1/query: cannot connect", 0), 0u) << e;
  }
  EXPECT_EQ(out["summary"]["errors"], 0);  // the check itself was fine
  EXPECT_EQ(run({"--preflight-fail"}).code, 1);
  // Text output says it too, and nothing crashed.
  r = test::run_binary({"check", "--prometheus", "http://127.0.0.1:" + std::to_string(port), "--arg",
                        "service-name=catalog", bookstore},
                       "", 30);
  EXPECT_EQ(r.code, 0);
  EXPECT_NE(r.out.find("    error: POST http://127.0.0.1:"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("preflight: 3 metrics, 0 Successful, 0 Failed, 0 Inconclusive, 3 Error"), std::string::npos)
      << r.out;
}

TEST(PreflightNoServer, ServerThatNeverAnswersTimesOutOnce) {
  // Accepts connections (the kernel does, from the backlog) and never answers.
  int s = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(bind(s, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  ASSERT_EQ(listen(s, 16), 0);
  socklen_t len = sizeof a;
  getsockname(s, reinterpret_cast<sockaddr*>(&a), &len);
  std::string url = "http://127.0.0.1:" + std::to_string(ntohs(a.sin_port));
  auto start = Clock::now();
  auto r = test::run_binary({"check", "-o", "json", "--prometheus", url, "--prometheus-timeout", "0.5", "--arg",
                             "service-name=catalog", test::source_dir() + "/samples/bookstore/analysis-templates.yaml"},
                            "", 30);
  auto took = Clock::now() - start;
  close(s);
  EXPECT_EQ(r.code, 0) << r.err;
  nlohmann::json out = nlohmann::json::parse(r.out, nullptr, false);
  ASSERT_TRUE(out.is_object()) << r.out << r.err;
  ASSERT_EQ(out["preflight"].size(), 3u);
  for (const auto& p : out["preflight"]) {
    EXPECT_EQ(p["outcome"], "Error");
    EXPECT_NE(p["error"].get<std::string>().find("within 0.5s (timeout)"), std::string::npos) << p.dump();
  }
  // The later metrics do not wait again.
  EXPECT_NE(out["preflight"][2]["error"].get<std::string>().find("not sent"), std::string::npos);
  EXPECT_LT(took, 5s);
}

TEST(PreflightNoServer, BadFlagsAreUsageErrors) {
  std::string bookstore = test::source_dir() + "/samples/bookstore/analysis-templates.yaml";
  for (const auto& [args, words] : std::vector<std::pair<std::vector<std::string>, std::string>>{
           {{"--prometheus", "ftp://x"}, "must start with http:// or https://"},
           {{"--prometheus", "http://"}, "no host"},
           {{"--prometheus", "http://h:99999"}, "invalid port"},
           {{"--prometheus", "http://h/api?x=1"}, "query string"},
           {{"--prometheus", "http://u:p@h"}, "user info"},
           {{"--prometheus", "http://h", "--arg", "novalue"}, "expected name=value"},
           {{"--arg", "a=b"}, "need --prometheus"},
           {{"--preflight-fail"}, "need --prometheus"},
           {{"--prometheus", "http://h", "--prometheus-timeout", "0"}, "prometheus-timeout"}}) {
    std::vector<std::string> full = {"check"};
    full.insert(full.end(), args.begin(), args.end());
    full.push_back(bookstore);
    auto r = test::run_binary(full, "", 30);
    EXPECT_EQ(r.code, 2) << words << ": " << r.out << r.err;
    EXPECT_NE(r.err.find(words), std::string::npos) << r.err;
  }
}

TEST(PreflightUrl, Parts) {
  std::string base, prefix, error;
  ASSERT_TRUE(cli::parse_prometheus_url("http://prometheus:9090", &base, &prefix, &error)) << error;
  EXPECT_EQ(base, "http://prometheus:9090");
  EXPECT_EQ(prefix, "");
  ASSERT_TRUE(cli::parse_prometheus_url("https://example.com/prometheus/", &base, &prefix, &error)) << error;
  EXPECT_EQ(base, "https://example.com");
  EXPECT_EQ(prefix, "/prometheus");
  ASSERT_TRUE(cli::parse_prometheus_url("http://[::1]:9090/a/b", &base, &prefix, &error)) << error;
  EXPECT_EQ(base, "http://[::1]:9090");
  EXPECT_EQ(prefix, "/a/b");
  EXPECT_FALSE(cli::parse_prometheus_url("prometheus:9090", &base, &prefix, &error));
  EXPECT_FALSE(cli::parse_prometheus_url("http://h:0", &base, &prefix, &error));
  EXPECT_FALSE(cli::parse_prometheus_url("http://[::1", &base, &prefix, &error));
  EXPECT_FALSE(cli::parse_prometheus_url("http://h#x", &base, &prefix, &error));
}

}  // namespace
}  // namespace rg
