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

// Myers over a[a0, a1) and b[b0, b1), appending edits in order. false when
// more than max_d differences are needed.
bool myers(const std::vector<std::string_view>& a, size_t a0, size_t a1, const std::vector<std::string_view>& b,
           size_t b0, size_t b1, size_t max_d, std::vector<LineEdit>* out) {
  const long n = static_cast<long>(a1 - a0), m = static_cast<long>(b1 - b0);
  const long max = n + m;
  const long limit = std::min<long>(max, static_cast<long>(max_d));
  const long off = max + 1;
  std::vector<long> v(static_cast<size_t>(2 * max + 3), 0);
  std::vector<std::vector<long>> trace;
  long found = -1;
  for (long d = 0; d <= limit && found < 0; ++d) {
    trace.push_back(v);
    for (long k = -d; k <= d; k += 2) {
      long x = (k == -d || (k != d && v[k - 1 + off] < v[k + 1 + off])) ? v[k + 1 + off] : v[k - 1 + off] + 1;
      long y = x - k;
      while (x < n && y < m && a[a0 + x] == b[b0 + y]) ++x, ++y;
      v[k + off] = x;
      if (x >= n && y >= m) {
        found = d;
        break;
      }
    }
  }
  if (found < 0) return false;
  std::vector<LineEdit> rev;
  long x = n, y = m;
  for (long d = found; d > 0; --d) {
    const std::vector<long>& pv = trace[static_cast<size_t>(d)];
    long k = x - y;
    long prev_k = (k == -d || (k != d && pv[k - 1 + off] < pv[k + 1 + off])) ? k + 1 : k - 1;
    long prev_x = pv[prev_k + off], prev_y = prev_x - prev_k;
    while (x > prev_x && y > prev_y) {
      --x, --y;
      rev.push_back({LineEdit::Equal, a0 + x, b0 + y});
    }
    if (prev_k == k + 1) rev.push_back({LineEdit::Insert, a0 + x, b0 + prev_y});
    else rev.push_back({LineEdit::Delete, a0 + prev_x, b0 + y});
    x = prev_x, y = prev_y;
  }
  while (x > 0 && y > 0) {
    --x, --y;
    rev.push_back({LineEdit::Equal, a0 + x, b0 + y});
  }
  out->insert(out->end(), rev.rbegin(), rev.rend());
  return true;
}

std::string range(size_t start, size_t len) {
  // diff -u: a hunk of length 0 names the line before it.
  return std::to_string(len == 0 ? start : start + 1) + "," + std::to_string(len);
}

}  // namespace

std::vector<LineEdit> diff_lines(const std::vector<std::string_view>& a, const std::vector<std::string_view>& b,
                                 size_t max_d) {
  std::vector<LineEdit> out;
  size_t pre = 0;
  while (pre < a.size() && pre < b.size() && a[pre] == b[pre]) {
    out.push_back({LineEdit::Equal, pre, pre});
    ++pre;
  }
  size_t suf = 0;
  while (suf < a.size() - pre && suf < b.size() - pre && a[a.size() - 1 - suf] == b[b.size() - 1 - suf]) ++suf;
  const size_t a1 = a.size() - suf, b1 = b.size() - suf;
  if (!myers(a, pre, a1, b, pre, b1, max_d, &out)) {
    for (size_t i = pre; i < a1; ++i) out.push_back({LineEdit::Delete, i, pre});
    for (size_t j = pre; j < b1; ++j) out.push_back({LineEdit::Insert, a1, j});
  }
  for (size_t s = 0; s < suf; ++s) out.push_back({LineEdit::Equal, a1 + s, b1 + s});
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
