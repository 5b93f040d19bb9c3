// The real `rollout-guard serve` binary's /mutate over TLS, on the captured
// apiserver reviews, the samples' reviews and the samples' Rollouts with their
// pod-security fields taken out: every answer echoes uid and apiVersion and
// allows; a patch is base64 RFC 6902 that applies to request.object; the
// patched object, sent to /validate, has no pod-security finding left that a
// default could fix (only explicit violations remain); and the patched object
// sent to /mutate again gets no patch.
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <httplib.h>
#include <nlohmann/json.hpp>

#include "test/integration/serve_process.h"
#include "test/support/conformance.h"

namespace rg {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;

// RFC 4648 base64 (standard alphabet, padded), written here rather than
// borrowed from the server so the test checks the encoding independently.
bool decode_base64(const std::string& in, std::string* out) {
  auto value = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
  };
  if (in.size() % 4 != 0) return false;
  out->clear();
  for (size_t i = 0; i < in.size(); i += 4) {
    int v[4];
    int pad = 0;
    for (int k = 0; k < 4; ++k) {
      const char c = in[i + k];
      if (c == '=' && i + 4 == in.size() && k >= 2) {
        v[k] = 0;
        ++pad;
      } else if (pad > 0 || (v[k] = value(c)) < 0) {
        return false;
      }
    }
    const unsigned n = (unsigned(v[0]) << 18) | (unsigned(v[1]) << 12) | (unsigned(v[2]) << 6) | unsigned(v[3]);
    out->push_back(static_cast<char>((n >> 16) & 0xFF));
    if (pad < 2) out->push_back(static_cast<char>((n >> 8) & 0xFF));
    if (pad < 1) out->push_back(static_cast<char>(n & 0xFF));
  }
  return true;
}

// --- The documented pod-security defaults (docs/policy.md), restated -------
// Fills, in a Rollout's pod template, every field a default may fill and that
// is absent or null: pod runAsNonRoot and seccompProfile, each container's
// allowPrivilegeEscalation (not next to privileged: true or an added
// SYS_ADMIN, which the API refuses) and capabilities.drop ALL; Windows pods
// get only runAsNonRoot. A pod-security finding that this removes is one a
// default could have fixed.

bool absent(const json& parent, const char* key) { return !parent.contains(key) || parent[key].is_null(); }

json* object_at(json& parent, const char* key) {
  if (absent(parent, key)) parent[key] = json::object();
  return parent[key].is_object() ? &parent[key] : nullptr;
}

json fill_every_default(json obj) {
  if (obj.value("kind", "") != "Rollout") return obj;
  json::json_pointer p("/spec/template/spec");
  if (!obj.contains(p) || !obj[p].is_object()) return obj;
  json& spec = obj[p];
  const bool windows = spec.contains("os") && spec["os"].is_object() && spec["os"].value("name", "") == "windows";
  if (json* sc = object_at(spec, "securityContext")) {
    if (absent(*sc, "runAsNonRoot")) (*sc)["runAsNonRoot"] = true;
    if (!windows && absent(*sc, "seccompProfile")) (*sc)["seccompProfile"] = {{"type", "RuntimeDefault"}};
  }
  if (windows) return obj;
  for (const char* list : {"initContainers", "containers", "ephemeralContainers"}) {
    if (!spec.contains(list) || !spec[list].is_array()) continue;
    for (json& c : spec[list]) {
      if (!c.is_object()) continue;
      json* sc = object_at(c, "securityContext");
      if (sc == nullptr) continue;
      bool sys_admin = false;
      if (sc->contains("capabilities") && (*sc)["capabilities"].is_object() &&
          (*sc)["capabilities"].contains("add") && (*sc)["capabilities"]["add"].is_array()) {
        for (const json& a : (*sc)["capabilities"]["add"]) sys_admin = sys_admin || a == "SYS_ADMIN" || a == "CAP_SYS_ADMIN";
      }
      const bool privileged = sc->contains("privileged") && (*sc)["privileged"] == true;
      if (!privileged && !sys_admin && absent(*sc, "allowPrivilegeEscalation")) (*sc)["allowPrivilegeEscalation"] = false;
      json* caps = object_at(*sc, "capabilities");
      if (caps == nullptr) continue;
      if (absent(*caps, "drop")) (*caps)["drop"] = json::array();
      if ((*caps)["drop"].is_array() && std::find((*caps)["drop"].begin(), (*caps)["drop"].end(), "ALL") == (*caps)["drop"].end()) {
        (*caps)["drop"].push_back("ALL");
      }
    }
  }
  return obj;
}

