// The admission translation as pure functions: parsing and refusing bad
// reviews, skipping what is never blocked, the kubectl message and warnings.
#include "admission/admission.h"

#include <algorithm>
#include <random>
#include <stdexcept>

#include <gtest/gtest.h>

#include "certs/base64.h"
#include "policy/catalog.h"
#include "policy/inventory.h"
#include "policy/mutation.h"
#include "test/support/conformance.h"
#include "test/support/manifests.h"

namespace rg::admission {
namespace {

json rollout() {
  return json::parse(R"({"apiVersion":"argoproj.io/v1alpha1","kind":"Rollout",
    "metadata":{"name":"catalog","namespace":"shop",
      "annotations":{"kubectl.kubernetes.io/last-applied-configuration":"{}","team":"books"},
      "managedFields":[{"manager":"kubectl"}]},
    "spec":{"template":{"spec":{"containers":[{"name":"web","image":"nginx"}]}}}})");
}

// A Rollout that policy/exemption-reason denies: its exemption names no rule.
json denied_rollout() {
  json r = rollout();
  r["metadata"]["annotations"]["rollout-guard.io/exempt"] = "no-such/rule";
  return r;
}

json review(json object, std::string op = "CREATE", std::string api = "admission.k8s.io/v1") {
  return {{"apiVersion", api},
          {"kind", "AdmissionReview"},
          {"request",
           {{"uid", "u-1"},
            {"kind", {{"group", "argoproj.io"}, {"version", "v1alpha1"}, {"kind", "Rollout"}}},
            {"namespace", "shop"},
            {"name", "catalog"},
            {"operation", op},
            {"object", std::move(object)},
            {"oldObject", rollout()},
            {"dryRun", false}}}};
}

std::string parse_error(const std::string& body) {
  Review r;
  std::string err;
  EXPECT_FALSE(parse_review(body, &r, &err)) << body;
  return err;
}

TEST(ParseReview, DropsWhatNoRuleReads) {
  Review r;
  std::string err;
  ASSERT_TRUE(parse_review(review(rollout()).dump(), &r, &err)) << err;
  EXPECT_EQ(r.uid, "u-1");
  EXPECT_EQ(r.operation, "CREATE");
  EXPECT_EQ(r.kind, "Rollout");
  EXPECT_EQ(r.object.kind(), "Rollout");
  const json& md = r.object.doc["metadata"];
  EXPECT_FALSE(md.contains("managedFields"));
  EXPECT_FALSE(md["annotations"].contains("kubectl.kubernetes.io/last-applied-configuration"));
  EXPECT_EQ(md["annotations"]["team"], "books");  // other annotations stay
  EXPECT_EQ(r.object.doc["spec"]["template"]["spec"]["containers"][0]["name"], "web");
}


// a and b read the same: every field, the object byte for byte, and the
// /validate and /mutate answers.
::testing::AssertionResult same_review(const Review& a, const Review& b, const Context& ctx) {
  const std::pair<std::string, std::string> fields[] = {
      {a.api_version, b.api_version},
      {a.uid, b.uid},
      {a.operation, b.operation},
      {a.sub_resource, b.sub_resource},
      {a.kind, b.kind},
      {a.ns, b.ns},
      {a.name, b.name},
      {a.object.doc.dump(), b.object.doc.dump()},
      {response_json(a, validate(a, ctx)), response_json(b, validate(b, ctx))},
      {response_json(a, mutate(a, ctx)), response_json(b, mutate(b, ctx))}};
  for (const auto& [x, y] : fields) {
    if (x != y) {
      return ::testing::AssertionFailure() << "\"" << x.substr(0, 300) << "\" against \"" << y.substr(0, 300) << "\"";
    }
  }
  if (a.dry_run != b.dry_run) return ::testing::AssertionFailure() << "dryRun differs";
  return ::testing::AssertionSuccess();
}

// The fast reader and nlohmann's parser (which parse_review falls back to;
// a byte order mark sends every body there) read every review the same:
// same fields, same object, same /validate and /mutate answers, byte for
// byte. One review carries a status, which neither builds.
TEST(ParseReview, FastReaderAndNlohmannFallbackAnswerTheSame) {
  std::vector<std::string> bodies = test::review_bodies();
  ASSERT_GE(bodies.size(), 80u);
  json with_status = review(rollout(), "UPDATE");
  with_status["request"]["object"]["status"] = json::parse(R"({"phase":"Healthy","conditions":[{"type":"Available"}]})");
  with_status["request"]["userInfo"] = {{"username", "admin"}, {"groups", {"system:masters"}}};
  bodies.push_back(with_status.dump());
  const Policy policy;
  const EmptyInventory inv;
  const Context ctx{policy, inv};
  for (const std::string& body : bodies) {
    Review fast, slow;
    std::string err_fast, err_slow;
    ASSERT_TRUE(parse_review(body, &fast, &err_fast)) << err_fast;
    ASSERT_TRUE(parse_review("\xEF\xBB\xBF" + body, &slow, &err_slow)) << err_slow;
    EXPECT_TRUE(same_review(fast, slow, ctx)) << body.substr(0, 200);
    EXPECT_FALSE(fast.object.doc.is_object() && fast.object.doc.contains("status"));
  }
}

// parse_review over a ReviewScratch (as the webhook does, one per thread)
// reads every review as a fresh parse does, whatever came before it: the
// sample reviews in random order, with bad bodies (refused, or sent to the
// nlohmann fallback) in between, give the same fields, object and answers.
// Bodies over kMaxKeptBody are not kept, whether read or refused.
TEST(ParseReview, ScratchReadsEveryReviewAsAFreshParse) {
  std::vector<std::string> bodies = test::review_bodies();
  ASSERT_GE(bodies.size(), 80u);
  bodies.push_back("{not json");
  bodies.push_back(R"({"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"operation":"CREATE"}})");
  bodies.push_back("\xEF\xBB\xBF" + bodies[0]);  // the nlohmann fallback
  json big = review(rollout());
  big["request"]["object"]["metadata"]["annotations"]["padding"] = std::string(ReviewScratch::kMaxKeptBody, 'x');
  bodies.push_back(big.dump());
  big["request"].erase("uid");  // refused after the JSON is read
  bodies.push_back(big.dump());
  const Policy policy;
  const EmptyInventory inv;
  const Context ctx{policy, inv};
  ReviewScratch scratch;
  std::mt19937 rng(1202);
  for (int i = 0; i < 600; ++i) {
    const std::string& body = bodies[rng() % bodies.size()];
    SCOPED_TRACE(body.substr(0, 120));
    Review fresh, reused;
    std::string err_fresh, err_reused;
    const bool ok = parse_review(body, &fresh, &err_fresh);
    ASSERT_EQ(parse_review(body, &reused, &err_reused, &scratch), ok);
    EXPECT_EQ(err_reused, err_fresh);
    if (ok) {
      ASSERT_TRUE(same_review(reused, fresh, ctx)) << i;
    }
    if (ok) {  // as the webhook does: a refused review is not handed back
      recycle(&reused, &scratch);
      EXPECT_TRUE(reused.object.doc.is_null());
    }
    if (body.size() > ReviewScratch::kMaxKeptBody) {
      EXPECT_FALSE(scratch.holds_document()) << i;  // refused or not, nothing large is kept
    } else if (ok) {
      EXPECT_TRUE(scratch.holds_document()) << i;
    }
  }
}

