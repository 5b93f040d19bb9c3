// PATH arguments and --policy for the file commands (check, fix). Moved out
// of check.cc unchanged so `fix` reads input exactly as `check` does.
#include "server/cli/inputs.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <system_error>

#include "server/cli/parallel.h"

namespace rg::cli {

namespace fs = std::filesystem;

namespace {

constexpr int kMaxDirectoryDepth = 64;

bool manifest_extension(const fs::path& p) {
  std::string ext = p.extension().string();
  return ext == ".yaml" || ext == ".yml" || ext == ".json";
}

// Reads at most max_bytes + 1 bytes, so an endless or huge stream ends.
bool read_capped(std::istream& in, size_t max_bytes, std::string* out) {
  out->clear();
  char buf[1 << 16];
  while (in && out->size() <= max_bytes) {
    in.read(buf, sizeof buf);
    out->append(buf, static_cast<size_t>(in.gcount()));
  }
  return !in.bad();
}

std::string too_large(const std::string& name, uintmax_t size, size_t limit) {
  return name + ": input too large (" + std::to_string(size) + " bytes, limit " + std::to_string(limit) + ")";
}

// Directories: recursive, sorted by name, symlinked directories followed once
// (a loop is reported, not walked forever).
void walk(const fs::path& dir, int depth, std::set<fs::path>* seen, std::vector<Input>* inputs,
          std::vector<InputError>* errors, std::vector<std::string>* notes) {
  std::error_code ec;
  fs::path real = fs::canonical(dir, ec);
  if (ec) {
    errors->push_back({dir.string() + ": " + ec.message()});
    return;
  }
  if (!seen->insert(real).second) {
    notes->push_back(dir.string() + ": already visited " + real.string() + " (symlink loop?), skipped");
    return;
  }
  if (depth > kMaxDirectoryDepth) {
    errors->push_back({dir.string() + ": directories nested deeper than " + std::to_string(kMaxDirectoryDepth)});
    return;
  }
  std::vector<fs::path> entries;
  fs::directory_iterator it(dir, ec), end;
  if (ec) {
    errors->push_back({dir.string() + ": " + ec.message()});
    return;
  }
  for (; it != end; it.increment(ec)) {
    if (ec) break;
    entries.push_back(it->path());
  }
  if (ec) errors->push_back({dir.string() + ": " + ec.message()});
  std::sort(entries.begin(), entries.end());
  for (const fs::path& p : entries) {
    std::error_code sec;
    fs::file_status st = fs::status(p, sec);  // follows symlinks
    if (sec) {
      if (manifest_extension(p)) errors->push_back({p.string() + ": " + sec.message()});
      continue;
    }
    if (fs::is_directory(st)) {
      walk(p, depth + 1, seen, inputs, errors, notes);
    } else if (fs::is_regular_file(st) && manifest_extension(p)) {
      inputs->push_back({p.string(), p.string()});
    }
  }
}

}  // namespace

std::vector<Input> expand_inputs(const std::vector<std::string>& paths, std::vector<InputError>* errors,
                          std::vector<std::string>* notes) {
  std::vector<Input> inputs;
  for (const std::string& arg : paths) {
    if (arg == "-") {
      inputs.push_back({"<stdin>", ""});
      continue;
    }
    std::error_code ec;
    fs::file_status st = fs::status(arg, ec);
    if (ec || !fs::exists(st)) {
      errors->push_back({arg + ": " + (ec ? ec.message() : std::string("no such file or directory"))});
      continue;
    }
    if (fs::is_directory(st)) {
      std::set<fs::path> seen;
      walk(arg, 0, &seen, &inputs, errors, notes);
    } else {
      inputs.push_back({arg, arg});  // an explicit file is read whatever its extension
    }
  }
  return inputs;
}

bool read_input(const Input& input, std::istream& stdin_stream, size_t max_bytes, std::string* text,
                std::vector<InputError>* errors) {
  if (input.path.empty()) {
    if (!read_capped(stdin_stream, max_bytes, text)) {
      errors->push_back({input.name + ": cannot read"});
      return false;
    }
  } else {
    std::error_code ec;
    if (fs::is_regular_file(input.path, ec)) {
      uintmax_t size = fs::file_size(input.path, ec);
      if (!ec && size > max_bytes) {
        errors->push_back({too_large(input.name, size, max_bytes)});
        return false;
      }
    }
    std::ifstream f(input.path, std::ios::binary);
    if (!f) {
      errors->push_back({input.name + ": cannot read: " + std::strerror(errno)});
      return false;
    }
    if (!read_capped(f, max_bytes, text)) {
      errors->push_back({input.name + ": cannot read: " + std::strerror(errno)});
      return false;
    }
  }
  if (text->size() > max_bytes) {
    errors->push_back({input.name + ": input too large (more than " + std::to_string(max_bytes) + " bytes)"});
    return false;
  }
  return true;
}

bool load_policy_file(const std::string& file, size_t max_bytes, Policy* policy, std::string* error) {
  if (file.empty()) {
    Status st = load_policy_text(default_policy_yaml(), "<default policy>", policy);
    if (!st.ok()) *error = st.message();
    return st.ok();
  }
  std::string text;
  std::vector<InputError> errors;
  std::istringstream no_stdin;
  Input input{file, file == "-" ? "" : file};
  if (file == "-") {
    *error = "--policy: reading the policy from stdin is not supported";
    return false;
  }
  if (!read_input(input, no_stdin, max_bytes, &text, &errors)) {
    *error = errors.front().text;
    return false;
  }
  Status st = load_policy_text(text, file, policy);
  if (!st.ok()) *error = st.message();
  return st.ok();
}


namespace {

struct Loaded {
  LoadedFile file;
  std::vector<InputError> errors;
};

Loaded load_one(const Input& input, std::istream& stdin_stream, const LoadLimits& limits) {
  Loaded out;
  out.file.name = input.name;
  try {
    std::string text;
    if (!read_input(input, stdin_stream, limits.max_bytes, &text, &out.errors)) {
      out.file.failed = true;
      return out;
    }
    LoadResult loaded = load_documents(text, input.name, limits);
    out.file.objects = std::move(loaded.objects);
    out.file.skipped = loaded.skipped;
    out.file.failed = !loaded.errors.empty();
    for (const LoadError& e : loaded.errors) out.errors.push_back({e.str()});
  } catch (const std::exception& e) {  // out of memory: say so for this file, go on with the others
    out.file.objects.clear();
    out.file.failed = true;
    out.errors.push_back({input.name + ": " + e.what()});
  }
  return out;
}

}  // namespace

LoadedInputs load_inputs(const std::vector<std::string>& paths, std::istream& stdin_stream, const LoadLimits& limits,
                         unsigned jobs) {
  LoadedInputs out;
  const std::vector<Input> inputs = expand_inputs(paths, &out.errors, &out.notes);
  std::vector<Loaded> loaded(inputs.size());
  // stdin is read here, on the calling thread; files by `jobs` workers, each
  // taking the next unread input, so a big file does not hold up the rest.
  for (size_t i = 0; i < inputs.size(); ++i) {
    if (inputs[i].path.empty()) loaded[i] = load_one(inputs[i], stdin_stream, limits);
  }
  parallel_for(inputs.size(), jobs, [&](size_t i) {
    if (!inputs[i].path.empty()) loaded[i] = load_one(inputs[i], stdin_stream, limits);
  });
  // Results in input order, whatever order the workers finished in.
  for (Loaded& l : loaded) {
    for (InputError& e : l.errors) out.errors.push_back(std::move(e));
    out.skipped += l.file.skipped;
    out.files.push_back(std::move(l.file));
  }
  return out;
}

}  // namespace rg::cli