// The pod-security lines of a /validate answer's status.message.
std::set<std::string> pod_security_lines(const json& answer) {
  std::set<std::string> out;
  const json& resp = answer["response"];
  if (!resp.contains("status")) return out;
  const std::string msg = resp["status"].value("message", "");
  size_t start = 0;
  while (start < msg.size()) {
    size_t end = msg.find('\n', start);
    if (end == std::string::npos) end = msg.size();
    std::string line = msg.substr(start, end - start);
    if (line.rfind("pod-security/", 0) == 0) out.insert(line);
    start = end + 1;
  }
  return out;
}

// The Rollout with what the pod-security defaults fill taken out.
json bare(json obj) {
  json& spec = obj["spec"]["template"]["spec"];
  spec.erase("securityContext");
  for (json& c : spec["containers"]) {
    if (!c.contains("securityContext")) continue;
    c["securityContext"].erase("allowPrivilegeEscalation");
    c["securityContext"].erase("capabilities");
  }
  return obj;
}

class MutateWebhook : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = test::temp_dir(std::string("mutate-") + ::testing::UnitTest::GetInstance()->current_test_info()->name());
    server_ = std::make_unique<test::Server>(dir_, std::vector<std::string>{"--dev-self-signed", "--cert-dir", dir_.string()});
    ca_ = (dir_ / "ca.crt").string();
    ASSERT_TRUE(test::wait_ready(server_->port(), ca_)) << server_->log();
    http_ = test::client(server_->port(), ca_);
  }

  json post(const std::string& path, const json& review) {
    auto res = http_->Post(path.c_str(), review.dump(), "application/json");
    if (!res) {
      ADD_FAILURE() << "no answer from " << path << ": " << httplib::to_string(res.error());
      return json::object();
    }
    EXPECT_EQ(res->status, 200) << res->body;
    return json::parse(res->body, nullptr, false);
  }

  // The whole /mutate contract for one review; true when it got a patch.
  bool check(const json& in, const std::string& what) {
    SCOPED_TRACE(what);
    const json out = post("/mutate?timeout=10s", in);
    if (!out.is_object() || !out.contains("response")) {
      ADD_FAILURE() << "not an AdmissionReview: " << out.dump();
      return false;
    }
    EXPECT_EQ(out["apiVersion"], in["apiVersion"]);
    EXPECT_EQ(out["kind"], "AdmissionReview");
    const json& resp = out["response"];
    EXPECT_EQ(resp["uid"], in["request"]["uid"]);
    EXPECT_EQ(resp["allowed"], true) << resp.dump();
    EXPECT_FALSE(resp.contains("status")) << "mutate never denies: " << resp.dump();
    if (!resp.contains("patch")) {
      EXPECT_FALSE(resp.contains("patchType"));
      return false;
    }
    EXPECT_EQ(resp["patchType"], "JSONPatch");
    std::string text;
    if (!resp["patch"].is_string() || !decode_base64(resp["patch"].get<std::string>(), &text)) {
      ADD_FAILURE() << "patch is not base64: " << resp["patch"].dump();
      return false;
    }
    const json patch = json::parse(text, nullptr, false);
    if (!patch.is_array() || patch.empty()) {
      ADD_FAILURE() << "patch is not a non-empty RFC 6902 array: " << text;
      return false;
    }
    for (const json& op : patch) EXPECT_TRUE(op["op"] == "add" || op["op"] == "replace") << op.dump();
    // Every default is reported, as "set <path>=<value>".
    if (!resp.contains("warnings")) ADD_FAILURE() << "a patch without warnings: " << resp.dump();
    for (const json& w : resp.value("warnings", json::array())) EXPECT_EQ(w.get<std::string>().rfind("set ", 0), 0u) << w;
    const json& object = in["request"]["object"];
    json patched;
    try {
      patched = object.patch(patch);
    } catch (const std::exception& e) {
      ADD_FAILURE() << "patch does not apply to request.object: " << e.what() << "\n" << text;
      return false;
    }
    EXPECT_NE(patched, object);

    // The validator: what remains of pod-security is explicit, and the
    // defaults never add a pod-security finding.
    json as_review = in;
    as_review["request"]["object"] = patched;
    const json validated = post("/validate", as_review);
    const std::set<std::string> remaining = pod_security_lines(validated);
    as_review["request"]["object"] = fill_every_default(patched);
    EXPECT_EQ(remaining, pod_security_lines(post("/validate", as_review)))
        << "a pod-security finding that a default could fix is left after the patch";
    json original = in;
    const std::set<std::string> before = pod_security_lines(post("/validate", original));
    for (const std::string& line : remaining) {
      const std::string rule = line.substr(0, line.find(':'));
      bool was_there = false;
      for (const std::string& b : before) was_there = was_there || b.rfind(rule + ":", 0) == 0;
      EXPECT_TRUE(was_there) << "the patch introduced " << line;
    }

    // Reinvocation: the patched object needs nothing more.
    as_review["request"]["object"] = patched;
    const json again = post("/mutate", as_review);
    EXPECT_TRUE(again.contains("response") && !again["response"].contains("patch")) << again.dump();
    EXPECT_TRUE(again.contains("response") && !again["response"].contains("warnings")) << again.dump();
    return true;
  }

  fs::path dir_;
  std::string ca_;
  std::unique_ptr<test::Server> server_;
  std::unique_ptr<httplib::SSLClient> http_;
};

