// `rollout-guard check [flags] PATH...`: files, directories and stdin in,
// findings out. Only the file handling lives here; reading manifests, the
// policy and every rule are the core's (policy/).
#include "server/cli/check.h"

#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "policy/catalog.h"
#include "policy/eval_cache.h"
#include "policy/inventory.h"
#include "policy/object.h"
#include "policy/policy.h"
#include "server/cli/commands.h"
#include "server/cli/inputs.h"
#include "server/cli/parallel.h"
#include "server/cli/program.h"

namespace rg::cli {
namespace {

// What a run builds, on the heap so that an exiting process can leave it to
// the OS (CheckOptions::exiting). The inventory points at the objects, which
// outlive it (declared first).
struct Run {
  std::vector<Object> objects;
  MemoryInventory inventory;
  EvalCache cache;  // the inventory and policy do not change during the run: one cache for all
};

// The run an exiting process leaves to the OS. Held here rather than dropped
// so that it stays reachable: a leak checker (LeakSanitizer in the
// sanitizer lane) then sees memory in use at exit, not a leak.
Run* volatile left_for_exit = nullptr;  // volatile: the store must not be optimized away

}  // namespace

int run_check(const CheckOptions& opts, std::istream& in, std::ostream& out, std::ostream& err) {
  try {
    Policy policy;
    std::string policy_error;
    if (!load_policy_file(opts.policy_file, opts.limits.max_bytes, &policy, &policy_error)) {
      err << policy_error << "\n";
      return 2;
    }

    auto run = std::make_unique<Run>();
    std::vector<Object>& objects = run->objects;

    CheckReport report;
    LoadedInputs loaded = load_inputs(opts.paths, in, opts.limits, opts.jobs);
    report.errors = std::move(loaded.errors);
    report.notes = std::move(loaded.notes);
    report.skipped = loaded.skipped;
    for (LoadedFile& file : loaded.files) {
      report.inputs.push_back(file.name);
      for (Object& o : file.objects) objects.push_back(std::move(o));
    }

    // Every object of the run is visible to cross-object rules, whether or
    // not a rule reads its kind (a Deployment matters to an HPA rule).
    for (const Object& o : objects) run->inventory.add_unowned(o);
    Context ctx{policy, run->inventory};
    ctx.cache = &run->cache;
    // Evaluated by the same number of threads as the loading (the core is
    // pure and the cache locks); findings are gathered in input order.
    std::vector<std::vector<Finding>> found(objects.size());
    const unsigned jobs = objects.size() < 64 ? 1 : opts.jobs;  // a few objects are not worth a thread
    parallel_for(objects.size(), jobs, [&](size_t i) {
      if (kind_is_read(objects[i].kind())) found[i] = evaluate(objects[i], ctx);
    });
    for (size_t i = 0; i < objects.size(); ++i) {
      if (!kind_is_read(objects[i].kind())) {
        ++report.skipped;
        continue;
      }
      const Object& o = objects[i];
      report.checked.push_back({o.where.file, o.where.line, std::string(o.kind()), std::string(o.ns()),
                                std::string(o.name()), report.findings.size(), found[i].size()});
      for (Finding& f : found[i]) report.findings.push_back(std::move(f));
    }
    if (!opts.preflight.url.empty()) {  // --prometheus: the live preflight (preflight.h)
      report.preflight_ran = true;
      report.preflight_fail = opts.preflight_fail;
      report.preflight = run_preflight(objects, policy, opts.preflight);
    }

    for (const std::string& n : report.notes) err << n << "\n";
    for (const InputError& e : report.errors) err << e.str() << "\n";
    switch (opts.format) {
      case OutputFormat::Text: out << render_text(report); break;
      case OutputFormat::Json: out << render_json(report); break;
      case OutputFormat::Sarif: out << render_sarif(report); break;
      case OutputFormat::Junit: out << render_junit(report); break;
    }
    out.flush();
    if (opts.exiting) {
      left_for_exit = run.release();  // the process exit frees it at once
    } else {
      // Free the documents on the worker threads too, not one by one on this
      // one at scope exit (serial work at the end of a large run).
      parallel_for(objects.size(), jobs, [&](size_t i) { dispose(&objects[i].doc); });
    }
    return report.exit_code();
  } catch (const std::exception& e) {
    err << program_name() << " check: internal error: " << e.what() << "\n";
  } catch (...) {
    err << program_name() << " check: internal error\n";
  }
  return 2;
}

void add_check_command(CLI::App& app, int* exit_code) {
  auto opts = std::make_shared<CheckOptions>();
  auto format = std::make_shared<std::string>("text");
  CLI::App* cmd = app.add_subcommand("check", "Check manifests (files, directories, - for stdin) against the policy");
  cmd->add_option("paths", opts->paths, "Files, directories (recursive: *.yaml, *.yml, *.json) or - for stdin")
      ->required();
  cmd->add_option("--policy", opts->policy_file, "Policy file (YAML); default: the embedded default policy");
  cmd->add_option("-j,--jobs", opts->jobs, "Threads reading, parsing and evaluating (default: one per core, at most 8)")
      ->check(CLI::Range(1u, 64u));
  cmd->add_option("-o,--output", *format,
                  "Output format: text, json, sarif or junit (JUnit XML for CI test reports: GitLab, Jenkins)")
      ->check(CLI::IsMember({"text", "json", "sarif", "junit"}));
  auto args = std::make_shared<std::vector<std::string>>();
  cmd->add_option("--prometheus", opts->preflight.url,
                  "Live preflight: run every AnalysisTemplate metric's query against this Prometheus "
                  "(http(s)://host:port[/prefix])");
  cmd->add_option("--arg", *args, "name=value for {{args.name}} in the preflight's queries (repeatable)")
      ->allow_extra_args(false);  // one value per --arg, so `--arg a=b PATH` leaves PATH alone
  cmd->add_option("--prometheus-timeout", opts->preflight.timeout_seconds, "Preflight timeout per query, seconds")
      ->check(CLI::Range(0.001, 3600.0));
  cmd->add_flag("--preflight-fail", opts->preflight_fail, "Exit 1 when a preflight outcome is Failed or Error");
  cmd->callback([opts, format, args, exit_code] {
    opts->format = *format == "json"    ? OutputFormat::Json
                   : *format == "sarif" ? OutputFormat::Sarif
                   : *format == "junit" ? OutputFormat::Junit
                                        : OutputFormat::Text;
    for (const std::string& a : *args) {
      size_t eq = a.find('=');
      if (eq == std::string::npos || eq == 0) {
        std::cerr << program_name() << " check: --arg \"" << a << "\": expected name=value\n";
        *exit_code = 2;
        return;
      }
      opts->preflight.args[a.substr(0, eq)] = a.substr(eq + 1);
    }
    if (opts->preflight.url.empty() && (!args->empty() || opts->preflight_fail)) {
      std::cerr << program_name() << " check: --arg and --preflight-fail need --prometheus URL\n";
      *exit_code = 2;
      return;
    }
    if (!opts->preflight.url.empty()) {
      std::string base, prefix, error;
      if (!parse_prometheus_url(opts->preflight.url, &base, &prefix, &error)) {
        std::cerr << program_name() << " check: " << error << "\n";
        *exit_code = 2;
        return;
      }
    }
    opts->exiting = true;  // main returns right after
    *exit_code = run_check(*opts, std::cin, std::cout, std::cerr);
  });
}

}  // namespace rg::cli
