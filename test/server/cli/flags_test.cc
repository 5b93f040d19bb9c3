// Flag values of serve and reconcile: durations and listen addresses.
#include "server/cli/flags.h"

#include <gtest/gtest.h>

namespace rg::cli {
namespace {

TEST(Flags, Durations) {
  EXPECT_EQ(parse_duration_ms("15s"), 15000);
  EXPECT_EQ(parse_duration_ms("15"), 15000);
  EXPECT_EQ(parse_duration_ms("500ms"), 500);
  EXPECT_EQ(parse_duration_ms("2m"), 120000);
  EXPECT_EQ(parse_duration_ms("0s"), 0);
  for (const char* bad : {"", "s", "-1s", "1h", "1.5s", "1 s", "99999999999s", "ms"}) {
    EXPECT_EQ(parse_duration_ms(bad), -1) << bad;
  }
}

TEST(Flags, ListenAddresses) {
  std::string host;
  int port = 0;
  ASSERT_TRUE(parse_listen("127.0.0.1:8443", &host, &port));
  EXPECT_EQ(host, "127.0.0.1");
  EXPECT_EQ(port, 8443);
  ASSERT_TRUE(parse_listen(":9090", &host, &port));
  EXPECT_EQ(host, "0.0.0.0");
  EXPECT_EQ(port, 9090);
  ASSERT_TRUE(parse_listen("[::1]:0", &host, &port));
  EXPECT_EQ(host, "::1");
  EXPECT_EQ(port, 0);
  for (const char* bad : {"", "8443", "host:", "host:65536", "host:123456", "host:80a", "host:-1"}) {
    EXPECT_FALSE(parse_listen(bad, &host, &port)) << bad;
  }
}

}  // namespace
}  // namespace rg::cli
