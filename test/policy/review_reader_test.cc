// The fast AdmissionReview reader against nlohmann's parser: on every review
// we have it builds the same document (number types included) minus what it
// skips, and on thousands of damaged bodies it never accepts what nlohmann
// refuses nor builds something different from what nlohmann builds.
#include "policy/review_reader.h"

#include <cstring>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "test/support/conformance.h"

namespace rg::admission {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;

// Equal values of equal types (nlohmann's == calls 1, 1u and 1.0 equal).
bool same(const json& a, const json& b) {
  if (a.type() != b.type()) return false;
  if (a.is_object()) {
    if (a.size() != b.size()) return false;
    for (auto it = a.begin(), jt = b.begin(); it != a.end(); ++it, ++jt) {
      if (it.key() != jt.key() || !same(it.value(), jt.value())) return false;
    }
    return true;
  }
  if (a.is_array()) {
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); ++i) {
      if (!same(a[i], b[i])) return false;
    }
    return true;
  }
  if (a.is_number_float()) return std::memcmp(&a.get_ref<const double&>(), &b.get_ref<const double&>(), sizeof(double)) == 0;
  return a == b;
}

// What the reader should build: nlohmann's whole document minus the three
// skipped places.
json expected(const std::string& body) {
  json j = json::parse(body);
  if (!j.is_object() || !j.contains("request") || !j["request"].is_object()) return j;
  json& req = j["request"];
  req.erase("oldObject");
  if (req.contains("object") && req["object"].is_object() && req["object"].contains("metadata") &&
      req["object"]["metadata"].is_object()) {
    json& md = req["object"]["metadata"];
    md.erase("managedFields");
    if (md.contains("annotations") && md["annotations"].is_object()) {
      md["annotations"].erase("kubectl.kubernetes.io/last-applied-configuration");
    }
  }
  return j;
}

std::vector<std::string> corpus() {
  std::vector<std::string> out;
  std::vector<std::string> dirs = {test::source_dir() + "/samples/admission-reviews/good",
                                   test::source_dir() + "/samples/admission-reviews/bad"};
  if (!test::conformance_dir().empty()) dirs.push_back(test::conformance_dir() + "/admission-reviews");
  for (const std::string& d : dirs) {
    if (!fs::exists(d)) continue;
    for (const auto& e : fs::directory_iterator(d)) {
      if (e.path().extension() == ".json") out.push_back(test::read_file(e.path().string()));
    }
  }
  return out;
}

TEST(ReviewReader, BuildsNlohmannsDocumentMinusWhatItSkips) {
  std::vector<std::string> bodies = corpus();
  ASSERT_GE(bodies.size(), 80u);
  for (const std::string& body : bodies) {
    json doc;
    ASSERT_TRUE(read_review_fast(body, &doc)) << body.substr(0, 200);
    EXPECT_TRUE(same(doc, expected(body))) << body.substr(0, 200);
  }
}

TEST(ReviewReader, SkipsOnlyTheExactPlaces) {
  const std::string body = R"({"apiVersion":"admission.k8s.io/v1","request":{"uid":"u","oldObject":{"a":1},
    "object":{"metadata":{"managedFields":[{"x":1}],"annotations":{"kubectl.kubernetes.io/last-applied-configuration":"{}",
    "team":"books"},"labels":{"managedFields":"kept"}},"spec":{"managedFields":1,"oldObject":2}},
    "extra":{"oldObject":3}},"oldObject":4})";
  json doc;
  ASSERT_TRUE(read_review_fast(body, &doc));
  EXPECT_TRUE(same(doc, expected(body))) << doc.dump();
  EXPECT_FALSE(doc["request"].contains("oldObject"));
  EXPECT_EQ(doc["oldObject"], 4);
  EXPECT_EQ(doc["request"]["extra"]["oldObject"], 3);
  EXPECT_EQ(doc["request"]["object"]["spec"]["managedFields"], 1);
  EXPECT_EQ(doc["request"]["object"]["metadata"]["labels"]["managedFields"], "kept");
  EXPECT_FALSE(doc["request"]["object"]["metadata"].contains("managedFields"));
  EXPECT_EQ(doc["request"]["object"]["metadata"]["annotations"], json({{"team", "books"}}));
}

