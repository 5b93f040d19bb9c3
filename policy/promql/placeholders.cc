// Context tracking is deliberately shallow (quotes, brackets, braces and the
// previous word): it only has to pick a stand-in of the right token class.
#include "policy/promql/placeholders.h"

namespace rg::promql {
namespace {

bool ident_char(char c) {
  return c == '_' || c == ':' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}
bool space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

std::string_view trim(std::string_view s) {
  while (!s.empty() && space(s.front())) s.remove_prefix(1);
  while (!s.empty() && space(s.back())) s.remove_suffix(1);
  return s;
}

// The word (identifier characters) that ends at out[end).
std::string_view previous_word(const std::string& out) {
  size_t e = out.size();
  while (e > 0 && space(out[e - 1])) --e;
  size_t b = e;
  while (b > 0 && ident_char(out[b - 1])) --b;
  return std::string_view(out).substr(b, e - b);
}

char previous_char(const std::string& out) {
  size_t e = out.size();
  while (e > 0 && space(out[e - 1])) --e;
  return e > 0 ? out[e - 1] : '\0';
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i] >= 'A' && a[i] <= 'Z' ? static_cast<char>(a[i] - 'A' + 'a') : a[i];
    if (x != b[i]) return false;
  }
  return true;
}

}  // namespace

std::string substitute_placeholders(std::string_view q, std::vector<Placeholder>* out) {
  std::string res;
  res.reserve(q.size());
  char quote = 0;         // open string quote, 0 outside strings
  int bracket = 0;        // inside [...]
  int brace = 0;          // inside {...}
  size_t count = 0;
  for (size_t i = 0; i < q.size();) {
    if (q.compare(i, 2, "{{") == 0) {
      size_t close = q.find("}}", i + 2);
      if (close != std::string_view::npos) {
        size_t end = close + 2;
        std::string name = "rg_arg_" + std::to_string(count);
        std::string rep;
        if (quote) {
          rep = name;
        } else if (bracket > 0 || iequals(previous_word(res), "offset")) {
          rep = "5m";
        } else if (previous_char(res) == '@') {
          rep = "1";
        } else {
          size_t n = end;
          while (n < q.size() && space(q[n])) ++n;
          std::string_view rest = q.substr(n);
          bool glued = (!res.empty() && ident_char(res.back())) || (end < q.size() && ident_char(q[end]));
          bool before_op = brace > 0 && previous_char(res) != '=' && previous_char(res) != '~';
          bool selector_next = !rest.empty() && (rest[0] == '{' || rest[0] == '[' || rest[0] == '@' ||
                                                 iequals(rest.substr(0, 6), "offset"));
          if (brace > 0 && !before_op) {
            rep = "\"" + name + "\"";
          } else {
            rep = glued || before_op || selector_next ? name : "1";
          }
        }
        if (out) {
          Placeholder p;
          p.expression = std::string(trim(q.substr(i + 2, close - i - 2)));
          p.offset = i;
          p.length = end - i;
          p.new_offset = res.size();
          p.replacement = rep;
          out->push_back(std::move(p));
        }
        res += rep;
        ++count;
        i = end;
        continue;
      }
    }
    char c = q[i];
    if (quote) {
      if (c == '\\' && quote != '`' && i + 1 < q.size()) {
        res += q.substr(i, 2);
        i += 2;
        continue;
      }
      if (c == quote) quote = 0;
    } else if (c == '"' || c == '\'' || c == '`') {
      quote = c;
    } else if (c == '[') {
      ++bracket;
    } else if (c == ']') {
      if (bracket > 0) --bracket;
    } else if (c == '{') {
      ++brace;
    } else if (c == '}') {
      if (brace > 0) --brace;
    } else if (c == '#') {
      size_t nl = q.find('\n', i);
      size_t stop = nl == std::string_view::npos ? q.size() : nl;
      res += q.substr(i, stop - i);
      i = stop;
      continue;
    }
    res.push_back(c);
    ++i;
  }
  return res;
}

}  // namespace rg::promql
