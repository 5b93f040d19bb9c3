// Conformance against promtool 2.42's labels for 2664 PromQL strings
// (../shared/conformance/promql/queries.jsonl, see that folder's README):
// valid/invalid agreement >= 99%, canonical (format_query) equality >= 95% of
// the valid ones. Disagreements are printed so regressions are easy to read.
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "policy/promql/parser.h"
#include "policy/promql/printer.h"

namespace rg::promql {
namespace {

// RG_CONFORMANCE_DIR (environment) wins over the CMake default.
std::string conformance_dir() {
  const char* env = std::getenv("RG_CONFORMANCE_DIR");
  if (env && *env) return env;
#ifdef RG_CONFORMANCE_DIR_DEFAULT
  return RG_CONFORMANCE_DIR_DEFAULT;
#else
  return "";
#endif
}

bool in_ci() {
  const char* ci = std::getenv("CI");
  return ci && std::string(ci) == "true";
}

TEST(PromqlConformance, AgreesWithPromtool242) {
  std::string path = conformance_dir() + "/promql/queries.jsonl";
  if (!std::filesystem::exists(path)) {
    if (in_ci()) FAIL() << "conformance corpus missing at '" << path << "' and CI=true: set RG_CONFORMANCE_DIR";
    std::fprintf(stderr, "\n*** SKIPPING: PromQL conformance corpus '%s' not found (set RG_CONFORMANCE_DIR) ***\n\n",
                 path.c_str());
    GTEST_SKIP() << "conformance corpus not found: " << path;
  }
  std::ifstream in(path);
  std::string line;
  int total = 0, valid_agree = 0, valid_expected = 0, canonical_agree = 0, error_text_agree = 0, invalid_both = 0;
  int line_no = 0;
  while (std::getline(in, line)) {
    ++line_no;
    if (line.empty()) continue;
    nlohmann::json rec = nlohmann::json::parse(line, nullptr, false);
    ASSERT_FALSE(rec.is_discarded()) << path << ":" << line_no << ": bad JSON";
    std::string q = rec.at("query").get<std::string>();
    bool want_valid = rec.at("valid").get<bool>();
    ++total;
    ParseResult r = parse(q);
    if (r.ok() == want_valid) {
      ++valid_agree;
    } else {
      std::printf("VALIDITY line %d: want %s got %s\n  query: %s\n  %s\n", line_no, want_valid ? "valid" : "invalid",
                  r.ok() ? "valid" : "invalid", nlohmann::json(q).dump().c_str(),
                  r.ok() ? pretty(*r.expr).c_str() : r.error->message.c_str());
    }
    if (!want_valid && !r.ok()) {
      ++invalid_both;
      std::string want_err = rec.at("error").is_string() ? rec.at("error").get<std::string>() : "";
      if (want_err == r.error->message) {
        ++error_text_agree;
      } else if (std::getenv("RG_PROMQL_SHOW_ERRORS")) {
        std::printf("ERROR line %d: %s\n  want: %s\n  got:  %s\n", line_no, nlohmann::json(q).dump().c_str(),
                    want_err.c_str(), r.error->message.c_str());
      }
    }
    if (want_valid) {
      ++valid_expected;
      if (r.ok()) {
        std::string want = rec.at("canonical").get<std::string>();
        std::string got = pretty(*r.expr);
        if (got == want) {
          ++canonical_agree;
        } else {
          std::printf("CANONICAL line %d:\n  query: %s\n  want:  %s\n  got:   %s\n", line_no,
                      nlohmann::json(q).dump().c_str(), nlohmann::json(want).dump().c_str(),
                      nlohmann::json(got).dump().c_str());
        }
      }
    }
  }
  std::printf("PromQL conformance: validity %d/%d, canonical %d/%d, error text %d/%d\n", valid_agree, total,
              canonical_agree, valid_expected, error_text_agree, invalid_both);
  ASSERT_GT(total, 0);
  EXPECT_GE(valid_agree * 100.0 / total, 99.0);
  EXPECT_GE(canonical_agree * 100.0 / valid_expected, 95.0);
}

}  // namespace
}  // namespace rg::promql
