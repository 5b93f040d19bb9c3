// The fast AdmissionReview reader against nlohmann's parser: on every review
// we have it builds the same document (number types included) minus what it
// skips, and on thousands of damaged bodies it never accepts what nlohmann
// refuses nor builds something different from what nlohmann builds.
#include "admission/review_reader.h"

#include <cstring>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "test/support/conformance.h"
#include "test/support/manifests.h"
#include "test/support/review_json.h"

namespace rg::admission {
namespace {

using json = nlohmann::json;
using test::expected;
using test::same;

std::vector<std::string> corpus() { return test::review_bodies(true); }

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
    "kind":{"group":"argoproj.io","kind":"Rollout","version":"v1alpha1"},"userInfo":{"username":"x","groups":["a"]},
    "object":{"metadata":{"managedFields":[{"x":1}],"annotations":{"kubectl.kubernetes.io/last-applied-configuration":"{}",
    "team":"books"},"labels":{"managedFields":"kept"}},"spec":{"managedFields":1,"oldObject":2,"userInfo":3,"status":4},
    "status":{"request":{"oldObject":5},"conditions":[{"type":"Progressing"}]}},
    "extra":{"oldObject":3},"dryRun":false,"name":"n","namespace":"ns","operation":"CREATE","subResource":"s"},
    "oldObject":4,"kind":"AdmissionReview","response":{"uid":"r"}})";
  json doc;
  ASSERT_TRUE(read_review_fast(body, &doc));
  EXPECT_TRUE(same(doc, expected(body))) << doc.dump();
  EXPECT_EQ(doc, json::parse(R"({"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"u",
    "kind":{"kind":"Rollout"},"dryRun":false,"name":"n","namespace":"ns","operation":"CREATE","subResource":"s",
    "object":{"metadata":{"annotations":{"team":"books"},"labels":{"managedFields":"kept"}},
    "spec":{"managedFields":1,"oldObject":2,"userInfo":3,"status":4}}}})"))
      << doc.dump();
}

// The document nlohmann builds for `inner` placed at request.object, where
// everything is built (and at the top level, where everything is skipped but
// checked): numbers, escapes, UTF-8 and duplicates come out the same.
TEST(ReviewReader, NumbersStringsAndDuplicatesAsNlohmann) {
  const std::string inner = R"({"u":0,"i":-1,"z":-0,"f":1.5,"e":1E3,"n":-2.5e-3,"big":18446744073709551615,
    "bigger":18446744073709551616,"small":-9223372036854775808,"smaller":-9223372036854775809,"max":1.7976931348623157e308,
    "s":"a\"b\\c\/d\b\f\n\r\t\u00e9\u20ac\ud83d\ude00\u0000end","utf8":"é€😀","dup":1,"dup":{"x":[1,2,{}]},"empty":[],"o":{},
    "t":true,"fa":false,"nu":null,"esc\"key\u00e9":"v","long key with no escapes at all":"a value longer than sixteen bytes",
    "k\\":"\u0041\u00418 bytes+\"0123456789abcdef0123456789\"","d2":{"b":1,"a":2,"c":3,"a":4,"b":{"z":[]},"0":5},
    "tail":"\u00e9\u00e9"})";
  const std::string body = R"({"request":{"object":)" + inner + R"(},"skipped":)" + inner + "}";
  json doc;
  ASSERT_TRUE(read_review_fast(body, &doc));
  const json want = json::parse(inner);
  EXPECT_TRUE(same(doc["request"]["object"], want)) << doc.dump();
  EXPECT_FALSE(doc.contains("skipped"));
  const json& o = doc["request"]["object"];
  EXPECT_TRUE(o["u"].is_number_unsigned());
  EXPECT_TRUE(o["z"].is_number_integer() && !o["z"].is_number_unsigned());
  EXPECT_TRUE(o["bigger"].is_number_float());
  EXPECT_TRUE(o["smaller"].is_number_float());
  EXPECT_EQ(o["dup"], json::parse(R"({"x":[1,2,{}]})"));
  EXPECT_EQ(o["s"].get<std::string>().size(), 25u);
  EXPECT_EQ(o["esc\"key\xC3\xA9"], "v");
  EXPECT_EQ(o["k\\"], "AA8 bytes+\"0123456789abcdef0123456789\"");
  EXPECT_EQ(o["d2"], json::parse(R"({"0":5,"a":4,"b":{"z":[]},"c":3})"));
  EXPECT_EQ(o["tail"], "\xC3\xA9\xC3\xA9");
}