// recycle() hands the object back to the scratch, and the next parse builds
// over it: a string in the object keeps the longer buffer it had.
TEST(ParseReview, ScratchBuildsOverTheRecycledObject) {
  json first = rollout(), second = rollout();
  first["spec"]["template"]["spec"]["containers"][0]["image"] = std::string(200, 'i');
  second["spec"]["template"]["spec"]["containers"][0]["image"] = "nginx:1.27";
  ReviewScratch scratch;
  Review r1, r2;
  std::string err;
  ASSERT_TRUE(parse_review(review(first).dump(), &r1, &err, &scratch)) << err;
  recycle(&r1, &scratch);
  ASSERT_TRUE(parse_review(review(second).dump(), &r2, &err, &scratch)) << err;
  const json& image = r2.object.doc["spec"]["template"]["spec"]["containers"][0]["image"];
  EXPECT_EQ(image, "nginx:1.27");
  EXPECT_GE(image.get_ref<const std::string&>().capacity(), 200u);
}

TEST(ParseReview, KeysNamedLikeDroppedOnesElsewhereStay) {
  json obj = rollout();
  obj["spec"]["managedFields"] = 1;  // not metadata.managedFields
  obj["spec"]["status"] = 2;         // not the object's status
  for (const std::string& prefix : {std::string(), std::string("\xEF\xBB\xBF")}) {  // fast, then nlohmann's
    Review r;
    std::string err;
    ASSERT_TRUE(parse_review(prefix + review(obj).dump(), &r, &err)) << err;
    EXPECT_EQ(r.object.doc["spec"]["managedFields"], 1);
    EXPECT_EQ(r.object.doc["spec"]["status"], 2);
  }
}

