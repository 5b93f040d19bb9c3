// Flag values and process plumbing shared by the long-running subcommands
// (serve, reconcile).
#pragma once

#include <signal.h>

#include <string>

namespace rg::cli {

// "15s", "500ms", "2m" or plain seconds -> milliseconds; -1 when malformed.
long long parse_duration_ms(const std::string& s);

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
