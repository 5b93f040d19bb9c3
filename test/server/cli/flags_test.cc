// Flag values of serve and reconcile: durations and listen addresses.
#include "server/cli/flags.h"

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "test/server/cli/run_binary.h"

namespace rg::cli {
namespace {

// The duration in milliseconds, or the error message.
std::string duration(std::string_view value, long long min_ms = 0) {
  long long ms = -7;
  Status st = parse_duration_flag("--drain-delay", value, min_ms, &ms);
  if (!st.ok()) {
    EXPECT_EQ(ms, -7) << value << ": left as it was on error";
    return st.message();
  }
  return std::to_string(ms);
}

TEST(Flags, DurationsInGoSyntax) {
  EXPECT_EQ(duration("15s"), "15000");
  EXPECT_EQ(duration("500ms"), "500");
  EXPECT_EQ(duration("2m"), "120000");
  EXPECT_EQ(duration("1h"), "3600000");
  EXPECT_EQ(duration("1m30s"), "90000");
  EXPECT_EQ(duration("2h45m"), "9900000");
  EXPECT_EQ(duration("1.5s"), "1500");
  EXPECT_EQ(duration(".5m"), "30000");
  EXPECT_EQ(duration("250ms"), "250");
  EXPECT_EQ(duration("+3s"), "3000");
  EXPECT_EQ(duration("0"), "0");  // the one number Go takes without a unit
  EXPECT_EQ(duration("0s"), "0");
  EXPECT_EQ(duration("-0s"), "0");
  EXPECT_EQ(duration("24h"), "86400000");
  // Rounded up to whole milliseconds: a positive duration stays positive.
  EXPECT_EQ(duration("1ns"), "1");
  EXPECT_EQ(duration("500us"), "1");
  EXPECT_EQ(duration("1500\xc2\xb5s"), "2");  // µs
  EXPECT_EQ(duration("1.0001s"), "1001");
}

TEST(Flags, MalformedDurationsNameTheFlag) {
  for (const char* bad : {"", "s", "ms", "15", "30", "1.5", "1x", "1 s", " 1s", "1s ", "1S", "1sec", "1d", "1h-",
                          "--1s", "1..5s", ".s", "1e3s", "0x10s"}) {
    EXPECT_EQ(duration(bad), "--drain-delay: \"" + std::string(bad) + "\" is not a duration (e.g. 30s, 5m, 1h)")
        << bad;
  }
  EXPECT_EQ(duration("tab\t"), "--drain-delay: \"tab\\t\" is not a duration (e.g. 30s, 5m, 1h)");  // Go's quoting
}

TEST(Flags, NegativeDurationsAreRefused) {
  EXPECT_EQ(duration("-1s"), "--drain-delay: \"-1s\" is negative");
  EXPECT_EQ(duration("-1ns"), "--drain-delay: \"-1ns\" is negative");
  EXPECT_EQ(duration("-2562047h47m16.854775808s"), "--drain-delay: \"-2562047h47m16.854775808s\" is negative");
}

TEST(Flags, DurationBounds) {
  EXPECT_EQ(duration("0", 1), "--drain-delay: \"0\" is too short (at least 1ms)");
  EXPECT_EQ(duration("1ns", 1), "1");
  EXPECT_EQ(duration("999ms", 1000), "--drain-delay: \"999ms\" is too short (at least 1s)");
  EXPECT_EQ(duration("1s", 1000), "1000");
  EXPECT_EQ(duration("24h0m0.001s"), "--drain-delay: \"24h0m0.001s\" is too long (at most 24h)");
  EXPECT_EQ(duration("25h"), "--drain-delay: \"25h\" is too long (at most 24h)");
  // The largest duration Go has still parses (and is too long); one past it overflows.
  EXPECT_EQ(duration("2562047h47m16.854775807s"), "--drain-delay: \"2562047h47m16.854775807s\" is too long (at most 24h)");
  for (const char* overflow : {"2562047h47m16.854775808s", "9223372036854775808ns", "99999999999999999999h",
                               "3000000h"}) {
    EXPECT_EQ(duration(overflow), "--drain-delay: \"" + std::string(overflow) + "\" is not a duration (e.g. 30s, 5m, 1h)")
        << overflow;
  }
}

// serve and reconcile refuse a bad duration flag before doing anything else, naming it.
TEST(Flags, ServeAndReconcileRefuseBadDurations) {
  const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
      {{"serve", "--dev-self-signed", "--drain-delay", "30"},
       "rollout-guard serve: --drain-delay: \"30\" is not a duration (e.g. 30s, 5m, 1h)\n"},
      {{"serve", "--dev-self-signed", "--read-timeout", "0"},
       "rollout-guard serve: --read-timeout: \"0\" is too short (at least 1ms)\n"},
      {{"serve", "--dev-self-signed", "--inventory-stale-after", "500ms"},
       "rollout-guard serve: --inventory-stale-after: \"500ms\" is too short (at least 1s)\n"},
      {{"reconcile", "--debounce", "-1s"}, "rollout-guard reconcile: --debounce: \"-1s\" is negative\n"},
      {{"reconcile", "--sync-timeout", "48h"}, "rollout-guard reconcile: --sync-timeout: \"48h\" is too long (at most 24h)\n"},
      // Certificate lifetimes may be far longer than a day, but not without end.
      {{"serve", "--certs-secret", "s", "--certs-service", "svc", "--certs-ca-validity", "900000h"},
       "rollout-guard serve: --certs-ca-validity: \"900000h\" is too long (at most 876000h)\n"},
      {{"serve", "--certs-secret", "s", "--certs-service", "svc", "--certs-validity", "2s"},
       "rollout-guard serve: --certs-validity: \"2s\" is too short (at least 3s)\n"},
  };
  for (const auto& [args, message] : cases) {
    test::RunResult r = test::run_binary(args, "", 30);
    EXPECT_EQ(r.code, 2) << args[1] << " " << args.back();
    EXPECT_EQ(r.err, message);
    EXPECT_EQ(r.out, "");
  }
  // Go's syntax, fractions included, is taken: serve gets past the flags (and stops at the missing certificate).
  test::RunResult r = test::run_binary(
      {"serve", "--listen", "127.0.0.1:0", "--tls-cert-file", "/nonexistent/tls.crt", "--tls-private-key-file",
       "/nonexistent/tls.key", "--shutdown-grace", "1m30s", "--drain-delay", "1.5s", "--read-timeout", "250ms",
       "--keep-alive-timeout", "1h", "--inventory-stale-after", "0.5h"},
      "", 30);
  EXPECT_EQ(r.code, 2);
  EXPECT_EQ(r.err, "rollout-guard serve: /nonexistent/tls.crt: cannot read the certificate file\n");
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
