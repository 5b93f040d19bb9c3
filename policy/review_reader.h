// A fast, strict JSON reader for AdmissionReview bodies (the webhook's hot
// path): builds the nlohmann::json document directly, leaving out what
// parse_review() and the rules never read, which it still checks for
// well-formedness without building:
// - at the top level, everything but apiVersion, kind and request;
// - in request, everything but uid, operation, subResource, kind (of which
//   only kind.kind), namespace, name, dryRun and object (so request.oldObject,
//   userInfo, options, resource, requestKind, requestResource are skipped);
// - in request.object, status, metadata.managedFields and the kubectl
//   last-applied-configuration annotation.
//
// It accepts a subset of what nlohmann's parser accepts, and for that subset
// builds exactly the document admission's nlohmann SAX filter builds, minus
// the members above (same number types, last duplicate key wins), so
// parse_review() reads the same values either way. Anything else (malformed
// JSON, a byte order mark, nesting deeper than kMaxFastDepth, a number out of
// double range) returns false; the caller then parses with nlohmann, which
// gives the precise answer and error message. Pure; never throws (except
// bad_alloc).
#pragma once

#include <string_view>

#include <nlohmann/json.hpp>

namespace rg::admission {

inline constexpr int kMaxFastDepth = 128;

// True and *doc set when `body` is a JSON object this reader handles.
bool read_review_fast(std::string_view body, nlohmann::json* doc);

}  // namespace rg::admission
