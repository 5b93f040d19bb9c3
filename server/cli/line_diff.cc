#include "server/cli/line_diff.h"

#include <algorithm>

namespace rg::cli {

namespace {

std::vector<std::string_view> split_lines(std::string_view text) {
  std::vector<std::string_view> out;
  size_t start = 0;
  while (start < text.size()) {
    size_t nl = text.find('\n', start);
    if (nl == std::string_view::npos) nl = text.size();
    out.push_back(text.substr(start, nl - start));
    start = nl + 1;
  }
  return out;
}

using Lines = std::vector<std::string_view>;

// Linear-space Myers ("An O(ND) Difference Algorithm and Its Variations",
// section 4b): find the middle snake of the shortest edit script, recurse on
// both sides of it. Memory is two vectors of n + m + 2 diagonals for the
// whole diff; time is O((n + m) D), bounded by a budget of steps (diagonals
// tried plus lines compared): once it is spent, each region still to diff is
// replaced wholesale instead.
class Differ {
 public:
  Differ(const Lines& a, const Lines& b, size_t max_work, std::vector<LineEdit>* out)
      : a_(a), b_(b), budget_(max_work), out_(out),
        off_(static_cast<long>(a.size() + b.size()) + 1),
        fwd_(static_cast<size_t>(2 * off_ + 1)), bwd_(static_cast<size_t>(2 * off_ + 1)) {}

  // Appends the edits turning a[a0, a1) into b[b0, b1). Recursion depth is
  // about log2(D): each middle snake halves the differences on either side.
  void diff(long a0, long a1, long b0, long b1) {
    while (a0 < a1 && b0 < b1 && a_[static_cast<size_t>(a0)] == b_[static_cast<size_t>(b0)]) equal(a0++, b0++);
    long suffix = 0;
    while (a0 < a1 - suffix && b0 < b1 - suffix &&
           a_[static_cast<size_t>(a1 - 1 - suffix)] == b_[static_cast<size_t>(b1 - 1 - suffix)])
      ++suffix;
    a1 -= suffix;
    b1 -= suffix;
    Snake s;
    if (a0 == a1 || b0 == b1 || !middle_snake(a0, a1, b0, b1, &s)) {
      for (long i = a0; i < a1; ++i) out_->push_back({LineEdit::Delete, static_cast<size_t>(i), static_cast<size_t>(b0)});
      for (long j = b0; j < b1; ++j) out_->push_back({LineEdit::Insert, static_cast<size_t>(a1), static_cast<size_t>(j)});
    } else {
      diff(a0, s.x, b0, s.y);
      for (long x = s.x, y = s.y; x < s.u; ++x, ++y) equal(x, y);
      diff(s.u, a1, s.v, b1);
    }
    for (long k = 0; k < suffix; ++k) equal(a1 + k, b1 + k);
  }

 private:
  struct Snake {
    long x, y, u, v;  // the snake runs from (x, y) to (u, v) along one diagonal
  };

  void equal(long x, long y) { out_->push_back({LineEdit::Equal, static_cast<size_t>(x), static_cast<size_t>(y)}); }
  bool same(long x, long y) const { return a_[static_cast<size_t>(x)] == b_[static_cast<size_t>(y)]; }
  bool spend(size_t steps) {
    if (steps > budget_) {
      budget_ = 0;
      return false;
    }
    budget_ -= steps;
    return true;
  }
  long& fwd(long k) { return fwd_[static_cast<size_t>(k + off_)]; }
  long& bwd(long k) { return bwd_[static_cast<size_t>(k + off_)]; }

