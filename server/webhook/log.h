// Structured logs: one JSON object per line on stderr, through spdlog.
#pragma once

#include <string_view>

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

namespace rg::webhook {

// Sets up the "rollout-guard" logger (JSON lines on stderr) at `level`
// ("trace", "debug", "info", "warn", "error", "off"). False on an unknown level.
bool init_json_log(std::string_view level);

// Logs `fields` plus {"time","level","msg"} as one JSON line.
void log_json(spdlog::level::level_enum level, std::string_view msg, const nlohmann::json& fields = nlohmann::json::object());

bool log_enabled(spdlog::level::level_enum level);

}  // namespace rg::webhook