TEST(ReviewReader, NumbersStringsAndDuplicatesAsNlohmann) {
  const std::string body = R"({"u":0,"i":-1,"z":-0,"f":1.5,"e":1E3,"n":-2.5e-3,"big":18446744073709551615,
    "bigger":18446744073709551616,"small":-9223372036854775808,"smaller":-9223372036854775809,"max":1.7976931348623157e308,
    "s":"a\"b\\c\/d\b\f\n\r\t\u00e9\u20ac\ud83d\ude00\u0000end","utf8":"é€😀","dup":1,"dup":{"x":[1,2,{}]},"empty":[],"o":{},
    "t":true,"fa":false,"nu":null})";
  json doc;
  ASSERT_TRUE(read_review_fast(body, &doc));
  EXPECT_TRUE(same(doc, json::parse(body))) << doc.dump();
  EXPECT_TRUE(doc["u"].is_number_unsigned());
  EXPECT_TRUE(doc["z"].is_number_integer() && !doc["z"].is_number_unsigned());
  EXPECT_TRUE(doc["bigger"].is_number_float());
  EXPECT_TRUE(doc["smaller"].is_number_float());
  EXPECT_EQ(doc["dup"], json::parse(R"({"x":[1,2,{}]})"));
  EXPECT_EQ(doc["s"].get<std::string>().size(), 25u);
}

TEST(ReviewReader, GivesUpOnWhatNlohmannRefusesOrMustDecide) {
  const std::vector<std::string> refused = {
      "", " ", "[1]", "1", "\"s\"", "{", "{\"a\"}", "{\"a\":}", "{\"a\":1,}", "{\"a\":[1,]}", "{\"a\":01}",
      "{\"a\":1.}", "{\"a\":.5}", "{\"a\":1e}", "{\"a\":-}", "{\"a\":+1}", "{\"a\":tru}", "{\"a\":nul}",
      "{\"a\":\"\x01\"}", "{\"a\":\"\\x\"}", "{\"a\":\"\\ud800\"}", "{\"a\":\"\\udc00\"}", "{\"a\":\"\\u12\"}",
      "{\"a\":\"\xC0\xAF\"}", "{\"a\":\"\xED\xA0\x80\"}", "{\"a\":\"\xF4\x90\x80\x80\"}", "{\"a\":\"\xE2\x82\"}",
      "{\"a\":1e999}", "{\"a\":1} x", "{\"a\":1}{}", "{'a':1}", "{\"a\":1 /*c*/}", "{\"a\":NaN}",
      "\xEF\xBB\xBF{\"a\":1}",  // nlohmann accepts a BOM: it decides
  };
  for (const std::string& body : refused) {
    json doc;
    EXPECT_FALSE(read_review_fast(body, &doc)) << body;
  }
  std::string deep = "{\"a\":" + std::string(kMaxFastDepth, '[') + std::string(kMaxFastDepth, ']') + "}";
  json doc;
  EXPECT_FALSE(read_review_fast(deep, &doc));
  std::string ok = "{\"a\":" + std::string(kMaxFastDepth - 2, '[') + std::string(kMaxFastDepth - 2, ']') + "}";
  EXPECT_TRUE(read_review_fast(ok, &doc));
  EXPECT_TRUE(same(doc, json::parse(ok)));
}

// Damaged reviews (cut short, a byte changed, a byte inserted or removed):
// whatever the reader accepts, nlohmann accepts too and means the same.
TEST(ReviewReader, DamagedBodiesNeverDisagreeWithNlohmann) {
  std::vector<std::string> bodies = corpus();
  ASSERT_FALSE(bodies.empty());
  std::mt19937 rng(20240611);
  const std::string alphabet = "{}[]\":,\\ 0123456789.eE+-tfnul\x01\x7f\xC3\xA9\xED\xF0\xFF";
  int accepted = 0, refused = 0;
  for (int i = 0; i < 4000; ++i) {
    std::string body = bodies[rng() % bodies.size()];
    const size_t at = rng() % body.size();
    const char c = alphabet[rng() % alphabet.size()];
    switch (rng() % 4) {
      case 0: body.resize(at); break;
      case 1: body[at] = c; break;
      case 2: body.insert(body.begin() + static_cast<std::ptrdiff_t>(at), c); break;
      default: body.erase(at, 1); break;
    }
    json doc;
    if (read_review_fast(body, &doc)) {
      ++accepted;
      ASSERT_TRUE(json::accept(body)) << "accepted what nlohmann refuses: " << body;
      ASSERT_TRUE(same(doc, expected(body))) << body;
    } else {
      ++refused;
    }
  }
  EXPECT_GT(accepted, 100);
  EXPECT_GT(refused, 1000);
}

}  // namespace
}  // namespace rg::admission
