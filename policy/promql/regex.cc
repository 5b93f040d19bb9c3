// Go's regexp on top of RE2. RE2 and Go's regexp/syntax share their design
// and most of their parser, so RE2's error code and argument map onto Go's
// message; the differences that remain are handled or listed here.
//
// Handled:
// - RE2 accepts \C (any byte); Go rejects it as an invalid escape.
// - RE2 rejects two capture groups with one name; Go (1.19, Prometheus 2.42)
//   accepts them. Compiling with never_capture makes RE2 accept them too.
// Not handled (RE2 decides):
// - Go 1.19 rejects groups nested more than 1000 deep ("expression nests too
//   deeply") and programs above its size limit ("expression too large");
//   RE2 accepts deep nesting. A program above kMaxProgramBytes (far below
//   Go's limit) is too_large() here, which callers treat as unknown rather
//   than invalid.
// - Unicode tables: RE2's are newer than Go 1.19's, so scripts added since
//   Unicode 13 (\p{Vithkuqi}, \p{Toto}, \p{Kawi}, ...) are accepted here as in
//   newer Go releases, where Go 1.19 rejects them.
// - For invalid UTF-8 RE2 gives no argument, so the message ends in ``.
#include "policy/promql/regex.h"

#include <algorithm>

#include <re2/re2.h>

namespace rg::promql {
namespace {

// RE2's max_mem: bounds the compiled program and the DFA cache of a
// pattern, and so the time a compile can take (a short pattern such as
// \pL{1000} expands to megabytes; at this bound it gives up within ~30 ms).
constexpr int64_t kMaxProgramBytes = 1 << 20;
// A bound no real program fits in: RE2 still parses the whole pattern (and
// reports its syntax errors) but gives up at once when compiling it.
constexpr int64_t kSyntaxOnlyBytes = 1024;
// Roughly what one program instruction costs RE2 (compile_cost()).
constexpr size_t kInstructionBytes = 16;

RE2::Options go_options(int64_t max_mem) {
  RE2::Options o;  // UTF-8, Perl classes and flags, longest_match off: Go's syntax.Perl
  o.set_log_errors(false);
  o.set_never_capture(true);
  o.set_max_mem(max_mem);
  return o;
}

// Go's regexp/syntax ErrorCode text for an RE2 error code.
const char* go_error_code(RE2::ErrorCode code) {
  switch (code) {
    case RE2::ErrorBadEscape: return "invalid escape sequence";
    case RE2::ErrorBadCharClass: return "invalid character class";
    case RE2::ErrorBadCharRange: return "invalid character class range";
    case RE2::ErrorMissingBracket: return "missing closing ]";
    case RE2::ErrorMissingParen: return "missing closing )";
    case RE2::ErrorUnexpectedParen: return "unexpected )";
    case RE2::ErrorTrailingBackslash: return "trailing backslash at end of expression";
    case RE2::ErrorRepeatArgument: return "missing argument to repetition operator";
    case RE2::ErrorRepeatSize: return "invalid repeat count";
    case RE2::ErrorRepeatOp: return "invalid nested repetition operator";
    case RE2::ErrorBadPerlOp: return "invalid or unsupported Perl syntax";
    case RE2::ErrorBadUTF8: return "invalid UTF-8";
    case RE2::ErrorBadNamedCapture: return "invalid named capture";
    default: return "regexp/syntax: internal error";
  }
}

std::string go_error(std::string_view code, std::string_view arg) {
  return "error parsing regexp: " + std::string(code) + ": `" + std::string(arg) + "`";
}

// True when `p` uses \C outside a \Q...\E literal. Only called on patterns
// RE2 parsed, so every backslash starts a well-formed escape.
bool has_any_byte_escape(std::string_view p) {
  for (size_t i = 0; i + 1 < p.size(); ++i) {
    if (p[i] != '\\') continue;
    if (p[i + 1] == 'C') return true;
    if (p[i + 1] == 'Q') {
      size_t end = p.find("\\E", i + 2);
      if (end == std::string_view::npos) return false;
      i = end;
    }
    ++i;  // the escaped character
  }
  return false;
}

// Compiles `pattern` within `max_mem`. Null with Go's message in *error when
// Go rejects the pattern; null with *error untouched when the program does
// not fit.
std::unique_ptr<RE2> compile(std::string_view pattern, int64_t max_mem, std::string* error) {
  auto re = std::make_unique<RE2>(re2::StringPiece(pattern.data(), pattern.size()), go_options(max_mem));
  if (!re->ok() && re->error_code() != RE2::ErrorPatternTooLarge) {
    *error = go_error(go_error_code(re->error_code()), re->error_arg());
    return nullptr;
  }
  if (has_any_byte_escape(pattern)) {
    *error = go_error("invalid escape sequence", "\\C");
    return nullptr;
  }
  if (!re->ok()) return nullptr;
  return re;
}

}  // namespace

GoRegexp::GoRegexp(std::string_view pattern) : cost_(pattern.size()) {
  if (pattern.size() > kMaxRegexBytes) return;
  re_ = compile(pattern, kMaxProgramBytes, &error_);
  if (re_ != nullptr) {
    cost_ += static_cast<size_t>(re_->ProgramSize()) * kInstructionBytes;
  } else if (error_.empty()) {
    cost_ += kMaxProgramBytes;
  }
}

GoRegexp::~GoRegexp() = default;
GoRegexp::GoRegexp(GoRegexp&&) noexcept = default;
GoRegexp& GoRegexp::operator=(GoRegexp&&) noexcept = default;

bool GoRegexp::search(std::string_view text) const {
  return re_ != nullptr && RE2::PartialMatch(re2::StringPiece(text.data(), text.size()), *re_);
}

bool check_regex(std::string_view pattern, bool* matches_empty, std::string* error, size_t* cost) {
  *matches_empty = false;
  // Prometheus compiles the anchored form first, then parses the pattern
  // alone (which catches "a)|(b", valid only once wrapped).
  GoRegexp anchored("^(?:" + std::string(pattern) + ")$");
  if (cost != nullptr) *cost = anchored.compile_cost() + std::min<size_t>(pattern.size(), kMaxRegexBytes);
  if (anchored.invalid()) {
    *error = anchored.error();
    return false;
  }
  if (pattern.size() <= kMaxRegexBytes) {
    std::string alone_error;
    compile(pattern, kSyntaxOnlyBytes, &alone_error);
    if (!alone_error.empty()) {
      *error = std::move(alone_error);
      return false;
    }
  }
  *matches_empty = anchored.search("");
  return true;
}

}  // namespace rg::promql
