#include "test/support/conformance.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace rg::test {

std::string conformance_dir() {
  const char* env = std::getenv("RG_CONFORMANCE_DIR");
  std::string dir = (env != nullptr && *env != '\0') ? env : RG_CONFORMANCE_DIR_DEFAULT;
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec)) return "";
  return std::filesystem::canonical(dir, ec).string();
}

std::string source_dir() { return RG_SOURCE_DIR; }
std::string binary_path() {
  const char* other = std::getenv("RG_TEST_BINARY");
  return other != nullptr && *other != '\0' ? other : RG_BINARY;
}

bool in_ci() {
  const char* ci = std::getenv("CI");
  return ci != nullptr && std::string(ci) == "true";
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace rg::test
