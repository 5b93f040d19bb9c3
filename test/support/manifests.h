// Manifests and AdmissionReviews from disk as the core sees them, for tests
// that evaluate the samples or a corpus. Header-only: test binaries that do not link the core
// (the PromQL and condition parsers') share test/support's .cc files.
#pragma once

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "manifests/documents.h"
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

// Every AdmissionReview body (*.json) in samples/admission-reviews/good and
// bad, then, with `conformance`, in the corpora's admission-reviews (when
// present).
inline std::vector<std::string> review_bodies(bool conformance = false) {
  std::vector<std::string> dirs = {source_dir() + "/samples/admission-reviews/good",
                                   source_dir() + "/samples/admission-reviews/bad"};
  if (conformance && !conformance_dir().empty()) dirs.push_back(conformance_dir() + "/admission-reviews");
  std::vector<std::string> out;
  for (const std::string& d : dirs) {
    if (!std::filesystem::exists(d)) continue;
    for (const auto& e : std::filesystem::directory_iterator(d)) {
      if (e.path().extension() == ".json") out.push_back(read_file(e.path().string()));
    }
  }
  return out;
}

}  // namespace rg::test
