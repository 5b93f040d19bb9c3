// Child processes and ports for tests that start the real binary (or
// Prometheus): a free loopback port, and spawn(), which starts a program with
// its output in a log file.
//
// Between fork and exec, the child of a multithreaded test binary may call
// only async-signal-safe functions. malloc is not one: a lock of the
// allocator held by another thread at the fork (ASan's, for one) stays held
// in the child for ever, and the child hangs before it execs. So the argv
// (ExecArgv) is built and any file opened in the parent; the child only calls
// dup2, close, prctl, setrlimit, chdir, execv and _exit.
#pragma once

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace rg::test {

// An argv for execv, built before fork.
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

// A loopback port that nothing listens on now.
inline int free_port() {
  int s = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = 0;
  bind(s, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  getsockname(s, reinterpret_cast<sockaddr*>(&a), &len);
  close(s);
  return ntohs(a.sin_port);
}

// Starts args[0] with args, stdout and stderr to `log`; the child's pid.
// Throws std::runtime_error when the log cannot be opened or fork fails. The
// child is killed when the test binary dies (a crash, a SIGKILL from ctest's
// timeout), so no server or Prometheus outlives it. Call from the thread that
// lives as long as the child (PR_SET_PDEATHSIG follows the forking thread).
inline pid_t spawn(std::vector<std::string> args, const std::filesystem::path& log) {
  const ExecArgv argv(std::move(args));
  const int out = open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (out < 0) throw std::runtime_error("cannot open " + log.string() + ": " + std::strerror(errno));
  const pid_t parent = getpid();
  const pid_t pid = fork();
  if (pid < 0) {
    close(out);
    throw std::runtime_error(std::string("fork: ") + std::strerror(errno));
  }
  if (pid == 0) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(1);  // the parent died before prctl
    if (dup2(out, 1) < 0 || dup2(out, 2) < 0) _exit(127);  // dup2's copies are not close-on-exec
    execv(argv.path(), argv.argv());
    _exit(127);
  }
  close(out);
  return pid;
}

}  // namespace rg::test
