// AdmissionReview in, AdmissionReview out: the webhook's decision as pure
// functions, shared by the HTTPS server, the in-process benchmark and tests.
// No I/O, no clocks, no logging; the HTTP layer only routes and counts.
//
// - admission.k8s.io/v1 and v1beta1; the answer uses the request's apiVersion
//   and echoes request.uid.
// - /validate: DELETE and CONNECT, status/scale (any) subresource updates and
//   kinds no rule reads are allowed without evaluation (Decision::skipped says
//   why). UPDATE evaluates the new object. dryRun gets the same decision.
// - Denied: status.code 403, reason Forbidden, and a message for kubectl: one
//   deny finding per line, each starting with its rule id, in evaluate()'s
//   order (deny findings in catalog order), bounded in lines and bytes with
//   "... and N more". Warn findings go to response.warnings (one line each,
//   at most 256 bytes, like the apiserver's own limit).
// - /mutate: rg::mutate() (policy/mutation.h, shared with `rollout-guard fix`):
//   its patch as a base64 JSON Patch (RFC 6902) and its "set <path>=<value>"
//   notes as warnings; never denies; an already-defaulted object gets no
//   patch; a failure inside mutation allows with no patch (Decision::skipped
//   says why, mutation_failed is set).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "policy/finding.h"
#include "policy/object.h"
#include "policy/rule.h"

namespace rg::admission {

inline constexpr std::string_view kV1 = "admission.k8s.io/v1";
inline constexpr std::string_view kV1beta1 = "admission.k8s.io/v1beta1";

// The parts of request we use. `object.doc` is request.object without
// status, metadata.managedFields and the kubectl last-applied-configuration
// annotation (no rule or default reads them; dropping them while parsing
// halves the work); request.oldObject is skipped for the same reason.
struct Review {
  std::string api_version;  // admission.k8s.io/v1 or v1beta1
  std::string uid;
  std::string operation;    // CREATE, UPDATE, DELETE, CONNECT
  std::string sub_resource;
  std::string kind;         // request.kind.kind ("Rollout")
  std::string ns, name;
  bool dry_run = false;
  Object object;            // null for DELETE

  Review() = default;
  Review(const Review&) = default;
  Review(Review&&) = default;
  Review& operator=(const Review&) = default;
  Review& operator=(Review&&) = default;
  ~Review() { dispose(&object.doc); }  // a review is freed once per request: the faster way
};

// Parses an AdmissionReview body. On bad input returns false with *error
// naming the problem ("request.uid is missing", "body is not JSON: ...").
// Never throws; nesting deeper than 256 levels is an error.
bool parse_review(std::string_view body, Review* out, std::string* error);

// The document of the last review parsed with it (bodies up to
// kMaxKeptBody), kept so that the next parse builds over its nodes: maps,
// arrays and strings are reused where the next review has the same members
// (a Rollout after a Rollout allocates little), and the result is the same
// as parsing anew. One per thread; hand each review back with recycle() once
// its decision is made. The next review may reuse the same nodes at the same
// addresses, so nothing keyed by a node's address (EvalCache) may outlive
// the decision: the webhook gives evaluate() no shared cache.
class ReviewScratch {
 public:
  static constexpr size_t kMaxKeptBody = 64 * 1024;

  // Whether it keeps a document for the next parse.
  bool holds_document() const { return !root_.is_null(); }

 private:
  friend bool parse_review(std::string_view, Review*, std::string*, ReviewScratch*);
  friend void recycle(Review*, ReviewScratch*);
  json root_;
};

// parse_review() over `scratch` (nullptr: as above).
bool parse_review(std::string_view body, Review* out, std::string* error, ReviewScratch* scratch);
// Gives review's object back to the scratch it was parsed with (its
// document is empty after); the next parse_review with it reuses both.
void recycle(Review* review, ReviewScratch* scratch);

struct Decision {
  bool allowed = true;
  std::string skipped;                 // why nothing was evaluated; "" when evaluated
  std::vector<Finding> findings;       // every finding, deny first
  std::string message;                 // status.message when denied
  std::vector<std::string> warnings;   // response.warnings
  std::string patch;                   // JSON Patch text (mutate); "" when none
  // mutate: computing the defaults failed (skipped says why); allowed with
  // no patch, since the validator stays the final word.
  bool mutation_failed = false;
  // For metrics and logs: "deny", "warn" (allowed with warnings), "allow",
  // "patch" (mutate changed something) or "skip".
  std::string_view label() const;
};

Decision validate(const Review& review, const Context& ctx);
Decision mutate(const Review& review, const Context& ctx);

// The AdmissionReview answer, serialized.
std::string response_json(const Review& review, const Decision& decision);

// One finding as one line: "<rule>: <message> (<path>). Fix: <hint>".
std::string finding_line(const Finding& f);

struct MessageLimits {
  size_t max_lines = 10;
  size_t max_bytes = 3000;
  size_t max_line_bytes = 500;
};
// status.message for the deny findings among `findings`; "" when none.
std::string denial_message(const std::vector<Finding>& findings, const MessageLimits& limits = {});
// response.warnings for the warn findings: "<rule>: <message>", one line,
// at most 256 bytes each and 4096 in all ("... and N more warnings").
std::vector<std::string> warnings_for(const std::vector<Finding>& findings);

// The same bytes as j.dump() (compact, UTF-8 as is, type_error 316 on invalid
// UTF-8), written directly for containers, strings and integers: the /mutate
// patch text.
std::string dump_json(const json& j);

}  // namespace rg::admission
