// The name the binary answers to in usage, help and error texts.
//
// kubectl runs a plugin as an executable named kubectl-NAME found on PATH
// (a `_` in the file name is a `-` in the command): installed or linked as
// `kubectl-rollout_guard`, the binary is `kubectl rollout-guard` and says
// so. Any other name is `rollout-guard`. Everything else is the same.
#pragma once

#include <string>
#include <string_view>

namespace rg::cli {

// The executable name kubectl looks for on PATH for `kubectl rollout-guard`.
inline constexpr std::string_view kKubectlPluginExecutable = "kubectl-rollout_guard";

// "kubectl rollout-guard" when argv0's basename is kKubectlPluginExecutable,
// else "rollout-guard". Pure.
std::string program_name_for(std::string_view argv0);

// The name for messages: "rollout-guard" until main sets it from argv[0],
// once, before it registers the subcommands (whose help texts use it).
// Not thread-safe to set; safe to read from any thread after that.
const std::string& program_name();
void set_program_name(std::string name);

}  // namespace rg::cli
