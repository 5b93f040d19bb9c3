// Bounded polling for tests that wait on another thread or process.
#pragma once

#include <chrono>
#include <functional>
#include <thread>

namespace rg::test {

// Polls `pred` every 5 ms until it holds or `timeout` passes; returns pred().
inline bool eventually(const std::function<bool()>& pred,
                       std::chrono::milliseconds timeout = std::chrono::milliseconds(5000)) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!pred()) {
    if (std::chrono::steady_clock::now() > deadline) return pred();
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return true;
}

}  // namespace rg::test
