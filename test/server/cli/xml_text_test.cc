// XML 1.0 text and attribute values: escaping, and what XML cannot carry.
#include <string>

#include <gtest/gtest.h>

#include "server/cli/xml_text.h"

namespace rg::cli {
namespace {

const std::string kReplacement = "\xEF\xBF\xBD";  // U+FFFD in UTF-8

TEST(XmlText, EscapesMarkupCharacters) {
  EXPECT_EQ(xml_text("a\"b'c<d>e&f ]]>"), "a\"b'c&lt;d&gt;e&amp;f ]]&gt;");
  EXPECT_EQ(xml_attribute("a\"b'c<d>e&f"), "a&quot;b'c&lt;d&gt;e&amp;f");
}

// Tab, newline and carriage return survive a parser: raw in text (but \r), as
// references in attributes, where a parser would turn them into spaces.
TEST(XmlText, WhitespaceControls) {
  EXPECT_EQ(xml_text("a\tb\nc\rd"), "a\tb\nc&#13;d");
  EXPECT_EQ(xml_attribute("a\tb\nc\rd"), "a&#9;b&#10;c&#13;d");
}

TEST(XmlText, ReplacesWhatXml10CannotCarry) {
  EXPECT_EQ(xml_text(std::string("a\0b\x01" "c\x1f" "d\x7f", 8)),
            "a" + kReplacement + "b" + kReplacement + "c" + kReplacement + "d\x7f");  // DEL is allowed
  EXPECT_EQ(xml_attribute("\xEF\xBF\xBE\xEF\xBF\xBF"), kReplacement + kReplacement);  // U+FFFE, U+FFFF
}

TEST(XmlText, InvalidUtf8BecomesReplacementCharacters) {
  EXPECT_EQ(xml_text("\xff"), kReplacement);
  EXPECT_EQ(xml_text("\xc0\xaf"), kReplacement + kReplacement);                      // overlong '/'
  EXPECT_EQ(xml_text("\xe0\x80\xaf"), kReplacement + kReplacement + kReplacement);   // overlong, 3 bytes
  EXPECT_EQ(xml_text("\xed\xa0\x80"), kReplacement + kReplacement + kReplacement);   // a surrogate
  EXPECT_EQ(xml_text("\xf4\x90\x80\x80"), kReplacement + kReplacement + kReplacement + kReplacement);  // > U+10FFFF
  EXPECT_EQ(xml_text("x\xe2\x82"), "x" + kReplacement + kReplacement);  // truncated at the end
  EXPECT_EQ(xml_text("\xe2\x82x"), kReplacement + kReplacement + "x");  // truncated before ASCII
}

TEST(XmlText, KeepsValidUtf8) {
  // é, €, 😀, U+FFFD and U+10FFFF: two, three and four bytes, up to the last code point.
  const std::string text = "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 \xef\xbf\xbd \xf4\x8f\xbf\xbf";
  EXPECT_EQ(xml_text(text), text);
  EXPECT_EQ(xml_attribute(text), text);
}

}  // namespace
}  // namespace rg::cli
