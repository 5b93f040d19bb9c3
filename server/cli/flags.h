// Flag values and process plumbing shared by the long-running subcommands
// (serve, reconcile).
#pragma once

#include <signal.h>

#include <string>
#include <string_view>

#include "policy/status.h"

namespace rg::cli {

// A duration flag's value in Go's syntax (time.ParseDuration), as Kubernetes
// and Argo Rollouts write durations: "1h", "1m30s", "250ms", "1.5s"; every
// number needs a unit, except a bare "0". Sets *ms, rounded up to whole
// milliseconds. A malformed or negative value, one shorter than `min_ms`,
// and one longer than `max_ms` (by default kMaxDurationFlagMs, 24h, which
// keeps every timeout and deadline derived from it in range) is an error
// that names the flag:
//   --drain-delay: "1x" is not a duration (e.g. 30s, 5m, 1h)
inline constexpr long long kMaxDurationFlagMs = 24LL * 3600 * 1000;
Status parse_duration_flag(std::string_view flag, std::string_view value, long long min_ms, long long* ms,
                           long long max_ms = kMaxDurationFlagMs);

// "ADDR:PORT", "[::1]:PORT" or ":PORT" (all addresses) -> host and port;
// false when malformed or the port is out of range.
bool parse_listen(const std::string& s, std::string* host, int* port);

// Blocks SIGTERM and SIGINT in the calling thread (and so in every thread it
// starts afterwards: call it first) for wait_for_shutdown_signal, and ignores
// SIGPIPE (a client closing its connection must not end the process).
sigset_t block_shutdown_signals();

// Waits up to `ms` for SIGTERM or SIGINT; returns the signal, or 0.
int wait_for_shutdown_signal(const sigset_t& sigs, long long ms);

}  // namespace rg::cli
