// Flag values shared by the long-running subcommands (serve, reconcile).
#pragma once

#include <string>

namespace rg::cli {

// "15s", "500ms", "2m" or plain seconds -> milliseconds; -1 when malformed.
long long parse_duration_ms(const std::string& s);

// "ADDR:PORT", "[::1]:PORT" or ":PORT" (all addresses) -> host and port;
// false when malformed or the port is out of range.
bool parse_listen(const std::string& s, std::string* host, int* port);

}  // namespace rg::cli