TEST(ParseReview, RefusesEveryBadInputClassByName) {
  EXPECT_NE(parse_error("not json").find("body is not JSON"), std::string::npos);
  EXPECT_NE(parse_error("[1]").find("must be a JSON object"), std::string::npos);
  json j = review(rollout());
  j["apiVersion"] = "admission.k8s.io/v2";
  EXPECT_NE(parse_error(j.dump()).find("apiVersion must be"), std::string::npos);
  j = review(rollout());
  j["kind"] = "Review";
  EXPECT_NE(parse_error(j.dump()).find("kind must be AdmissionReview"), std::string::npos);
  j = review(rollout());
  j.erase("request");
  EXPECT_EQ(parse_error(j.dump()), "request is missing");
  j = review(rollout());
  j["request"].erase("uid");
  EXPECT_EQ(parse_error(j.dump()), "request.uid is missing or empty");
  j = review(rollout());
  j["request"]["object"] = "x";
  EXPECT_EQ(parse_error(j.dump()), "request.object must be an object, got string");
  j = review(nullptr);
  EXPECT_EQ(parse_error(j.dump()), "request.object is missing for CREATE");
  j = review(rollout());
  j["request"]["operation"] = "PATCH";
  EXPECT_NE(parse_error(j.dump()).find("request.operation"), std::string::npos);
  std::string deep(100000, '[');
  EXPECT_NE(parse_error(deep).find("nesting deeper"), std::string::npos);
}

TEST(Validate, NeverBlocksDeleteSubresourcesOrUnreadKinds) {
  const Policy policy;
  const EmptyInventory inv;
  const Context ctx{policy, inv};
  const json bad = denied_rollout();
  Review r;
  std::string err;
  ASSERT_TRUE(parse_review(review(nullptr, "DELETE").dump(), &r, &err)) << err;
  EXPECT_EQ(validate(r, ctx).label(), "skip");
  json sub = review(bad, "UPDATE");
  sub["request"]["subResource"] = "status";
  ASSERT_TRUE(parse_review(sub.dump(), &r, &err));
  EXPECT_TRUE(validate(r, ctx).allowed);
  EXPECT_EQ(validate(r, ctx).skipped, "subresource status is not checked");
  json deploy = bad;
  deploy["apiVersion"] = "apps/v1";
  deploy["kind"] = "Deployment";
  ASSERT_TRUE(parse_review(review(deploy).dump(), &r, &err));
  EXPECT_EQ(validate(r, ctx).skipped, "kind Deployment is not checked");
  // The same object as a Rollout UPDATE is evaluated (the new object) and denied.
  ASSERT_TRUE(parse_review(review(bad, "UPDATE").dump(), &r, &err));
  Decision d = validate(r, ctx);
  EXPECT_FALSE(d.allowed);
  EXPECT_NE(d.message.find("policy/exemption-reason: "), std::string::npos) << d.message;
}

