// `rollout-guard fix [flags] PATH...`: files in, defaulted documents, JSON
// Patches or a unified diff out. Only the file handling and the rendering
// live here; what gets defaulted is the core's (policy/mutation.h).
#include "server/cli/fix.h"

#include <cctype>
#include <iostream>
#include <memory>
#include <string>
#include <string_view>

#include <yaml-cpp/yaml.h>

#include "policy/inventory.h"
#include "policy/messages.h"
#include "policy/mutation.h"
#include "policy/policy.h"
#include "server/cli/commands.h"
#include "server/cli/inputs.h"
#include "server/cli/line_diff.h"
#include "server/cli/program.h"

namespace rg::cli {

namespace {

// Plain scalars a YAML reader would not read back as this string: YAML 1.1
// booleans (kubectl's reader) and nulls, anything that starts like a number
// (1.2 core and 1.1 ints, floats, octal, hex, sexagesimal), ".inf"/".nan",
// the merge key, and the empty string.
bool needs_quotes(std::string_view s) {
  if (s.empty()) return true;
  static constexpr std::string_view kWords[] = {
      "y",    "Y",    "yes",   "Yes",   "YES",   "n",    "N",    "no",   "No",   "NO",  "true", "True",
      "TRUE", "false", "False", "FALSE", "on",   "On",   "ON",   "off",  "Off",  "OFF", "null", "Null",
      "NULL", "~",    "<<",    "="};
  for (std::string_view w : kWords) {
    if (s == w) return true;
  }
  // Starts like a number and uses only characters numbers, dates and
  // sexagesimals are made of: "5", "-1.5e3", "0x1F", "0o17", "1_000",
  // "2001-12-14", "1:20". Units keep a string plain: "1m", "250m", "512Mi".
  const unsigned char c0 = static_cast<unsigned char>(s[0]);
  const bool starts_numeric = std::isdigit(c0) || ((c0 == '-' || c0 == '+' || c0 == '.') && s.size() > 1);
  if (starts_numeric) {
    bool numeric_chars = true;
    for (char c : s) {
      numeric_chars = numeric_chars && (std::isxdigit(static_cast<unsigned char>(c)) ||
                                        std::string_view("xXoO_.:+-").find(c) != std::string_view::npos);
    }
    if (numeric_chars) return true;
    std::string lower;
    for (char c : s) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (lower == ".inf" || lower == "-.inf" || lower == "+.inf" || lower == ".nan") return true;
  }
  return false;
}

// A literal block reads back exactly with yaml-cpp 0.7's emitter only for
// text that ends in exactly one newline, has no other line breaks than '\n',
// no control characters and no leading blank on its first line.
bool literal_ok(std::string_view s) {
  if (s.size() < 2 || s.back() != '\n' || s[s.size() - 2] == '\n') return false;
  if (s[0] == ' ' || s[0] == '\t') return false;
  for (size_t i = 0; i < s.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c < 0x20 && c != '\n') return false;
    if (c == 0x7f) return false;
    // Trailing blanks on a line are kept by the emitter but are easy to lose
    // in editors; quote instead.
    if ((c == ' ' || c == '\t') && i + 1 < s.size() && s[i + 1] == '\n') return false;
  }
  return true;
}

void emit_string(YAML::Emitter& e, const std::string& s) {
  if (s.find('\n') != std::string::npos) {
    if (literal_ok(s)) e << YAML::Literal << s;
    else e << YAML::DoubleQuoted << s;
    return;
  }
  bool control = false;
  for (char c : s) control = control || static_cast<unsigned char>(c) < 0x20 || c == 0x7f;
  if (control || needs_quotes(s)) e << YAML::DoubleQuoted << s;
  else e << s;  // yaml-cpp quotes what is not a valid plain scalar (": ", "#", "- ", ...)
}

void emit(YAML::Emitter& e, const json& j) {
  switch (j.type()) {
    case json::value_t::object:
      if (j.empty()) {
        e << YAML::Flow << YAML::BeginMap << YAML::EndMap;
        return;
      }
      e << YAML::BeginMap;
      for (auto it = j.begin(); it != j.end(); ++it) {
        e << YAML::Key;
        emit_string(e, it.key());
        e << YAML::Value;
        emit(e, it.value());
      }
      e << YAML::EndMap;
      return;
    case json::value_t::array:
      if (j.empty()) {
        e << YAML::Flow << YAML::BeginSeq << YAML::EndSeq;
        return;
      }
      e << YAML::BeginSeq;
      for (const json& v : j) emit(e, v);
      e << YAML::EndSeq;
      return;
    case json::value_t::string:
      emit_string(e, j.get_ref<const std::string&>());
      return;
    case json::value_t::boolean:
      e << (j.get<bool>() ? "true" : "false");
      return;
    case json::value_t::number_integer:
    case json::value_t::number_unsigned:
    case json::value_t::number_float:
      e << j.dump();  // the shortest text that reads back as the same number
      return;
    case json::value_t::binary:
    case json::value_t::discarded:
    case json::value_t::null:
      e << YAML::Null;
      return;
  }
}

std::string where(const Object& o) {
  std::string s = o.where.file;
  if (o.where.line > 0) s += ":" + std::to_string(o.where.line);
  return s + ": " + object_ref(o);
}

struct Mutated {
  const Object* original;
  MutationResult result;
};

}  // namespace

