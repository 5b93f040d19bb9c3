// rollout-guard: one binary, several subcommands (check, rules, explain,
// promql, serve, ...). Each subcommand lives in its own file and registers
// itself through server/cli/commands.h. Run as `kubectl-rollout_guard`, it is
// the kubectl plugin `kubectl rollout-guard` (server/cli/program.h).
#include <cstdio>
#include <exception>

#include <CLI/CLI.hpp>

#include "server/cli/commands.h"
#include "server/cli/program.h"

int main(int argc, char** argv) {
  // Before the subcommands are registered: their help texts name the program.
  rg::cli::set_program_name(rg::cli::program_name_for(argc > 0 ? argv[0] : ""));
  const std::string& name = rg::cli::program_name();
  // The name is set rather than taken from argv[0], so usage lines read
  // "rollout-guard check ..." (or "kubectl rollout-guard check ...") however
  // the binary was reached.
  CLI::App app{"rollout-guard: admission checks that keep progressive delivery honest", name};
  app.require_subcommand(1);
  app.set_version_flag("--version", "rollout-guard 0.1.0");
  int exit_code = 0;
  // The file commands first: they are what a CI job or a kubectl user runs.
  rg::cli::add_check_command(app, &exit_code);
  rg::cli::add_fix_command(app, &exit_code);
  rg::cli::add_rules_commands(app, &exit_code);
  rg::cli::add_promql_command(app, &exit_code);
  rg::cli::add_serve_command(app, &exit_code);
  rg::cli::add_reconcile_command(app, &exit_code);
  // The in-cluster servers under their own heading, after the file commands.
  for (const char* server : {"serve", "reconcile"}) {
    app.get_subcommand(server)->group("Server subcommands (in the cluster)");
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);
    return rc == 0 ? 0 : 2;  // usage errors exit 2
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s: %s\n", name.c_str(), e.what());
    return 2;
  }
  return exit_code;
}