Finding finding(std::string rule, Action a, std::string msg, std::string path = "", std::string hint = "") {
  Finding f;
  f.rule = std::move(rule);
  f.action = a;
  f.message = std::move(msg);
  f.path = std::move(path);
  f.hint = std::move(hint);
  return f;
}

TEST(DenialMessage, OneDenyFindingPerLineStartingWithItsRule) {
  std::vector<Finding> fs = {
      finding("a/first", Action::Deny, "first is wrong", "spec.x", "set spec.x"),
      finding("b/warned", Action::Warn, "only a warning"),
      finding("c/second", Action::Deny, "second\nis wrong"),
  };
  EXPECT_EQ(denial_message(fs), "a/first: first is wrong (spec.x). Fix: set spec.x\nc/second: second is wrong");
  EXPECT_EQ(warnings_for(fs), std::vector<std::string>{"b/warned: only a warning"});
}

TEST(DenialMessage, BoundedWithACountOfWhatWasLeftOut) {
  std::vector<Finding> fs;
  for (int i = 0; i < 30; ++i) fs.push_back(finding("r/" + std::to_string(i), Action::Deny, std::string(100, 'x')));
  std::string m = denial_message(fs);
  EXPECT_LE(m.size(), MessageLimits{}.max_bytes);
  EXPECT_EQ(m.rfind("r/0: ", 0), 0u);
  EXPECT_NE(m.find("\n... and 20 more findings"), std::string::npos) << m;
  fs = {finding("r/huge", Action::Deny, std::string(100000, 'y'))};
  m = denial_message(fs);
  EXPECT_LE(m.size(), MessageLimits{}.max_bytes);
  EXPECT_EQ(m.rfind("r/huge: ", 0), 0u);
}

TEST(Warnings, ShortSingleLineAndBounded) {
  std::vector<Finding> fs;
  for (int i = 0; i < 40; ++i) fs.push_back(finding("w/" + std::to_string(i), Action::Warn, std::string(300, 'z') + "\n"));
  auto ws = warnings_for(fs);
  size_t total = 0;
  for (const auto& w : ws) {
    EXPECT_LE(w.size(), 256u);
    EXPECT_EQ(w.find('\n'), std::string::npos);
    total += w.size();
  }
  EXPECT_LE(total, 4096u);
  EXPECT_NE(ws.back().find("more warnings"), std::string::npos);
}

TEST(Response, AnswersInTheRequestsApiVersionAndEchoesUid) {
  const Policy policy;
  const EmptyInventory inv;
  const Context ctx{policy, inv};
  const json bad = denied_rollout();
  Review r;
  std::string err;
  ASSERT_TRUE(parse_review(review(bad, "CREATE", "admission.k8s.io/v1beta1").dump(), &r, &err));
  json out = json::parse(response_json(r, validate(r, ctx)));
  EXPECT_EQ(out["apiVersion"], "admission.k8s.io/v1beta1");
  EXPECT_EQ(out["kind"], "AdmissionReview");
  EXPECT_EQ(out["response"]["uid"], "u-1");
  EXPECT_EQ(out["response"]["allowed"], false);
  EXPECT_EQ(out["response"]["status"]["code"], 403);
  EXPECT_EQ(out["response"]["status"]["reason"], "Forbidden");
}

// What kubectl prints for a denial (k8s.io/apiserver webhookerrors.ToStatusErr
// + kubectl's StandardErrorMessage): reason in parentheses, the file, the
// webhook name, then our message verbatim.
std::string kubectl_line(const json& response, const std::string& file, const std::string& webhook) {
  const json& st = response["response"]["status"];
  return "Error from server (" + st["reason"].get<std::string>() + "): error when creating \"" + file +
         "\": admission webhook \"" + webhook + "\" denied the request: " + st["message"].get<std::string>();
}

