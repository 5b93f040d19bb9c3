// dispose(): frees a document depth first and leaves it null, like
// `*j = nullptr`, at any depth (past 64 levels nlohmann's own destructor
// takes over, so a deep document cannot overflow the stack).
#include "policy/object.h"

#include <filesystem>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "test/support/conformance.h"

namespace rg {
namespace {

TEST(Dispose, LeavesNullForEveryType) {
  for (const char* text : {"null", "true", "1", "-1", "1.5", "\"a string longer than sixteen bytes\"", "{}", "[]",
                           R"({"a":{"b":[1,{"c":"d"},[[]],"long string value here"]},"e":[{}],"f":null})"}) {
    json j = json::parse(text);
    dispose(&j);
    EXPECT_TRUE(j.is_null()) << text;
    dispose(&j);  // twice is harmless
    EXPECT_TRUE(j.is_null()) << text;
  }
}

TEST(Dispose, DeepDocumentsOfObjectsAndArrays) {
  for (int depth : {63, 64, 65, 100, 5000}) {
    std::string text;
    for (int i = 0; i < depth; ++i) text += i % 2 == 0 ? "{\"k\":" : "[";
    text += "\"leaf\"";
    for (int i = depth - 1; i >= 0; --i) text += i % 2 == 0 ? "}" : "]";
    json j = json::parse(text);
    json copy = j;
    dispose(&j);
    EXPECT_TRUE(j.is_null()) << depth;
    // The copy is untouched (walked without recursion: dump() of 5000
    // levels overflows the stack of a sanitizer build).
    const json* node = &copy;
    int levels = 0;
    while (node->is_structured() && node->size() == 1) {
      node = node->is_object() ? &(*node)["k"] : &(*node)[0];
      ++levels;
    }
    EXPECT_EQ(levels, depth);
    EXPECT_EQ(*node, "leaf") << depth;
  }
}

TEST(Dispose, SiblingsSharingNothing) {
  json a = json::parse(R"({"x":[1,2,{"y":"z"}]})");
  json b = a;
  dispose(&a);
  EXPECT_TRUE(a.is_null());
  EXPECT_EQ(b, json::parse(R"({"x":[1,2,{"y":"z"}]})"));
}

// child() looks a key up by string_view: it must find exactly what find() finds, for
// present keys and for absent ones next to them in the order (prefixes,
// extensions, one byte changed, bytes above 0x7f, embedded NULs).
void expect_child_as_find(const json& j, int* checked) {
  if (j.is_array()) {
    for (const json& e : j) expect_child_as_find(e, checked);
    return;
  }
  if (!j.is_object()) return;
  std::vector<std::string> probes = {"", "~", "\x7f", "\xc3\xa9", std::string("\0", 1), "zzzzzzzzzzzzzzzzzzzz"};
  for (const auto& [key, value] : j.items()) {
    probes.push_back(key);
    probes.push_back(key + "x");
    probes.push_back(key + std::string("\0", 1));
    if (!key.empty()) {
      probes.push_back(key.substr(0, key.size() - 1));
      std::string up = key, down = key, high = key, mid_high = key, mid_low = key;
      up.back() = static_cast<char>(up.back() + 1);
      down.back() = static_cast<char>(down.back() - 1);
      high.front() = '\xff';
      mid_high[key.size() / 2] = '\x80';  // past the first eight bytes in long keys
      mid_low[key.size() / 2] = '\x01';
      for (const std::string* p : {&up, &down, &high, &mid_high, &mid_low}) probes.push_back(*p);
    }
    expect_child_as_find(value, checked);
  }
  for (const std::string& k : probes) {
    auto it = j.find(k);
    const json* want = it == j.end() ? nullptr : &*it;
    ASSERT_EQ(child(j, k), want) << k << " in " << j.dump().substr(0, 200);
    ++*checked;
  }
}

TEST(Child, FindsWhatFindFinds) {
  int checked = 0;
  for (const char* text : {"{}", R"({"a":1})", R"({"":1,"\u0000":2,"\u00e9":3,"z":4,"\u007f":5,"a\u0000b":6,"a":7})",
                           R"({"b":1,"a":2,"c":3,"ab":4,"abc":5,"B":6,"aa":7,"ba":8})", "[]", "1", "null"}) {
    expect_child_as_find(json::parse(text), &checked);
  }
  json wide = json::object();
  for (int i = 0; i < 300; ++i) wide["key-" + std::to_string(i * 7919 % 1000)] = i;
  expect_child_as_find(wide, &checked);
  // Long keys that share their first 8 or 16 bytes and differ after, in
  // ASCII and in bytes above 0x7f (compared as unsigned).
  json shared = json::object();
  for (const char* tail : {"", "a", "b", "\x7f", "\x80", "\xc3\xa9", "\xff", "aaaaaaaa", "aaaaaaab", "aaaaaaa\xff"}) {
    for (const char* head : {"prefix-0", "prefix-01234567", "prefix-012345678"}) shared[std::string(head) + tail] = 1;
  }
  expect_child_as_find(shared, &checked);
  for (const auto& e : std::filesystem::directory_iterator(test::source_dir() + "/samples/admission-reviews/good")) {
    expect_child_as_find(json::parse(test::read_file(e.path().string())), &checked);
  }
  EXPECT_GT(checked, 10000);
  EXPECT_EQ(child(json::parse("[1]"), "a"), nullptr);
  EXPECT_EQ(child(json("s"), "a"), nullptr);
}

}  // namespace
}  // namespace rg
