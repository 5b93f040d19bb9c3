// Fuzz target for the AdmissionReview readers, differentially against
// nlohmann::json::parse:
// - read_review_fast() accepts only what nlohmann accepts, and then builds
//   exactly nlohmann's document minus the skipped places (review_json.h);
// - read_review_into() over the previous input's document builds the same;
// - parse_review() never accepts what nlohmann refuses.
// Any crash, sanitizer report, exception or disagreement aborts.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "admission/admission.h"
#include "admission/review_reader.h"
#include "test/support/review_json.h"

namespace {

using json = nlohmann::json;

[[noreturn]] void fail(const char* what, std::string_view body) {
  std::fprintf(stderr, "review_reader_fuzz: %s\n  body: %.*s\n", what, static_cast<int>(body.size()), body.data());
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string body(reinterpret_cast<const char*>(data), size);
  const bool nlohmann_accepts = json::accept(body);

  json fast;
  const bool fast_ok = rg::admission::read_review_fast(body, &fast);
  if (fast_ok) {
    if (!nlohmann_accepts) fail("the fast reader accepted what nlohmann refuses", body);
    if (!rg::test::same(fast, rg::test::expected(body))) fail("the fast reader built another document", body);
  }

  static json previous;  // the last input's document, as the webhook reuses it
  json into = std::move(previous);
  const bool into_ok = rg::admission::read_review_into(body, &into);
  if (into_ok != fast_ok) fail("read_review_into and read_review_fast disagree on acceptance", body);
  if (into_ok && !rg::test::same(into, fast)) fail("read_review_into built another document", body);
  previous = into_ok ? std::move(into) : json();

  rg::admission::Review review;
  std::string error;
  const bool parsed = rg::admission::parse_review(body, &review, &error);
  if (parsed && !nlohmann_accepts) fail("parse_review accepted what nlohmann refuses", body);
  if (!parsed && error.empty()) fail("parse_review refused without an error", body);
  return 0;
}