TEST_F(MutateWebhook, CapturedApiserverReviews) {
  RG_REQUIRE_CONFORMANCE("admission-reviews");
  int n = 0, patched = 0;
  for (const auto& e : fs::directory_iterator(test::conformance_dir() + "/admission-reviews")) {
    if (e.path().extension() != ".json") continue;
    patched += check(json::parse(test::read_file(e.path().string())), e.path().filename().string());
    ++n;
  }
  EXPECT_GE(n, 13);
  // Some captured objects lack pod-security fields that a default fills.
  EXPECT_GT(patched, 0) << "no captured review got a patch";
  std::printf("/mutate on %d captured reviews: %d patched\n", n, patched);
}

TEST_F(MutateWebhook, SamplesReviewsAndTheirRolloutsWithoutSecurityContext) {
  const std::string dir = test::source_dir() + "/samples/admission-reviews/";
  ASSERT_TRUE(fs::exists(dir + "good")) << "samples/admission-reviews not generated";
  int n = 0, patched = 0, bare_rollouts = 0;
  for (const char* sub : {"good", "bad"}) {
    for (const auto& e : fs::directory_iterator(dir + sub)) {
      if (e.path().extension() != ".json") continue;
      const std::string what = std::string(sub) + "/" + e.path().filename().string();
      const json in = json::parse(test::read_file(e.path().string()));
      patched += check(in, what);
      ++n;
      // The same review with the pod-security fields removed: the defaults
      // must fill them (and explicit violations elsewhere stay denied).
      const json& obj = in["request"]["object"];
      if (obj.is_object() && obj.value("kind", "") == "Rollout") {
        json stripped = in;
        stripped["request"]["object"] = bare(obj);
        EXPECT_TRUE(check(stripped, what + " without securityContext")) << "no patch for a bare Rollout";
        ++bare_rollouts;
      }
    }
  }
  EXPECT_GE(n, 80);
  EXPECT_GE(bare_rollouts, 20);
  std::printf("/mutate on %d sample reviews: %d patched; %d bare Rollouts patched\n", n, patched, bare_rollouts);
}

TEST_F(MutateWebhook, ExplicitViolationStaysAndIsStillDenied) {
  const std::string file = test::source_dir() + "/samples/admission-reviews/good/bookstore-rollout-catalog-create.json";
  json in = json::parse(test::read_file(file));
  json obj = bare(in["request"]["object"]);
  obj["spec"]["template"]["spec"]["containers"][0]["securityContext"]["allowPrivilegeEscalation"] = true;
  in["request"]["object"] = obj;
  ASSERT_TRUE(check(in, "explicit allowPrivilegeEscalation: true"));
  const json out = post("/mutate", in);
  std::string text;
  ASSERT_TRUE(decode_base64(out["response"]["patch"].get<std::string>(), &text));
  json patched = obj.patch(json::parse(text));
  EXPECT_EQ(patched["spec"]["template"]["spec"]["containers"][0]["securityContext"]["allowPrivilegeEscalation"], true);
  EXPECT_EQ(patched["spec"]["template"]["spec"]["securityContext"]["runAsNonRoot"], true);
  in["request"]["object"] = patched;
  const json validated = post("/validate", in);
  EXPECT_EQ(validated["response"]["allowed"], false);
  bool ape = false;
  for (const std::string& line : pod_security_lines(validated)) ape = ape || line.rfind("pod-security/allowPrivilegeEscalation:", 0) == 0;
  EXPECT_TRUE(ape) << validated.dump();
  EXPECT_EQ(pod_security_lines(validated).size(), 1u) << validated.dump();
}

}  // namespace
}  // namespace rg
