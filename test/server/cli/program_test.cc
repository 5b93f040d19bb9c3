// The program name from argv[0]: `kubectl rollout-guard` only under the
// executable name kubectl looks up for that command.
#include <gtest/gtest.h>

#include "server/cli/program.h"

namespace rg::cli {
namespace {

TEST(ProgramName, KubectlPluginUnderItsExecutableName) {
  EXPECT_EQ(program_name_for("kubectl-rollout_guard"), "kubectl rollout-guard");
  EXPECT_EQ(program_name_for("/usr/local/bin/kubectl-rollout_guard"), "kubectl rollout-guard");
  EXPECT_EQ(program_name_for("/home/u/.krew/bin/kubectl-rollout_guard"), "kubectl rollout-guard");
}

TEST(ProgramName, RolloutGuardUnderAnyOtherName) {
  EXPECT_EQ(program_name_for("rollout-guard"), "rollout-guard");
  EXPECT_EQ(program_name_for("./build/rollout-guard"), "rollout-guard");
  EXPECT_EQ(program_name_for(""), "rollout-guard");
  // kubectl runs this one as `kubectl rollout guard`, not `kubectl rollout-guard`.
  EXPECT_EQ(program_name_for("/usr/local/bin/kubectl-rollout-guard"), "rollout-guard");
  // Only the file's own name counts, not a folder's.
  EXPECT_EQ(program_name_for("/opt/kubectl-rollout_guard/rollout-guard"), "rollout-guard");
  EXPECT_EQ(program_name_for("/usr/local/bin/kubectl-rollout_guard.bak"), "rollout-guard");
}

}  // namespace
}  // namespace rg::cli
