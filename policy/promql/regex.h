// Go regular expressions (package regexp, RE2 syntax) through the RE2
// library: compile a pattern the way Go's regexp.Compile does, report Go's
// error wording, and match in linear time with bounded memory. Used for
// PromQL label matchers (which Prometheus anchors) and for Argo Rollouts'
// metricName rules (regexp.MatchString, an unanchored search).
#pragma once

#include <memory>
#include <string>
#include <string_view>

namespace re2 {
class RE2;
}

namespace rg::promql {

// Longer patterns are not compiled (GoRegexp::too_large()).
inline constexpr size_t kMaxRegexBytes = 64 * 1024;

// One compiled pattern. Never throws or logs on a bad pattern; compiling and
// matching use about 1 MiB per pattern at most, and matching is linear in the
// text. Not copyable; safe to use from several threads once built.
class GoRegexp {
 public:
  explicit GoRegexp(std::string_view pattern);
  ~GoRegexp();
  GoRegexp(GoRegexp&&) noexcept;
  GoRegexp& operator=(GoRegexp&&) noexcept;

  // Go accepts the pattern and it compiled here.
  bool ok() const { return re_ != nullptr; }
  // Go rejects the pattern; error() is Go's message, e.g.
  // "error parsing regexp: missing closing ): `(a`".
  bool invalid() const { return !error_.empty(); }
  const std::string& error() const { return error_; }
  // Neither: the pattern is longer than kMaxRegexBytes or its compiled form
  // exceeds the memory bound. Go may well accept it; nothing is known.
  bool too_large() const { return !ok() && !invalid(); }

  // Go's regexp.MatchString: the pattern matches somewhere in `text`.
  // False unless ok().
  bool search(std::string_view text) const;

  // What building this took, in bytes of pattern and compiled program (the
  // memory bound when the program did not fit), for callers that budget
  // the work of compiling many patterns.
  size_t compile_cost() const { return cost_; }

 private:
  std::unique_ptr<re2::RE2> re_;
  std::string error_;
  size_t cost_ = 0;
};

// A PromQL label matcher's regex as Prometheus 2.42 checks it at parse time
// (labels.NewFastRegexMatcher: "^(?:" + pattern + ")$" must compile, and so
// must the pattern alone). True when valid; *matches_empty is then whether
// the anchored pattern matches "". False with Go's message in *error, e.g.
// "error parsing regexp: missing closing ): `^(?:(a)$`". A too_large()
// pattern counts as valid and not matching "" (nothing is claimed about it).
// *cost (when given) is what the check took, as GoRegexp::compile_cost().
bool check_regex(std::string_view pattern, bool* matches_empty, std::string* error, size_t* cost = nullptr);

}  // namespace rg::promql
