#include "certs/base64.h"

#include <string>

#include <gtest/gtest.h>

namespace rg {
namespace {

TEST(Base64, EncodesRfc4648Vectors) {
  EXPECT_EQ(base64_encode(""), "");
  EXPECT_EQ(base64_encode("f"), "Zg==");
  EXPECT_EQ(base64_encode("fo"), "Zm8=");
  EXPECT_EQ(base64_encode("foo"), "Zm9v");
  EXPECT_EQ(base64_encode("foob"), "Zm9vYg==");
  EXPECT_EQ(base64_encode("fooba"), "Zm9vYmE=");
  EXPECT_EQ(base64_encode("foobar"), "Zm9vYmFy");
  EXPECT_EQ(base64_encode(std::string("\xff\xfe\x00", 3)), "//4A");
}

TEST(Base64, DecodesRfc4648Vectors) {
  for (const char* plain : {"", "f", "fo", "foo", "foob", "fooba", "foobar"}) {
    std::string out = "junk";
    ASSERT_TRUE(base64_decode(base64_encode(plain), &out)) << plain;
    EXPECT_EQ(out, plain);
  }
  std::string out;
  ASSERT_TRUE(base64_decode("//4A", &out));
  EXPECT_EQ(out, std::string("\xff\xfe\x00", 3));
}

TEST(Base64, DecodeTakesLineBreaksAndMissingPadding) {
  std::string out;
  ASSERT_TRUE(base64_decode("aGVs\nbG8=", &out));
  EXPECT_EQ(out, "hello");
  ASSERT_TRUE(base64_decode(" aGVs\r\n\tbG8= \n", &out));
  EXPECT_EQ(out, "hello");
  ASSERT_TRUE(base64_decode("aGVsbG8", &out));
  EXPECT_EQ(out, "hello");
  ASSERT_TRUE(base64_decode("Zg", &out));
  EXPECT_EQ(out, "f");
}

TEST(Base64, DecodeRefusesWhatNoEncoderWrites) {
  for (const char* bad : {"a$b=", "aGVsbG8=x", "aG=s", "====", "Zg===", "=Zg", "Z", "aGVsb", "Zm9v\x80", "Zm9v-_"}) {
    std::string out = "untouched";
    EXPECT_FALSE(base64_decode(bad, &out)) << bad;
    EXPECT_EQ(out, "untouched") << bad;
  }
}

}  // namespace
}  // namespace rg
