// One Kubernetes object as read, with where it came from.
//
// Objects are plain nlohmann::json documents; the core never owns files. The
// adapters (CLI, webhook, reconciler) fill `where` when they know it.
#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace rg {

using json = nlohmann::json;

struct SourceLocation {
  std::string file;  // "" when unknown (webhook, cluster)
  int line = 0;      // 1-based line where the document starts; 0 when unknown
};

struct Object {
  json doc;
  SourceLocation where;

  // Accessors never throw: a missing or non-string field reads as "".
  std::string_view api_version() const;
  std::string_view kind() const;
  std::string_view name() const;
  std::string_view ns() const;
  // API group of apiVersion ("argoproj.io" for "argoproj.io/v1alpha1", "" for "v1").
  std::string_view group() const;
};

// Safe, non-throwing readers over json. Return nullptr / fallback on a missing
// key or a type mismatch.
const json* child(const json& j, std::string_view key);
const json* child(const json& j, std::initializer_list<std::string_view> path);
std::string_view str_or(const json* j, std::string_view fallback = "");
// Frees what *j holds and leaves it null: the same as `*j = nullptr`, with
// less work for a document (nlohmann's destructor moves every node through
// a heap-allocated stack so that depth cannot overflow the call stack; this
// frees depth first, handing anything deeper than 64 levels to it).
void dispose(json* j) noexcept;
// Reads an annotation or label value; "" when absent.
std::string_view annotation(const json& doc, std::string_view key);
std::string_view label(const json& doc, std::string_view key);

}  // namespace rg
