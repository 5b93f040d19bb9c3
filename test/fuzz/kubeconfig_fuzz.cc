// Fuzz target for the kubeconfig reader (server/kube/config.h). The reader
// takes file paths, so each input is written to one temporary file first.
// Any bytes give a Config or an error naming the file, never a crash or an
// exception.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>

#include "server/kube/config.h"

namespace {

// One file per fuzzing process, removed at exit.
const std::string& temp_path() {
  static const std::string path = [] {
    char name[] = "/tmp/kubeconfig_fuzz.XXXXXX";
    const int fd = mkstemp(name);
    if (fd < 0) std::abort();
    close(fd);
    std::atexit([] { std::remove(temp_path().c_str()); });
    return std::string(name);
  }();
  return path;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string& path = temp_path();
  {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  }
  rg::kube::Config config;
  const rg::Status s = rg::kube::load_kubeconfig({path}, "", &config);
  if (!s.ok() && s.message().find(path) == std::string::npos) {
    std::fprintf(stderr, "kubeconfig_fuzz: error does not name the file: %s\n", s.message().c_str());
    std::abort();
  }
  return 0;
}
