// Polling file watcher: stat() is cheap, portable, and sees Secret mounts'
// symlink swaps, which inotify on the file itself would miss.
#include <sys/stat.h>

#include "certs/certs.h"

namespace rg::certs {

FileWatcher::FileWatcher(std::vector<std::string> paths) : paths_(std::move(paths)), seen_(snapshot()) {}

FileWatcher::Sig FileWatcher::stat_one(const std::string& path) {
  Sig s;
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return s;
  s.exists = true;
  s.dev = static_cast<uint64_t>(st.st_dev);
  s.ino = static_cast<uint64_t>(st.st_ino);
  s.size = static_cast<uint64_t>(st.st_size);
  s.mtime_ns = static_cast<int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec;
  return s;
}

FileWatcher::Snapshot FileWatcher::snapshot() const {
  Snapshot out;
  out.reserve(paths_.size());
  for (const std::string& p : paths_) out.push_back(stat_one(p));
  return out;
}

}  // namespace rg::certs
