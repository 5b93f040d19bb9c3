// `rollout-guard promql fmt [QUERY]` and `rollout-guard promql fmt --jsonl`.
//
// Single query (argument, or all of stdin when no argument is given): prints
// the canonical form (what Prometheus' /api/v1/format_query returns) and exits
// 0, or prints the parse error ("1:26: parse error: ...") to stderr and exits 2.
//
// --jsonl: reads lines {"query": "..."} on stdin and writes one line
// {"query", "valid", "canonical", "error"} per input line. Invalid queries are
// data (exit 0); a line that is not such an object gets an output line whose
// error names the input line number, a message on stderr, and exit status 2.
#include <iostream>
#include <iterator>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "policy/promql/parser.h"
#include "policy/promql/placeholders.h"
#include "policy/promql/printer.h"
#include "server/cli/commands.h"
#include "server/cli/program.h"

namespace rg::cli {
namespace {

struct FmtOptions {
  std::string query;
  bool jsonl = false;
  bool templated = false;
};

std::string prepare(const std::string& q, bool templated) {
  return templated ? promql::substitute_placeholders(q, nullptr) : q;
}

nlohmann::ordered_json format_record(const std::string& query, bool templated) {
  nlohmann::ordered_json out;
  out["query"] = query;
  promql::ParseResult r = promql::parse(prepare(query, templated));
  out["valid"] = r.ok();
  if (r.ok()) {
    out["canonical"] = promql::pretty(*r.expr);
    out["error"] = nullptr;
  } else {
    out["canonical"] = nullptr;
    out["error"] = r.error->message;
  }
  return out;
}

int run_jsonl(bool templated) {
  int status = 0;
  std::string line;
  long line_no = 0;
  while (std::getline(std::cin, line)) {
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.find_first_not_of(" \t") == std::string::npos) continue;
    nlohmann::json in = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (in.is_discarded() || !in.is_object() || !in.contains("query") || !in["query"].is_string()) {
      std::string why = in.is_discarded() ? "not valid JSON" : "expected an object with a string field \"query\"";
      std::string msg = "stdin line " + std::to_string(line_no) + ": " + why;
      std::cerr << program_name() << " promql fmt: " << msg << "\n";
      nlohmann::ordered_json out = {{"query", nullptr}, {"valid", false}, {"canonical", nullptr}, {"error", msg}};
      std::cout << out.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace) << "\n";
      status = 2;
      continue;
    }
    nlohmann::ordered_json out = format_record(in["query"].get<std::string>(), templated);
    std::cout << out.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace) << "\n";
  }
  std::cout.flush();
  return status;
}

int run_single(const FmtOptions& o, bool have_query) {
  std::string q = o.query;
  if (!have_query) q.assign(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
  promql::ParseResult r = promql::parse(prepare(q, o.templated));
  if (!r.ok()) {
    std::cerr << r.error->message << "\n";
    return 2;
  }
  std::cout << promql::pretty(*r.expr) << "\n";
  return 0;
}

}  // namespace

void add_promql_command(CLI::App& app, int* exit_code) {
  CLI::App* promql = app.add_subcommand("promql", "PromQL tools (Prometheus 2.42 grammar)");
  promql->require_subcommand(1);
  CLI::App* fmt = promql->add_subcommand(
      "fmt", "Print a query in Prometheus' canonical format, or its parse error (exit 2)");
  auto opts = std::make_shared<FmtOptions>();
  CLI::Option* query_opt =
      fmt->add_option("QUERY", opts->query, "The PromQL query (read from stdin when omitted)");
  fmt->add_flag("--jsonl", opts->jsonl,
                "Read lines {\"query\": ...} on stdin, write {\"query\",\"valid\",\"canonical\",\"error\"} lines");
  fmt->add_flag("--templated", opts->templated,
                "Replace Argo {{args.x}} placeholders with neutral stand-ins before parsing");
  fmt->callback([opts, query_opt, exit_code] {
    try {
      if (opts->jsonl) {
        if (query_opt->count() > 0) {
          std::cerr << program_name() << " promql fmt: give either QUERY or --jsonl, not both\n";
          *exit_code = 2;
          return;
        }
        *exit_code = run_jsonl(opts->templated);
      } else {
        *exit_code = run_single(*opts, query_opt->count() > 0);
      }
    } catch (const std::exception& e) {
      std::cerr << program_name() << " promql fmt: " << e.what() << "\n";
      *exit_code = 1;
    }
  });
}

}  // namespace rg::cli
