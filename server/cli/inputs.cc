// PATH arguments and --policy for the file commands (check, fix).
// `fix` reads input exactly as `check` does.
#include "server/cli/inputs.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <set>
#include <sstream>
#include <system_error>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "manifests/policy_file.h"
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

// An error about a whole file or directory, without a position.
InputError path_error(const std::string& path, const std::string& message) {
  return {path, 0, 0, message};
}

InputError too_large(const std::string& name, uintmax_t size, size_t limit) {
  return path_error(name, "input too large (" + std::to_string(size) + " bytes, limit " + std::to_string(limit) + ")");
}

// Directories: recursive, sorted by name, symlinked directories followed once
// (a loop is reported, not walked forever).
void walk(const fs::path& dir, int depth, std::set<fs::path>* seen, std::vector<Input>* inputs,
          std::vector<InputError>* errors, std::vector<std::string>* notes) {
  std::error_code ec;
  fs::path real = fs::canonical(dir, ec);
  if (ec) {
    errors->push_back(path_error(dir.string(), ec.message()));
    return;
  }
  if (!seen->insert(real).second) {
    notes->push_back(dir.string() + ": already visited " + real.string() + " (symlink loop?), skipped");
    return;
  }
  if (depth > kMaxDirectoryDepth) {
    errors->push_back(
        path_error(dir.string(), "directories nested deeper than " + std::to_string(kMaxDirectoryDepth)));
    return;
  }
  std::vector<fs::directory_entry> entries;
  fs::directory_iterator it(dir, ec), end;
  if (ec) {
    errors->push_back(path_error(dir.string(), ec.message()));
    return;
  }
  for (; it != end; it.increment(ec)) {
    if (ec) break;
    entries.push_back(*it);
  }
  if (ec) errors->push_back(path_error(dir.string(), ec.message()));
  std::sort(entries.begin(), entries.end(),
            [](const fs::directory_entry& a, const fs::directory_entry& b) { return a.path() < b.path(); });
  for (const fs::directory_entry& entry : entries) {
    const fs::path& p = entry.path();
    std::error_code sec;
    // The type the directory listing gave, without a stat per entry; only
    // symlinks (and file systems that give no type) are stat'ed, followed.
    bool is_dir = entry.is_directory(sec);
    bool is_file = !sec && !is_dir && entry.is_regular_file(sec);
    if (sec) {
      if (manifest_extension(p)) errors->push_back(path_error(p.string(), sec.message()));
      continue;
    }
    if (is_dir) {
      walk(p, depth + 1, seen, inputs, errors, notes);
    } else if (is_file && manifest_extension(p)) {
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
      errors->push_back(path_error(arg, ec ? ec.message() : std::string("no such file or directory")));
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
      errors->push_back(path_error(input.name, "cannot read"));
      return false;
    }
  } else {
    // One open, one fstat and the reads: a check over thousands of small files spends more in system calls
    // than in anything else but parsing.
    int fd = ::open(input.path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      errors->push_back(path_error(input.name, std::string("cannot read: ") + std::strerror(errno)));
      return false;
    }
    struct stat st {};
    if (::fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) {
      if (static_cast<uintmax_t>(st.st_size) > max_bytes) {
        ::close(fd);
        errors->push_back(too_large(input.name, static_cast<uintmax_t>(st.st_size), max_bytes));
        return false;
      }
      text->reserve(static_cast<size_t>(st.st_size) + 1);
    }
    text->clear();
    char buf[1 << 16];
    while (text->size() <= max_bytes) {  // to EOF; a pipe or a growing file stops one past the limit
      ssize_t n = ::read(fd, buf, sizeof buf);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) {
        int err = errno;
        ::close(fd);
        errors->push_back(path_error(input.name, std::string("cannot read: ") + std::strerror(err)));
        return false;
      }
      if (n == 0) break;
      text->append(buf, static_cast<size_t>(n));
    }
    ::close(fd);
  }
  if (text->size() > max_bytes) {
    errors->push_back(
        path_error(input.name, "input too large (more than " + std::to_string(max_bytes) + " bytes)"));
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
    *error = errors.front().str();
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
    for (LoadError& e : loaded.errors) out.errors.push_back(std::move(e));
  } catch (const std::exception& e) {  // out of memory: say so for this file, go on with the others
    out.file.objects.clear();
    out.file.failed = true;
    out.errors.push_back(path_error(input.name, e.what()));
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