std::string to_yaml(const json& doc) {
  YAML::Emitter e;
  e.SetNullFormat(YAML::LowerNull);
  e.SetIndent(2);
  e.SetSeqFormat(YAML::Block);
  emit(e, doc);
  std::string out = e.c_str();
  if (!e.good()) return "";  // never expected: every json value has a YAML form
  if (out.empty() || out.back() != '\n') out += '\n';
  return out;
}

int run_fix(const FixOptions& opts, std::istream& in, std::ostream& out, std::ostream& err) {
  try {
    Policy policy;
    std::string policy_error;
    if (!load_policy_file(opts.policy_file, opts.limits.max_bytes, &policy, &policy_error)) {
      err << policy_error << "\n";
      return 2;
    }
    LoadedInputs loaded = load_inputs(opts.paths, in, opts.limits);
    for (const std::string& n : loaded.notes) err << n << "\n";
    for (const InputError& e : loaded.errors) err << e.str() << "\n";
    bool errors = !loaded.errors.empty();

    MemoryInventory inventory;
    for (const LoadedFile& f : loaded.files) {
      for (const Object& o : f.objects) inventory.add(o);
    }
    Context ctx{policy, inventory};

    // Mutate every object; a file with input errors is not printed (half a
    // file on stdout reads like a whole one).
    std::vector<std::vector<Mutated>> per_file(loaded.files.size());
    int objects = 0, defaulted = 0;
    for (size_t i = 0; i < loaded.files.size(); ++i) {
      const LoadedFile& f = loaded.files[i];
      if (f.failed) {
        if (!f.objects.empty()) err << f.name << ": not printed because of the errors above\n";
        continue;
      }
      for (const Object& o : f.objects) {
        Mutated m{&o, mutate(o, ctx)};
        ++objects;
        if (!m.result.error.empty()) {
          err << where(o) << ": " << m.result.error << "\n";
          errors = true;
        }
        if (m.result.changed()) ++defaulted;
        for (const std::string& w : m.result.warnings) err << where(o) << ": " << w << "\n";
        per_file[i].push_back(std::move(m));
      }
    }

    switch (opts.output) {
      case FixOutput::Yaml:
        for (size_t i = 0; i < per_file.size(); ++i) {
          for (const Mutated& m : per_file[i]) {
            out << "---\n# Source: " << loaded.files[i].name << "\n" << to_yaml(m.result.object);
          }
        }
        break;
      case FixOutput::Json: {
        json items = json::array();
        for (const auto& file : per_file) {
          for (const Mutated& m : file) items.push_back(m.result.object);
        }
        if (items.size() == 1) out << items[0].dump(2) << "\n";
        else if (!items.empty()) out << json{{"apiVersion", "v1"}, {"kind", "List"}, {"items", items}}.dump(2) << "\n";
        break;
      }
      case FixOutput::Patch: {
        json patches = json::array();
        for (const auto& file : per_file) {
          for (const Mutated& m : file) {
            if (!m.result.changed()) continue;
            const Object& o = *m.original;
            patches.push_back({{"file", o.where.file},
                               {"line", o.where.line},
                               {"apiVersion", o.api_version()},
                               {"kind", o.kind()},
                               {"namespace", o.ns()},
                               {"name", o.name()},
                               {"patch", m.result.patch},
                               {"warnings", m.result.warnings}});
          }
        }
        out << patches.dump(2) << "\n";
        break;
      }
      case FixOutput::Diff:
        for (size_t i = 0; i < per_file.size(); ++i) {
          std::string before, after;
          for (const Mutated& m : per_file[i]) {
            before += "---\n" + to_yaml(m.original->doc);
            after += "---\n" + to_yaml(m.result.object);
          }
          const std::string& name = loaded.files[i].name;
          out << unified_diff(before, after, "a/" + name, "b/" + name);
        }
        break;
    }
    out.flush();
    err << objects << (objects == 1 ? " object, " : " objects, ") << defaulted << " defaulted\n";
    if (errors) return 2;
    return defaulted > 0 ? 1 : 0;
  } catch (const std::exception& e) {
    err << program_name() << " fix: internal error: " << e.what() << "\n";
  } catch (...) {
    err << program_name() << " fix: internal error\n";
  }
  return 2;
}

void add_fix_command(CLI::App& app, int* exit_code) {
  auto opts = std::make_shared<FixOptions>();
  auto format = std::make_shared<std::string>("yaml");
  auto patch = std::make_shared<bool>(false);
  auto diff = std::make_shared<bool>(false);
  CLI::App* cmd = app.add_subcommand(
      "fix", "Fill in the policy's safe defaults and print the defaulted manifests (or --patch, --diff)");
  cmd->add_option("paths", opts->paths, "Files, directories (recursive: *.yaml, *.yml, *.json) or - for stdin")
      ->required();
  cmd->add_option("--policy", opts->policy_file, "Policy file (YAML); default: the embedded default policy");
  CLI::Option* o = cmd->add_option("-o,--output", *format, "Document format: yaml or json")
                       ->check(CLI::IsMember({"yaml", "json"}));
  CLI::Option* p = cmd->add_flag("--patch", *patch, "Print the RFC 6902 JSON Patch of each defaulted object instead");
  CLI::Option* d = cmd->add_flag("--diff", *diff, "Print a unified diff per file instead (normalized YAML)");
  p->excludes(d);
  o->excludes(p)->excludes(d);
  cmd->callback([opts, format, patch, diff, exit_code] {
    opts->output = *patch ? FixOutput::Patch : *diff ? FixOutput::Diff : *format == "json" ? FixOutput::Json : FixOutput::Yaml;
    *exit_code = run_fix(*opts, std::cin, std::cout, std::cerr);
  });
}

}  // namespace rg::cli
