#include "server/webhook/log.h"

#include <spdlog/sinks/stdout_sinks.h>

namespace rg::webhook {

namespace {
std::shared_ptr<spdlog::logger>& logger() {
  static std::shared_ptr<spdlog::logger> l = [] {
    auto lg = std::make_shared<spdlog::logger>("rollout-guard", std::make_shared<spdlog::sinks::stderr_sink_mt>());
    // The message is the rest of a JSON object; time and level come first.
    lg->set_pattern(R"({"time":"%Y-%m-%dT%H:%M:%S.%fZ","level":"%l",%v)", spdlog::pattern_time_type::utc);
    lg->flush_on(spdlog::level::warn);
    return lg;
  }();
  return l;
}
}  // namespace

bool init_json_log(std::string_view level) {
  spdlog::level::level_enum lv = spdlog::level::from_str(std::string(level));
  // from_str answers "off" for anything unknown; accept "off" only when asked.
  if (lv == spdlog::level::off && level != "off") return false;
  logger()->set_level(lv);
  logger()->flush_on(spdlog::level::info);
  return true;
}

bool log_enabled(spdlog::level::level_enum level) { return logger()->should_log(level); }

void log_json(spdlog::level::level_enum level, std::string_view msg, const nlohmann::json& fields) {
  if (!logger()->should_log(level)) return;
  nlohmann::json line = fields.is_object() ? fields : nlohmann::json::object();
  std::string text = nlohmann::json(msg).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  std::string rest = line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  // rest is "{...}": splice "msg" in front of its members.
  std::string out = "\"msg\":" + text + (rest.size() > 2 ? "," + rest.substr(1) : "}");
  logger()->log(level, out);
}

}  // namespace rg::webhook
