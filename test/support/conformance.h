// Where the conformance corpora live, for tests.
//
// RG_CONFORMANCE_DIR (environment) wins over the CMake option RG_CONFORMANCE_DIR
// (default ../shared/conformance). When the folder is absent a test calls
// RG_REQUIRE_CONFORMANCE(), which skips with a loud message, or fails when
// CI=true: in CI the corpora must be there.
#pragma once

#include <cstdio>
#include <filesystem>
#include <string>

#include <gtest/gtest.h>

namespace rg::test {

// The conformance root; "" when it does not exist.
std::string conformance_dir();
// Path of the project's source tree (for samples/).
std::string source_dir();
// Path to the built rollout-guard binary, or $RG_TEST_BINARY when set (to run
// the integration tests against another build).
std::string binary_path();
// True when CI=true in the environment.
bool in_ci();
// Reads a whole file; throws std::runtime_error naming the path on failure.
std::string read_file(const std::string& path);

}  // namespace rg::test

#define RG_REQUIRE_CONFORMANCE(subdir)                                                       \
  do {                                                                                       \
    std::string rg_dir__ = ::rg::test::conformance_dir();                                    \
    if (rg_dir__.empty() || !std::filesystem::exists(rg_dir__ + "/" + (subdir))) {           \
      if (::rg::test::in_ci()) {                                                             \
        FAIL() << "conformance corpus " << (subdir) << " missing under '" << rg_dir__        \
               << "' and CI=true: set RG_CONFORMANCE_DIR";                                   \
      }                                                                                      \
      std::fprintf(stderr, "\n*** SKIPPING: conformance corpus '%s' not found (set RG_CONFORMANCE_DIR) ***\n\n", \
                   (subdir));                                                                \
      GTEST_SKIP() << "conformance corpus " << (subdir) << " not found";                     \
    }                                                                                        \
  } while (0)