TEST(KubectlLine, Golden) {
  const Policy policy;
  const EmptyInventory inv;
  const Context ctx{policy, inv};
  json bad = rollout();
  bad["metadata"]["annotations"]["rollout-guard.io/exempt"] = "pod-security/*";
  Review r;
  std::string err;
  ASSERT_TRUE(parse_review(review(bad).dump(), &r, &err));
  Decision d = validate(r, ctx);
  // Only the exemption finding is certain whatever rules exist: keep that line.
  std::vector<Finding> only;
  for (const Finding& f : d.findings)
    if (f.rule == "policy/exemption-reason") only.push_back(f);
  d.findings = only;
  d.message = denial_message(only);
  d.allowed = false;
  EXPECT_EQ(kubectl_line(json::parse(response_json(r, d)), "rollout.yaml", "validate.rollout-guard.io"),
            "Error from server (Forbidden): error when creating \"rollout.yaml\": admission webhook "
            "\"validate.rollout-guard.io\" denied the request: policy/exemption-reason: Rollout shop/catalog is "
            "exempt from \"pod-security/*\" without a reason (metadata.annotations[\"rollout-guard.io/exempt-reason\"]). "
            "Fix: add the annotation rollout-guard.io/exempt-reason: \"<why this object may break the rule, and until "
            "when>\"");
}

TEST(Mutate, PatchAppliesAndIsIdempotent) {
  const Policy policy;
  const EmptyInventory inv;
  const Context ctx{policy, inv};
  Review r;
  std::string err;
  ASSERT_TRUE(parse_review(review(rollout()).dump(), &r, &err));
  Decision d = mutate(r, ctx);
  EXPECT_TRUE(d.allowed);
  ASSERT_FALSE(d.patch.empty()) << "the bare Rollout needs the pod-security defaults";
  json patched = r.object.doc.patch(json::parse(d.patch));
  Review again = r;
  again.object.doc = patched;
  EXPECT_EQ(mutate(again, ctx).patch, "");
  EXPECT_FALSE(d.warnings.empty());
}

// The Rollout above with its pod-security fields absent, as a review body.
std::string bare_rollout_review(bool dry_run = false) {
  json j = review(rollout());
  j["request"]["dryRun"] = dry_run;
  return j.dump();
}

TEST(Mutate, PatchAndWarningsAreRgMutates) {
  const Policy policy;
  const EmptyInventory inv;
  const Context ctx{policy, inv};
  Review r;
  std::string err;
  ASSERT_TRUE(parse_review(bare_rollout_review(), &r, &err)) << err;
  Decision d = mutate(r, ctx);
  MutationResult m = rg::mutate(r.object, ctx);
  ASSERT_TRUE(m.error.empty()) << m.error;
  ASSERT_TRUE(m.changed());
  EXPECT_TRUE(d.allowed);
  EXPECT_EQ(d.label(), "patch");
  EXPECT_EQ(d.patch, m.patch.dump());  // byte for byte
  EXPECT_EQ(d.warnings, m.warnings);
  EXPECT_NE(std::find(d.warnings.begin(), d.warnings.end(),
                      "set spec.template.spec.securityContext.seccompProfile.type=RuntimeDefault"),
            d.warnings.end());
  // The answer carries it as base64 JSONPatch.
  json out = json::parse(response_json(r, d));
  EXPECT_EQ(out["response"]["patchType"], "JSONPatch");
  EXPECT_EQ(out["response"]["patch"], base64_encode(m.patch.dump()));
  EXPECT_EQ(out["response"]["warnings"], json(m.warnings));
}

TEST(Mutate, IdempotentAndDryRunGetsTheSameAnswer) {
  const Policy policy;
  const EmptyInventory inv;
  const Context ctx{policy, inv};
  Review r, dry;
  std::string err;
  ASSERT_TRUE(parse_review(bare_rollout_review(false), &r, &err)) << err;
  ASSERT_TRUE(parse_review(bare_rollout_review(true), &dry, &err)) << err;
  ASSERT_TRUE(dry.dry_run);
  Decision d = mutate(r, ctx);
  ASSERT_FALSE(d.patch.empty());
  Decision dd = mutate(dry, ctx);
  EXPECT_EQ(dd.patch, d.patch);
  EXPECT_EQ(dd.warnings, d.warnings);
  EXPECT_EQ(response_json(dry, dd), response_json(r, d));
  // Apply the patch, mutate again: nothing more to do.
  Review again = r;
  again.object.doc = r.object.doc.patch(json::parse(d.patch));
  Decision twice = mutate(again, ctx);
  EXPECT_EQ(twice.patch, "");
  EXPECT_TRUE(twice.warnings.empty());
  EXPECT_EQ(twice.label(), "allow");
  EXPECT_EQ(json::parse(response_json(again, twice))["response"].contains("patch"), false);
}

