// A small work-sharing loop for the file commands: check reads, parses and
// evaluates many independent manifests.
#pragma once

#include <cstddef>
#include <functional>

namespace rg::cli {

// One thread per core, at most 8: what --jobs 0 means.
unsigned default_jobs();

// Calls fn(i) for every i in [0, count) on up to `jobs` threads (0:
// default_jobs()), the calling thread among them; each takes the next index,
// so one slow item does not hold up the rest. Returns when all are done. When
// the system refuses a thread, the threads already running do the work. fn
// must be safe to call concurrently for different i and must not throw.
void parallel_for(size_t count, unsigned jobs, const std::function<void(size_t)>& fn);

}  // namespace rg::cli
