#include "server/cli/flags.h"

#include <pthread.h>
#include <time.h>

#include <cstdint>

#include "policy/argo.h"

namespace rg::cli {

namespace {

// "24h" for whole hours, "1s" for whole seconds, else "250ms".
std::string format_ms(long long ms) {
  if (ms % 3'600'000 == 0 && ms > 0) return std::to_string(ms / 3'600'000) + "h";
  return ms % 1000 == 0 ? std::to_string(ms / 1000) + "s" : std::to_string(ms) + "ms";
}

}  // namespace

Status parse_duration_flag(std::string_view flag, std::string_view value, long long min_ms, long long* ms,
                           long long max_ms) {
  const std::string prefix = std::string(flag) + ": " + argo::go_quote(value);
  int64_t nanos = 0;
  if (!argo::parse_go_duration(value, &nanos)) return Status::Error(prefix + " is not a duration (e.g. 30s, 5m, 1h)");
  if (nanos < 0) return Status::Error(prefix + " is negative");
  const long long rounded = nanos / 1'000'000 + (nanos % 1'000'000 != 0 ? 1 : 0);
  if (rounded < min_ms) return Status::Error(prefix + " is too short (at least " + format_ms(min_ms) + ")");
  if (rounded > max_ms) return Status::Error(prefix + " is too long (at most " + format_ms(max_ms) + ")");
  *ms = rounded;
  return Status::Ok();
}

bool parse_listen(const std::string& s, std::string* host, int* port) {
  size_t colon = s.rfind(':');
  if (colon == std::string::npos) return false;
  std::string h = s.substr(0, colon), p = s.substr(colon + 1);
  if (h.size() >= 2 && h.front() == '[' && h.back() == ']') h = h.substr(1, h.size() - 2);
  if (h.empty()) h = "0.0.0.0";
  if (p.empty() || p.size() > 5 || p.find_first_not_of("0123456789") != std::string::npos) return false;
  int n = std::stoi(p);
  if (n > 65535) return false;
  *host = h;
  *port = n;
  return true;
}

sigset_t block_shutdown_signals() {
  sigset_t sigs;
  sigemptyset(&sigs);
  sigaddset(&sigs, SIGTERM);
  sigaddset(&sigs, SIGINT);
  pthread_sigmask(SIG_BLOCK, &sigs, nullptr);
  signal(SIGPIPE, SIG_IGN);
  return sigs;
}

int wait_for_shutdown_signal(const sigset_t& sigs, long long ms) {
  timespec t{static_cast<time_t>(ms / 1000), static_cast<long>((ms % 1000) * 1'000'000)};
  int s = sigtimedwait(&sigs, nullptr, &t);
  return s > 0 ? s : 0;
}

}  // namespace rg::cli
