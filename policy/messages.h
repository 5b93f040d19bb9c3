// Message grammar helpers, shared by every rule so messages read alike
// (modelled on pod-security-admission's helpers).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "policy/object.h"

namespace rg {

// "x" -> "\"x\"" (JSON-style escaping of quotes and control characters).
std::string quote(std::string_view s);
// {"a","b"} -> "\"a\", \"b\""
std::string join_quote(const std::vector<std::string>& items);
// pluralize("container", "containers", 2) -> "containers"
std::string_view pluralize(std::string_view singular, std::string_view plural, size_t n);
// "Rollout default/catalog" (namespace omitted when empty).
std::string object_ref(const Object& obj);
// Field paths: path_index("spec.steps", 2) -> "spec.steps[2]"; path_key("a", "b") -> "a.b".
std::string path_index(std::string_view base, size_t i);
std::string path_key(std::string_view base, std::string_view key);
// Compact JSON for quoting a value in a message ("true", "\"RuntimeDefault\"", "{}").
std::string short_json(const json& v, size_t max_len = 80);

}  // namespace rg