TEST(Mutate, ManyDefaultsAreBoundedWarnings) {
  json obj = rollout();
  json containers = json::array();
  for (int i = 0; i < 20; ++i) containers.push_back({{"name", "c" + std::to_string(i)}, {"image", "nginx"}});
  obj["spec"]["template"]["spec"]["containers"] = containers;
  Review r;
  std::string err;
  ASSERT_TRUE(parse_review(review(obj).dump(), &r, &err)) << err;
  const Policy policy;
  const EmptyInventory inv;
  Decision d = mutate(r, Context{policy, inv});
  MutationResult m = rg::mutate(r.object, Context{policy, inv});
  ASSERT_EQ(m.warnings.size(), 42u);  // 2 pod fields + 2 per container
  EXPECT_EQ(json::parse(d.patch), m.patch);  // the patch is whole; only the warnings are cut
  ASSERT_EQ(d.warnings.size(), 15u);
  EXPECT_EQ(d.warnings.back(), "... and 28 more defaults (`rollout-guard fix` shows all)");
  size_t total = 0;
  for (const std::string& w : d.warnings) total += w.size();
  EXPECT_LE(total, 4096u);
}

// An inventory whose lookups fail, as a cluster cache might: the KEDA target
// default asks it whether a Rollout of that name exists.
class BrokenInventory : public Inventory {
 public:
  const Object* find(std::string_view, std::string_view, std::string_view, std::string_view) const override {
    throw std::runtime_error("inventory unavailable");
  }
  std::vector<const Object*> list(std::string_view, std::string_view) const override {
    throw std::runtime_error("inventory unavailable");
  }
};

TEST(Mutate, FailureInsideMutationAllowsWithNoPatchAndSaysWhy) {
  json so = {{"apiVersion", "keda.sh/v1alpha1"},
             {"kind", "ScaledObject"},
             {"metadata", {{"name", "catalog"}, {"namespace", "shop"}}},
             {"spec", {{"scaleTargetRef", {{"name", "catalog"}}}, {"minReplicaCount", 2}, {"maxReplicaCount", 10}}}};
  json j = review(so);
  j["request"]["kind"] = {{"group", "keda.sh"}, {"version", "v1alpha1"}, {"kind", "ScaledObject"}};
  Review r;
  std::string err;
  ASSERT_TRUE(parse_review(j.dump(), &r, &err)) << err;
  const Policy policy;
  const BrokenInventory broken;
  ASSERT_NE(rg::mutate(r.object, Context{policy, broken}).error, "");
  Decision d = mutate(r, Context{policy, broken});
  EXPECT_TRUE(d.allowed);
  EXPECT_TRUE(d.mutation_failed);
  EXPECT_EQ(d.patch, "");
  EXPECT_TRUE(d.warnings.empty());
  EXPECT_EQ(d.skipped, "mutation failed: inventory unavailable");
  EXPECT_EQ(d.label(), "skip");
  json out = json::parse(response_json(r, d));
  EXPECT_EQ(out["response"]["allowed"], true);
  EXPECT_FALSE(out["response"].contains("patch"));
  EXPECT_FALSE(out["response"].contains("patchType"));
  EXPECT_FALSE(out["response"].contains("status"));
  // A working inventory with the Rollout: the same review gets its patch.
  MemoryInventory inv;
  inv.add(Object{{{"apiVersion", "argoproj.io/v1alpha1"}, {"kind", "Rollout"},
                  {"metadata", {{"name", "catalog"}, {"namespace", "shop"}}}}, {}});
  Decision ok = mutate(r, Context{policy, inv});
  EXPECT_FALSE(ok.mutation_failed);
  EXPECT_NE(ok.patch, "");
}