// Strings of every length up to 40 with a special byte at every position:
// the 16- and 8-byte scans and the byte-by-byte tail find the same end.
TEST(ReviewReader, StringScanFindsEverySpecialByte) {
  const std::vector<std::string> specials = {"\\\"", "\\\\", "\\n", "\\u00e9", "\xC3\xA9", "\xE2\x82\xAC", "\xF0\x9F\x98\x80"};
  for (size_t len = 0; len <= 40; ++len) {
    for (size_t at = 0; at <= len; ++at) {
      for (const std::string& sp : specials) {
        std::string text(len, 'x');
        text.insert(at, sp);
        const std::string body = "{\"request\":{\"object\":{\"k" + text + "\":\"" + text + "\"}},\"s\":\"" + text + "\"}";
        json doc;
        ASSERT_TRUE(read_review_fast(body, &doc)) << body;
        ASSERT_TRUE(same(doc, expected(body))) << body;
        // A control byte instead is refused wherever it sits, built or skipped.
        std::string bad = body;
        bad[bad.find(text) + at] = '\x1f';
        EXPECT_FALSE(read_review_fast(bad, &doc)) << bad;
        bad = body;
        bad[bad.rfind(text) + at] = '\x1f';
        EXPECT_FALSE(read_review_fast(bad, &doc)) << bad;
      }
    }
  }
}

TEST(ReviewReader, GivesUpOnWhatNlohmannRefusesOrMustDecide) {
  const std::vector<std::string> refused = {
      "", " ", "[1]", "1", "\"s\"", "{", "{\"a\"}", "{\"a\":}", "{\"a\":1,}", "{\"a\":[1,]}", "{\"a\":01}",
      "{\"a\":1.}", "{\"a\":.5}", "{\"a\":1e}", "{\"a\":-}", "{\"a\":+1}", "{\"a\":tru}", "{\"a\":nul}",
      "{\"a\":\"\x01\"}", "{\"a\":\"\\x\"}", "{\"a\":\"\\ud800\"}", "{\"a\":\"\\udc00\"}", "{\"a\":\"\\u12\"}",
      "{\"a\":\"\xC0\xAF\"}", "{\"a\":\"\xED\xA0\x80\"}", "{\"a\":\"\xF4\x90\x80\x80\"}", "{\"a\":\"\xE2\x82\"}",
      "{\"a\":1e999}", "{\"a\":1} x", "{\"a\":1}{}", "{'a':1}", "{\"a\":1 /*c*/}", "{\"a\":NaN}",
      "{\"a\\x\":1}", "{\"a\":\"\\ud800\\u0041\"}", "{\"a\":\"0123456789abcdef\x7f\x80\"}",
      "\xEF\xBB\xBF{\"a\":1}",  // nlohmann accepts a BOM: it decides
  };
  for (const std::string& body : refused) {
    json doc;
    EXPECT_FALSE(read_review_fast(body, &doc)) << body;  // skipped members are checked too
    if (body.size() < 2 || body[0] != '{' || body.back() != '}') continue;
    // The same inside request.object (built) and request.oldObject (skipped).
    for (const char* place : {"object", "oldObject"}) {
      const std::string nested = std::string("{\"request\":{\"") + place + "\":" + body + "}}";
      EXPECT_FALSE(read_review_fast(nested, &doc)) << nested;
    }
  }
  std::string deep = "{\"a\":" + std::string(kMaxFastDepth, '[') + std::string(kMaxFastDepth, ']') + "}";
  json doc;
  EXPECT_FALSE(read_review_fast(deep, &doc));
  std::string ok = "{\"a\":" + std::string(kMaxFastDepth - 2, '[') + std::string(kMaxFastDepth - 2, ']') + "}";
  EXPECT_TRUE(read_review_fast(ok, &doc));
  EXPECT_TRUE(same(doc, expected(ok)));
  ok = "{\"request\":{\"object\":{\"a\":" + std::string(kMaxFastDepth - 4, '[') + std::string(kMaxFastDepth - 4, ']') +
       "}}}";
  EXPECT_TRUE(read_review_fast(ok, &doc));
  EXPECT_TRUE(same(doc, expected(ok)));
}