  // Forward paths from (a0, b0) and backward paths from (a1, b1), one
  // difference at a time, until they overlap. fwd(k) is the furthest x on
  // diagonal k = x - y (relative to a0, b0); bwd(k) the furthest distance
  // from the end on diagonal k = (a1 - x) - (b1 - y). False when the work
  // budget runs out first.
  bool middle_snake(long a0, long a1, long b0, long b1, Snake* s) {
    const long n = a1 - a0, m = b1 - b0, delta = n - m;
    const bool odd = (delta & 1) != 0;
    fwd(1) = 0;
    bwd(1) = 0;
    for (long d = 0; d <= (n + m + 1) / 2; ++d) {
      for (long k = -d; k <= d; k += 2) {
        long x = (k == -d || (k != d && fwd(k - 1) < fwd(k + 1))) ? fwd(k + 1) : fwd(k - 1) + 1;
        long y = x - k;
        const long x0 = x, y0 = y;
        while (x < n && y < m && same(a0 + x, b0 + y)) ++x, ++y;
        fwd(k) = x;
        if (!spend(1 + static_cast<size_t>(x - x0))) return false;
        // Overlap with a backward path of d - 1 differences: D = 2d - 1.
        if (odd && delta - k >= -(d - 1) && delta - k <= d - 1 && x + bwd(delta - k) >= n) {
          *s = {a0 + x0, b0 + y0, a0 + x, b0 + y};
          return true;
        }
      }
      for (long k = -d; k <= d; k += 2) {
        long x = (k == -d || (k != d && bwd(k - 1) < bwd(k + 1))) ? bwd(k + 1) : bwd(k - 1) + 1;
        long y = x - k;
        const long x0 = x, y0 = y;
        while (x < n && y < m && same(a1 - 1 - x, b1 - 1 - y)) ++x, ++y;
        bwd(k) = x;
        if (!spend(1 + static_cast<size_t>(x - x0))) return false;
        // Overlap with a forward path of d differences: D = 2d.
        if (!odd && delta - k >= -d && delta - k <= d && x + fwd(delta - k) >= n) {
          *s = {a1 - x, b1 - y, a1 - x0, b1 - y0};
          return true;
        }
      }
    }
    return false;  // not reached: the paths overlap by d = ceil((n + m) / 2)
  }

  const Lines& a_;
  const Lines& b_;
  size_t budget_;
  std::vector<LineEdit>* out_;
  const long off_;
  std::vector<long> fwd_, bwd_;
};

std::string range(size_t start, size_t len) {
  // diff -u: a hunk of length 0 names the line before it.
  return std::to_string(len == 0 ? start : start + 1) + "," + std::to_string(len);
}

}  // namespace

std::vector<LineEdit> diff_lines(const std::vector<std::string_view>& a, const std::vector<std::string_view>& b,
                                 size_t max_work) {
  std::vector<LineEdit> out;
  out.reserve(std::max(a.size(), b.size()));
  Differ(a, b, max_work, &out).diff(0, static_cast<long>(a.size()), 0, static_cast<long>(b.size()));
  return out;
}

std::string unified_diff(std::string_view a_text, std::string_view b_text, std::string_view a_label,
                         std::string_view b_label, size_t context) {
  if (a_text == b_text) return "";
  const std::vector<std::string_view> a = split_lines(a_text), b = split_lines(b_text);
  const std::vector<LineEdit> edits = diff_lines(a, b);
  std::string out = "--- " + std::string(a_label) + "\n+++ " + std::string(b_label) + "\n";
  size_t i = 0;
  while (i < edits.size()) {
    // The next change; then the hunk runs until `context` equal lines past
    // the last change that is followed by more than 2*context equal lines.
    while (i < edits.size() && edits[i].kind == LineEdit::Equal) ++i;
    if (i == edits.size()) break;
    size_t start = i >= context ? i - context : 0;
    size_t end = i;  // one past the last change
    size_t j = i;
    while (j < edits.size()) {
      if (edits[j].kind != LineEdit::Equal) {
        end = ++j;
        continue;
      }
      size_t run = j;
      while (run < edits.size() && edits[run].kind == LineEdit::Equal) ++run;
      if (run == edits.size() || run - j > 2 * context) break;
      j = run;
    }
    size_t stop = std::min(edits.size(), end + context);
    // Hunk header: where the hunk starts in each text and how many lines it spans.
    size_t a_start = edits[start].a;  // for an Insert: the old lines before it
    size_t b_start = edits[start].b;
    size_t a_len = 0, b_len = 0;
    for (size_t k = start; k < stop; ++k) {
      a_len += edits[k].kind != LineEdit::Insert;
      b_len += edits[k].kind != LineEdit::Delete;
    }
    out += "@@ -" + range(a_start, a_len) + " +" + range(b_start, b_len) + " @@\n";
    for (size_t k = start; k < stop; ++k) {
      const LineEdit& e = edits[k];
      if (e.kind == LineEdit::Equal) out += " " + std::string(a[e.a]) + "\n";
      else if (e.kind == LineEdit::Delete) out += "-" + std::string(a[e.a]) + "\n";
      else out += "+" + std::string(b[e.b]) + "\n";
    }
    i = stop;
  }
  return out;
}

}  // namespace rg::cli
