// Manifests from disk as the core sees them, for tests that evaluate the
// samples or a corpus. Header-only: test binaries that do not link the core
// (the PromQL and condition parsers') share test/support's .cc files.
#pragma once

#include <algorithm>
#include <filesystem>
#include <vector>

#include <gtest/gtest.h>

#include "policy/documents.h"
#include "policy/object.h"
#include "test/support/conformance.h"

namespace rg::test {

// The objects of `path` (a file, or every *.yaml / *.yml under a folder, in
// path order), each named by its path relative to `base` (as given when
// `base` is empty). A load error fails the calling test.
inline std::vector<Object> load_manifests(const std::filesystem::path& path, const std::filesystem::path& base = {}) {
  namespace fs = std::filesystem;
  std::vector<fs::path> files;
  if (fs::is_directory(path)) {
    for (const auto& e : fs::recursive_directory_iterator(path)) {
      if (e.is_regular_file() && (e.path().extension() == ".yaml" || e.path().extension() == ".yml")) {
        files.push_back(e.path());
      }
    }
  } else {
    files.push_back(path);
  }
  std::sort(files.begin(), files.end());
  std::vector<Object> out;
  for (const fs::path& f : files) {
    LoadResult r = load_documents(read_file(f.string()), base.empty() ? f.string() : f.lexically_relative(base).string());
    for (const LoadError& e : r.errors) ADD_FAILURE() << e.str();
    for (Object& o : r.objects) out.push_back(std::move(o));
  }
  return out;
}

}  // namespace rg::test
