#include "server/cli/parallel.h"

#include <algorithm>
#include <atomic>
#include <system_error>
#include <thread>
#include <vector>

namespace rg::cli {

unsigned default_jobs() { return std::max(1u, std::min(8u, std::thread::hardware_concurrency())); }

void parallel_for(size_t count, unsigned jobs, const std::function<void(size_t)>& fn) {
  if (jobs == 0) jobs = default_jobs();
  const size_t workers = std::min<size_t>(jobs, count);
  std::atomic<size_t> next{0};
  auto work = [&] {
    for (size_t i = next++; i < count; i = next++) fn(i);
  };
  std::vector<std::thread> pool;
  try {
    for (size_t w = 1; w < workers; ++w) pool.emplace_back(work);
  } catch (const std::system_error&) {  // no more threads: the ones we have finish the work
  }
  work();
  for (std::thread& t : pool) t.join();
}

}  // namespace rg::cli
