// The real `rollout-guard serve` binary for integration tests: start it on a
// free loopback port (stdout and stderr to <dir>/server.log), talk TLS to it
// with certificate verification, wait (bounded) until /readyz says ok.
#pragma once

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <httplib.h>

#include "test/support/child_process.h"
#include "test/support/conformance.h"

namespace rg::test {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

inline fs::path temp_dir(const std::string& name) {
  fs::path p = fs::temp_directory_path() / ("rg-it-" + name + "-" + std::to_string(getpid()));
  fs::remove_all(p);
  fs::create_directories(p);
  return p;
}

inline void write(const fs::path& p, const std::string& data) {
  fs::path tmp = p.string() + ".new";
  std::ofstream(tmp, std::ios::binary) << data;
  fs::rename(tmp, p);  // atomic, as Secret mounts and cert-manager do
}

// A running `rollout-guard serve`; killed on destruction if still alive.
class Server {
 public:
  Server(const fs::path& dir, std::vector<std::string> extra) : dir_(dir), port_(free_port()) {
    std::vector<std::string> args = {test::binary_path(), "serve", "--listen", "127.0.0.1:" + std::to_string(port_)};
    if (std::find(extra.begin(), extra.end(), "--log-level") == extra.end()) {
      args.push_back("--log-level");
      args.push_back("warn");
    }
    args.insert(args.end(), extra.begin(), extra.end());
    pid_ = spawn(std::move(args), dir_ / "server.log");
  }
  ~Server() {
    if (pid_ > 0 && !exited_) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
  }
  int port() const { return port_; }
  pid_t pid() const { return pid_; }
  std::string log() const { return test::read_file((dir_ / "server.log").string()); }
  // Exit status, or -1 if it did not exit within `limit`.
  int wait_exit(std::chrono::milliseconds limit) {
    auto end = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < end) {
      int st = 0;
      if (waitpid(pid_, &st, WNOHANG) == pid_) {
        exited_ = true;
        return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
      }
      std::this_thread::sleep_for(10ms);
    }
    return -1;
  }

 private:
  fs::path dir_;
  int port_;
  pid_t pid_ = -1;
  bool exited_ = false;
};

inline std::unique_ptr<httplib::SSLClient> client(int port, const std::string& ca) {
  auto c = std::make_unique<httplib::SSLClient>("localhost", port);
  c->set_ca_cert_path(ca.c_str());
  c->enable_server_certificate_verification(true);
  c->set_tcp_nodelay(true);  // headers and body are two writes: without it Nagle delays each request
  c->set_connection_timeout(2, 0);
  c->set_read_timeout(5, 0);
  return c;
}

inline bool wait_ready(int port, const std::string& ca) {
  for (int i = 0; i < 300; ++i) {
    if (fs::exists(ca)) {
      auto c = client(port, ca);
      if (auto r = c->Get("/readyz"); r && r->status == 200) return true;
    }
    std::this_thread::sleep_for(20ms);
  }
  return false;
}

}  // namespace rg::test
