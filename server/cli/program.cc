// The program name for messages (program.h).
#include "server/cli/program.h"

#include <utility>

namespace rg::cli {

namespace {

std::string& name_storage() {
  static std::string name = "rollout-guard";
  return name;
}

}  // namespace

std::string program_name_for(std::string_view argv0) {
  size_t slash = argv0.find_last_of('/');
  std::string_view base = slash == std::string_view::npos ? argv0 : argv0.substr(slash + 1);
  return base == kKubectlPluginExecutable ? "kubectl rollout-guard" : "rollout-guard";
}

const std::string& program_name() { return name_storage(); }

void set_program_name(std::string name) { name_storage() = std::move(name); }

}  // namespace rg::cli