// A review's JSON with its shape changed at random places in request.object:
// a member dropped or added, a value turned into another type, an array
// shortened, lengthened or emptied, an object emptied.
std::string reshaped(const std::string& body, std::mt19937& rng) {
  json j = json::parse(body, nullptr, false);
  if (!j.is_object() || !j.contains("request") || !j["request"].contains("object") ||
      !j["request"]["object"].is_object()) {
    return body;
  }
  // Every structured value under request.object, by pointer.
  auto structured = [&j] {
    std::vector<json*> nodes;
    std::vector<json*> stack = {&j["request"]["object"]};
    while (!stack.empty()) {
      json* n = stack.back();
      stack.pop_back();
      nodes.push_back(n);
      if (n->is_object()) {
        for (auto& [k, v] : n->items()) {
          if (v.is_structured()) stack.push_back(&v);
        }
      } else if (n->is_array()) {
        for (json& v : *n) {
          if (v.is_structured()) stack.push_back(&v);
        }
      }
    }
    return nodes;
  };
  std::vector<json*> nodes = structured();
  const int changes = 1 + static_cast<int>(rng() % 4);
  for (int c = 0; c < changes && !nodes.empty(); ++c) {
    json& n = *nodes[rng() % nodes.size()];
    const json replacements[] = {json("a string longer than sixteen bytes"), json(7), json(-3), json(2.5), json(true),
                                 json(nullptr), json::array({1, "x", json::object({{"k", "v"}})}),
                                 json::object({{"zz", 1}, {"aa", json::array()}})};
    switch (rng() % 5) {
      case 0:  // drop or replace a member / element
        if (n.is_object() && !n.empty()) {
          auto it = std::next(n.begin(), static_cast<std::ptrdiff_t>(rng() % n.size()));
          if (rng() % 2) {
            n.erase(it);
          } else {
            *it = replacements[rng() % std::size(replacements)];
          }
        } else if (n.is_array() && !n.empty()) {
          n.erase(n.begin() + static_cast<std::ptrdiff_t>(rng() % n.size()));
        }
        break;
      case 1:  // add a member / element
        if (n.is_object()) n["added-" + std::to_string(rng() % 5)] = replacements[rng() % std::size(replacements)];
        if (n.is_array()) n.push_back(replacements[rng() % std::size(replacements)]);
        break;
      case 2:  // empty it
        if (n.is_object()) n = json::object();
        if (n.is_array()) n = json::array();
        break;
      default:  // grow an array by repeating its first element
        if (n.is_array() && !n.empty()) n.push_back(json(n[0]));
        break;
    }
    nodes = structured();  // pointers may dangle after a change: one change per walk
  }
  return j.dump();
}

// read_review_into() builds over whatever the last body left (the webhook
// reuses one document per thread): over thousands of bodies in random order
// (every review we have, reshaped ones, bodies with duplicate and unsorted
// keys, damaged ones the reader gives up on halfway), each result is exactly
// the fresh one, types included.
TEST(ReviewReader, BuildingOverTheLastDocumentGivesWhatBuildingAnewGives) {
  std::vector<std::string> bodies = corpus();
  ASSERT_GE(bodies.size(), 80u);
  std::mt19937 rng(20261202);
  const size_t originals = bodies.size();
  for (size_t i = 0; i < originals; ++i) {
    for (int k = 0; k < 3; ++k) bodies.push_back(reshaped(bodies[i], rng));
  }
  for (const char* object : {R"({"b":1,"a":{"x":[1,2]},"b":{"y":"z"},"c":[],"a":2})",
                             R"({"z":{"k":"v"},"y":[{"a":1},{"b":2}],"x":"s","w":null})",
                             R"({"a":{"x":[1,2]},"z":{"k":"v","k":"w"},"m":{}})", R"({})"}) {
    bodies.push_back(R"({"kind":"AdmissionReview","apiVersion":"admission.k8s.io/v1","request":{"uid":"u",)"
                     R"("object":)" + std::string(object) + R"(,"operation":"CREATE"}})");
  }
  json doc;
  int built = 0, refused = 0;
  for (int i = 0; i < 6000; ++i) {
    std::string body = bodies[rng() % bodies.size()];
    if (rng() % 8 == 0) body.resize(rng() % body.size());  // cut short: the reader gives up partway
    json fresh;
    const bool want = read_review_fast(body, &fresh);
    ASSERT_EQ(read_review_into(body, &doc), want) << body.substr(0, 300);
    if (want) {
      ++built;
      ASSERT_TRUE(same(doc, fresh)) << "after " << i << " bodies:\n" << doc.dump().substr(0, 500) << "\nwant\n"
                                    << fresh.dump().substr(0, 500);
    } else {
      ++refused;
    }
  }
  EXPECT_GT(built, 4000);
  EXPECT_GT(refused, 300);
}

