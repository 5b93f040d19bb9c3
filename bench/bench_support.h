// What the benchmarks share: reading a file, and the conformance corpora
// through the same setting the tests use ($RG_CONFORMANCE_DIR, else the CMake
// option RG_CONFORMANCE_DIR). Header-only: the benchmarks do not link the
// test support library (it pulls in GoogleTest).
#pragma once

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace rg::bench {

// The whole file; throws naming the path when it cannot be read (a benchmark
// over an empty input would print a meaningless number).
inline std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline std::string conformance_dir() {
  const char* env = std::getenv("RG_CONFORMANCE_DIR");
  return env != nullptr && *env != '\0' ? std::string(env) : std::string(RG_CONFORMANCE_DIR_DEFAULT);
}

// The "query" strings of promql/queries.jsonl; empty when the corpus is absent.
inline std::vector<std::string> promql_corpus() {
  std::vector<std::string> out;
  std::ifstream in(conformance_dir() + "/promql/queries.jsonl");
  std::string line;
  while (std::getline(in, line)) {
    nlohmann::json j = nlohmann::json::parse(line, nullptr, false);
    if (j.is_object() && j.contains("query") && j["query"].is_string()) out.push_back(j["query"].get<std::string>());
  }
  return out;
}

}  // namespace rg::bench
