// A line diff (Myers' O(ND) algorithm in linear space) and its unified-diff
// rendering, for `rollout-guard fix --diff`. Memory grows with the number of
// lines only; time with lines times differences, bounded by a work budget.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace rg::cli {

struct LineEdit {
  enum Kind { Equal, Delete, Insert } kind;
  size_t a;  // line index in the old text (Equal, Delete)
  size_t b;  // line index in the new text (Equal, Insert)
};

// A shortest edit script from `a` to `b`, within `max_work` steps (lines
// compared plus diagonals tried; the default is about a second's work). Once
// the budget is spent, each region still to diff is replaced wholesale:
// still a correct script, no longer minimal.
std::vector<LineEdit> diff_lines(const std::vector<std::string_view>& a, const std::vector<std::string_view>& b,
                                 size_t max_work = 50'000'000);

// "--- a_label\n+++ b_label\n@@ -l,n +l,n @@\n..." with `context` lines
// around each change, as `diff -u`; "" when the texts are equal. Texts are
// split on '\n'; a missing final newline is not marked.
std::string unified_diff(std::string_view a_text, std::string_view b_text, std::string_view a_label,
                         std::string_view b_label, size_t context = 3);

}  // namespace rg::cli