// The reuse itself: a string deep in request.object (in a map, in an array,
// in maps) keeps the buffer the longer string before it had, which only a
// string built over the last document can (a fresh one is sized to fit).
TEST(ReviewReader, BuildingOverTheLastDocumentReusesItsNodes) {
  auto body = [](const std::string& image) {
    return R"({"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"u","operation":"CREATE",)"
           R"("object":{"kind":"Rollout","spec":{"template":{"spec":{"containers":[{"name":"web","image":")" +
           image + R"("}]}}}}}})";
  };
  const std::string long_image(200, 'i'), short_image = "registry/app:1.0.0-short";
  json doc;
  ASSERT_TRUE(read_review_into(body(long_image), &doc));
  ASSERT_TRUE(read_review_into(body(short_image), &doc));
  const json& image = doc["request"]["object"]["spec"]["template"]["spec"]["containers"][0]["image"];
  ASSERT_EQ(image, short_image);
  EXPECT_GE(image.get_ref<const std::string&>().capacity(), long_image.size());
  json fresh;
  ASSERT_TRUE(read_review_fast(body(short_image), &fresh));
  EXPECT_TRUE(same(doc, fresh));
  EXPECT_LT(fresh["request"]["object"]["spec"]["template"]["spec"]["containers"][0]["image"]
                .get_ref<const std::string&>()
                .capacity(),
            long_image.size());
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

// A review whose skipped places (the last-applied annotation, oldObject)
// hold `text` as a string.
std::string with_skipped_string(const std::string& text) {
  return R"({"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"u","object":{"metadata":)"
         R"({"name":"n","annotations":{"a":"b","kubectl.kubernetes.io/last-applied-configuration":")" +
         text + R"("}}},"oldObject":{"s":")" + text + R"("}}})";
}

// with_skipped_string(text): the reader accepts it exactly when nlohmann
// does, and then builds what nlohmann builds. *accepted: whether it did.
::testing::AssertionResult skipped_as_nlohmann(const std::string& text, bool* accepted) {
  const std::string body = with_skipped_string(text);
  json doc;
  *accepted = read_review_fast(body, &doc);
  if (*accepted != json::accept(body)) {
    return ::testing::AssertionFailure() << (*accepted ? "accepted" : "refused") << " unlike nlohmann: " << body;
  }
  if (*accepted && !same(doc, expected(body))) return ::testing::AssertionFailure() << "built otherwise: " << body;
  return ::testing::AssertionSuccess();
}

// Skipped strings are checked 64 bytes at a time: a run of backslashes ending
// anywhere around a block's edge escapes what nlohmann says it escapes.
TEST(ReviewReader, BackslashRunsAcrossSkippedBlocksAsNlohmann) {
  int accepted = 0;
  for (size_t lead = 0; lead <= 140; ++lead) {
    for (size_t run = 0; run <= 5; ++run) {
      for (const char* next : {"q", "n", "\"", "u00e9", "\xC3\xA9", "\x01"}) {
        const std::string text = std::string(lead, 'x') + std::string(run, '\\') + next + std::string(70, 'y');
        bool ok = false;
        ASSERT_TRUE(skipped_as_nlohmann(text, &ok));
        accepted += ok ? 1 : 0;
      }
    }
  }
  EXPECT_GT(accepted, 300);
}

// Long skipped strings of escapes, \u escapes, UTF-8 and plain text, some
// with a flaw put in: accepted exactly when nlohmann accepts the body.
TEST(ReviewReader, LongSkippedStringsAgreeWithNlohmann) {
  std::mt19937 rng(20261202);
  const std::vector<std::string> valid = {"a", "bcdefgh", "\\\\", "\\\"", "\\n", "\\/", "\\t", "\\u00e9",
                                          "\\ud83d\\ude00", "\xC3\xA9", "\xE2\x82\xAC", "{\\\"kind\\\":\\\"Rollout\\\"}"};
  const std::vector<std::string> flaws = {"\\x", "\x01", "\x1f", "\\u12g4", "\\", "\xC3", "\xFF", "\"", "\\ud800", "\\\xC3\xA9"};
  int accepted = 0, refused = 0;
  for (int i = 0; i < 6000; ++i) {
    std::string text;
    const size_t len = 40 + rng() % 400;
    while (text.size() < len) text += valid[rng() % valid.size()];
    if (rng() % 3 == 0) text.insert(rng() % (text.size() + 1), flaws[rng() % flaws.size()]);
    bool ok = false;
    ASSERT_TRUE(skipped_as_nlohmann(text, &ok));
    (ok ? accepted : refused) += 1;
  }
  EXPECT_GT(accepted, 2000);
  EXPECT_GT(refused, 500);
}

}  // namespace
}  // namespace rg::admission
