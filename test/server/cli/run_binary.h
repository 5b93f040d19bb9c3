// Runs the real rollout-guard binary with arguments and stdin, capturing
// stdout, stderr and the exit code (killed after a timeout, so a hang fails
// the test instead of stalling it).
#pragma once

#include <poll.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <vector>

#include "test/support/conformance.h"
#include "test/support/child_process.h"

namespace rg::test {

struct RunResult {
  int code = -1;  // exit code; 128+N when killed by signal N
  std::string out, err;
};

// address_space_bytes > 0 caps the child's virtual memory (RLIMIT_AS): input
// that would make it allocate without bound then fails the test.
inline RunResult run_binary(const std::vector<std::string>& args, const std::string& input = "",
                            int timeout_seconds = 60, const std::string& cwd = "", size_t address_space_bytes = 0) {
  signal(SIGPIPE, SIG_IGN);
  int in_pipe[2], out_pipe[2], err_pipe[2];
  if (pipe(in_pipe) != 0 || pipe(out_pipe) != 0 || pipe(err_pipe) != 0) return {};
  std::vector<std::string> all = {binary_path()};
  all.insert(all.end(), args.begin(), args.end());
  const ExecArgv argv(std::move(all));  // no allocation between fork and exec
  pid_t pid = fork();
  if (pid == 0) {
    dup2(in_pipe[0], 0);
    dup2(out_pipe[1], 1);
    dup2(err_pipe[1], 2);
    for (int fd : {in_pipe[0], in_pipe[1], out_pipe[0], out_pipe[1], err_pipe[0], err_pipe[1]}) close(fd);
    if (!cwd.empty() && chdir(cwd.c_str()) != 0) _exit(127);
    if (address_space_bytes > 0) {
      const rlimit cap{address_space_bytes, address_space_bytes};
      if (setrlimit(RLIMIT_AS, &cap) != 0) _exit(127);
    }
    execv(argv.path(), argv.argv());
    _exit(127);
  }
  close(in_pipe[0]);
  close(out_pipe[1]);
  close(err_pipe[1]);
  RunResult r;
  size_t written = 0;
  int in_fd = in_pipe[1];
  if (input.empty()) {
    close(in_fd);
    in_fd = -1;
  }
  bool out_open = true, err_open = true;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(timeout_seconds);
  char buf[65536];
  while (out_open || err_open) {
    if (std::chrono::steady_clock::now() > deadline) {
      kill(pid, SIGKILL);
      break;
    }
    pollfd fds[3];
    int n = 0;
    int out_i = -1, err_i = -1, in_i = -1;
    if (out_open) { fds[n] = {out_pipe[0], POLLIN, 0}; out_i = n++; }
    if (err_open) { fds[n] = {err_pipe[0], POLLIN, 0}; err_i = n++; }
    if (in_fd >= 0) { fds[n] = {in_fd, POLLOUT, 0}; in_i = n++; }
    if (poll(fds, static_cast<nfds_t>(n), 200) <= 0) continue;
    auto drain = [&](int i, int fd, std::string* dst, bool* open) {
      if (i < 0 || fds[i].revents == 0) return;
      ssize_t got = read(fd, buf, sizeof buf);
      if (got <= 0) *open = false;
      else dst->append(buf, static_cast<size_t>(got));
    };
    drain(out_i, out_pipe[0], &r.out, &out_open);
    drain(err_i, err_pipe[0], &r.err, &err_open);
    if (in_i >= 0 && fds[in_i].revents != 0) {
      ssize_t put = (fds[in_i].revents & POLLOUT) != 0
                        ? ::write(in_fd, input.data() + written, std::min<size_t>(65536, input.size() - written))
                        : -1;
      if (put < 0) {
        close(in_fd);
        in_fd = -1;
      } else {
        written += static_cast<size_t>(put);
        if (written == input.size()) {
          close(in_fd);
          in_fd = -1;
        }
      }
    }
  }
  if (in_fd >= 0) close(in_fd);
  close(out_pipe[0]);
  close(err_pipe[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  if (WIFEXITED(status)) r.code = WEXITSTATUS(status);
  else if (WIFSIGNALED(status)) r.code = 128 + WTERMSIG(status);
  return r;
}

}  // namespace rg::test
