// `rollout-guard serve` runs with a larger glibc tcache: it executes itself
// again, once, with GLIBC_TUNABLES set, keeping its pid and arguments, unless
// the environment already sets GLIBC_TUNABLES.
#include <stdlib.h>

#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "test/integration/serve_process.h"

namespace rg {
namespace {

std::vector<std::string> nul_separated(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  const std::string all((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::vector<std::string> out;
  for (size_t pos = 0; pos < all.size();) {
    size_t end = all.find('\0', pos);
    if (end == std::string::npos) end = all.size();
    out.push_back(all.substr(pos, end - pos));
    pos = end + 1;
  }
  return out;
}

TEST(ServeMalloc, ReexecutesOnceWithTheTcacheTunableAndTheSameArguments) {
  const char* outer = std::getenv("GLIBC_TUNABLES");
  const auto dir = test::temp_dir("serve-malloc");
  test::Server server(dir, {"--dev-self-signed", "--cert-dir", dir.string()});
  ASSERT_TRUE(test::wait_ready(server.port(), (dir / "ca.crt").string())) << server.log();
  const std::string proc = "/proc/" + std::to_string(server.pid());
  const std::vector<std::string> env = nul_separated(proc + "/environ");
  const std::string want = std::string("GLIBC_TUNABLES=") + (outer != nullptr ? outer : "glibc.malloc.tcache_count=256");
  EXPECT_NE(std::find(env.begin(), env.end(), want), env.end()) << want;
  const std::vector<std::string> args = nul_separated(proc + "/cmdline");
  ASSERT_GE(args.size(), 4u);
  EXPECT_EQ(args[0], test::binary_path());
  EXPECT_EQ(args[1], "serve");
  EXPECT_EQ(args[2], "--listen");
  EXPECT_EQ(args.back(), dir.string());
  // The development certificates are written and announced once, by the run that serves.
  const std::string log = server.log();
  EXPECT_NE(log.find("development certificates"), std::string::npos) << log;
  EXPECT_EQ(log.find("development certificates"), log.rfind("development certificates")) << log;
}

}  // namespace
}  // namespace rg
