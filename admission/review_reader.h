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
// review_place() says which members those are; parse_review()'s nlohmann
// fallback leaves out the same ones. The reader accepts a subset of what
// nlohmann's parser accepts, and for that subset builds exactly the document
// the fallback builds (same number types, last duplicate key wins), so
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

// Where a value of a review sits, as far as building it goes. Root, Request
// and RequestKind build only the members parse_review() reads; Other builds
// everything; Skip is checked for well-formed JSON but not built.
enum class ReviewPlace { Root, Request, RequestKind, Object, Metadata, Annotations, Other, Skip };

// The place of the member `key` of an object at `parent` (an array's elements
// are at Other when the array is built).
ReviewPlace review_place(ReviewPlace parent, std::string_view key);

// True and *doc set when `body` is a JSON object this reader handles.
bool read_review_fast(std::string_view body, nlohmann::json* doc);

// The same, built over what *doc holds (a previous review's document): its
// maps, arrays and strings are reused where this body has the same members,
// so a review like the last one allocates little. On true, *doc is exactly
// what read_review_fast() gives; on false, some valid document the caller
// must discard.
bool read_review_into(std::string_view body, nlohmann::json* doc);

}  // namespace rg::admission
