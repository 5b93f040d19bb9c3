// Polling file watcher: stat() is cheap, portable, and sees Secret mounts'
// symlink swaps, which inotify on the file itself would miss.
#include <sys/stat.h>

#include "certs/certs.h"

namespace rg::certs {

FileWatcher::FileWatcher(std::vector<std::string> paths) : paths_(std::move(paths)) { accept(); }

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

bool FileWatcher::changed() const {
  for (size_t i = 0; i < paths_.size(); ++i) {
    if (!(stat_one(paths_[i]) == seen_[i])) return true;
  }
  return false;
}

void FileWatcher::accept() {
  seen_.clear();
  for (const std::string& p : paths_) seen_.push_back(stat_one(p));
}

}  // namespace rg::certs
