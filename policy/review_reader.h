// A fast, strict JSON reader for AdmissionReview bodies (the webhook's hot
// path): builds the nlohmann::json document directly, leaving out what no rule
// reads (request.oldObject, request.object.metadata.managedFields and the
// kubectl last-applied-configuration annotation), which it still checks for
// well-formedness without building.
//
// It accepts a subset of what nlohmann's parser accepts, and for that subset
// builds exactly the document admission's nlohmann SAX filter builds (same
// number types, last duplicate key wins). Anything else (malformed JSON, a
// byte order mark, nesting deeper than kMaxFastDepth, a number out of double
// range) returns false; the caller then parses with nlohmann, which gives the
// precise answer and error message. Pure; never throws (except bad_alloc).
#pragma once

#include <string_view>

#include <nlohmann/json.hpp>

namespace rg::admission {

inline constexpr int kMaxFastDepth = 128;

// True and *doc set when `body` is a JSON object this reader handles.
bool read_review_fast(std::string_view body, nlohmann::json* doc);

}  // namespace rg::admission
