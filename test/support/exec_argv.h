// An argv for execv, built before fork.
//
// Between fork and exec, the child of a multithreaded test binary may call
// only async-signal-safe functions. malloc is not one: a lock of the
// allocator held by another thread at the fork (ASan's, for one) stays held
// in the child for ever, and the child hangs before it execs. Build the argv
// (and open any file) in the parent; in the child only dup2, close, prctl,
// setrlimit, chdir, execv and _exit.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace rg::test {

class ExecArgv {
 public:
  explicit ExecArgv(std::vector<std::string> args) : args_(std::move(args)) {
    for (std::string& a : args_) ptrs_.push_back(a.data());
    ptrs_.push_back(nullptr);
  }
  ExecArgv(const ExecArgv&) = delete;
  ExecArgv& operator=(const ExecArgv&) = delete;

  const char* path() const { return args_.empty() ? "" : args_[0].c_str(); }
  char* const* argv() const { return ptrs_.data(); }

 private:
  std::vector<std::string> args_;
  std::vector<char*> ptrs_;
};

}  // namespace rg::test
