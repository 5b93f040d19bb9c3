// rollout-guard: one binary, several subcommands (check, rules, explain,
// promql, serve, ...). Each subcommand lives in its own file and registers
// itself through server/cli/commands.h.
#include <cstdio>
#include <exception>

#include <CLI/CLI.hpp>

#include "server/cli/commands.h"

int main(int argc, char** argv) {
  CLI::App app{"rollout-guard: admission checks that keep progressive delivery honest"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "rollout-guard 0.1.0");
  int exit_code = 0;
  rg::cli::add_check_command(app, &exit_code);
  rg::cli::add_fix_command(app, &exit_code);
  rg::cli::add_rules_commands(app, &exit_code);
  rg::cli::add_promql_command(app, &exit_code);
  rg::cli::add_serve_command(app, &exit_code);
  rg::cli::add_reconcile_command(app, &exit_code);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);
    return rc == 0 ? 0 : 2;  // usage errors exit 2
  } catch (const std::exception& e) {
    std::fprintf(stderr, "rollout-guard: %s\n", e.what());
    return 2;
  }
  return exit_code;
}
