// Subcommands of the one `rollout-guard` binary. main.cc builds the CLI11 app
// and each add_*_command registers one subcommand; the callback stores the
// process exit code in *exit_code.
#pragma once

#include <CLI/CLI.hpp>

namespace rg::cli {

void add_check_command(CLI::App& app, int* exit_code);   // check.cc
void add_fix_command(CLI::App& app, int* exit_code);     // fix.cc
void add_rules_commands(CLI::App& app, int* exit_code);  // rules.cc: rules, explain
void add_promql_command(CLI::App& app, int* exit_code);  // promql.cc: promql fmt
void add_serve_command(CLI::App& app, int* exit_code);   // server/webhook/serve_command.cc
void add_reconcile_command(CLI::App& app, int* exit_code);  // server/reconcile/reconcile_command.cc

}  // namespace rg::cli
