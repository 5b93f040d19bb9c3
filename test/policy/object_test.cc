// dispose(): frees a document depth first and leaves it null, like
// `*j = nullptr`, at any depth (past 64 levels nlohmann's own destructor
// takes over, so a deep document cannot overflow the stack).
#include "policy/object.h"

#include <string>

#include <gtest/gtest.h>

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
    EXPECT_EQ(copy.dump().size(), text.size());  // the copy is untouched
  }
}

TEST(Dispose, SiblingsSharingNothing) {
  json a = json::parse(R"({"x":[1,2,{"y":"z"}]})");
  json b = a;
  dispose(&a);
  EXPECT_TRUE(a.is_null());
  EXPECT_EQ(b, json::parse(R"({"x":[1,2,{"y":"z"}]})"));
}

}  // namespace
}  // namespace rg