// response_json writes the answer directly; it must be byte for byte the dump
// of the json object it replaced (sorted keys, nlohmann's escaping, invalid
// UTF-8 replaced), whatever the strings hold.
std::string reference_response_json(const Review& review, const Decision& d) {
  json resp = {{"uid", review.uid}, {"allowed", d.allowed}};
  if (!d.allowed) {
    resp["status"] = {{"code", 403}, {"reason", "Forbidden"}, {"status", "Failure"}, {"message", d.message}};
  }
  if (!d.warnings.empty()) resp["warnings"] = d.warnings;
  if (!d.patch.empty()) {
    resp["patchType"] = "JSONPatch";
    resp["patch"] = base64_encode(d.patch);
  }
  json out = {{"apiVersion", review.api_version}, {"kind", "AdmissionReview"}, {"response", std::move(resp)}};
  return out.dump(-1, ' ', false, json::error_handler_t::replace);
}

TEST(ResponseJson, SameBytesAsTheDumpOfTheEquivalentJson) {
  const std::vector<std::string> texts = {"",
                                          "plain",
                                          "pod-security/runAsNonRoot: container \"web\" must set x\nsecond line",
                                          "tab\there, back\\slash, bell\x07, del\x7f, unit\x1f",
                                          "caf\xc3\xa9 \xe2\x9c\x93 \xf0\x9f\x9a\x80",
                                          "bad \xff utf-8 \xc3 cut \xe2\x9c",
                                          std::string("nul\0inside", 11)};
  for (const std::string& api : {std::string(kV1), std::string(kV1beta1)}) {
    for (const std::string& t : texts) {
      Review r;
      r.api_version = api;
      r.uid = t.empty() ? "u-1" : "u-" + t;
      for (bool allowed : {true, false}) {
        Decision d;
        d.allowed = allowed;
        if (!allowed) d.message = t;
        EXPECT_EQ(response_json(r, d), reference_response_json(r, d)) << t;
        d.warnings = {t, "second " + t};
        EXPECT_EQ(response_json(r, d), reference_response_json(r, d)) << t;
        d.patch = R"([{"op":"add","path":"/spec/x","value":")" + t + "\"}]";
        EXPECT_EQ(response_json(r, d), reference_response_json(r, d)) << t;
      }
    }
  }
}

// dump_json writes the patch text: the bytes of nlohmann's dump() for any
// document, and its exception on invalid UTF-8.
TEST(DumpJson, SameBytesAsNlohmannsDump) {
  const std::vector<std::string> docs = {
      R"(null)", R"(true)", R"(false)", R"(0)", R"(-1)", R"(18446744073709551615)", R"(-9223372036854775808)",
      R"(1.5)", R"(-0.0)", R"(1e300)", R"(0.1)", R"(1E3)", R"("")", R"("plain")", R"({})", R"([])", R"([[],{},[{}]])",
      R"({"b":1,"a":[1,2.5,"x",null,true,{"z":{}}],"c\"d":"e\\f\n\t\b\f\r\u0001\u001f\u007f /"})",
      R"({"caf\u00e9":"\u2713 \ud83d\ude80","k":["\u0000"]})",
      R"([{"op":"add","path":"/spec/template/spec/securityContext","value":{"runAsNonRoot":true,"seccompProfile":{"type":"RuntimeDefault"}}},{"op":"add","path":"/metadata/labels/app.kubernetes.io~1name","value":"x"}])",
  };
  for (const std::string& text : docs) {
    const json j = json::parse(text);
    EXPECT_EQ(dump_json(j), j.dump()) << text;
  }
  EXPECT_THROW(dump_json(json(std::string("bad \xff"))), json::type_error);
  EXPECT_THROW(dump_json(json::object({{std::string("\xc3"), 1}})), json::type_error);
  EXPECT_THROW(dump_json(json::array({1, json::object({{"k", std::string("cut \xe2\x9c")}})})), json::type_error);
}

}  // namespace
}  // namespace rg::admission
