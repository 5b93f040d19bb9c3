// Manifests as text -> Objects with file and line (see documents.h).
//
// YAML goes through libfyaml's event parser (iterative, and about seven times
// faster than yaml-cpp's on manifests) and a small, non-recursive builder that
// sees every mark, tag and anchor and bounds depth, node count and the bytes
// aliases add. Scalars and keys resolve as kubectl reads them (YAML 1.1, see
// yaml_scalars.h), so `yes` is true and `0644` is 420; a line-based pre-scan
// refuses a document nested too deep before libfyaml sees it. JSON goes through nlohmann (iterative) after a tokenizing
// pre-scan that bounds depth and node count, finds duplicate keys and
// remembers where each top-level element starts. Nothing here throws to the
// caller.
#include "manifests/documents.h"

#include <algorithm>
#include <cstdio>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <exception>
#include <limits>
#include <memory>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <variant>

#include <libfyaml.h>

#include "manifests/yaml_scalars.h"

namespace rg {

std::string LoadError::str() const {
  std::string out = file.empty() ? "<input>" : file;
  if (line > 0) {
    out += ":" + std::to_string(line);
    if (column > 0) out += ":" + std::to_string(column);
  }
  out += ": " + message;
  return out;
}

namespace {

// ---------------------------------------------------------------------------
// Shared: one parsed document -> objects.

struct RawDoc {
  json doc;
  int line = 0;
  std::vector<int> item_lines;  // lines of the elements of a root "items" sequence
};

bool is_list_kind(const json& doc) {
  const json* kind = child(doc, "kind");
  const json* items = child(doc, "items");
  if (kind == nullptr || !kind->is_string() || items == nullptr || !items->is_array()) return false;
  const std::string& k = kind->get_ref<const std::string&>();
  return k.size() >= 4 && k.compare(k.size() - 4, 4, "List") == 0;
}

bool is_k8s_object(const json& doc) {
  return doc.is_object() && !str_or(child(doc, "apiVersion")).empty() && !str_or(child(doc, "kind")).empty();
}

void add_document(RawDoc&& raw, std::string_view file, LoadResult* out) {
  if (raw.doc.is_null()) return;  // an empty document ("---" alone, comments only): nothing to count
  if (!raw.doc.is_object()) {
    ++out->skipped;
    return;
  }
  if (is_list_kind(raw.doc)) {
    json& items = raw.doc["items"];
    for (size_t i = 0; i < items.size(); ++i) {
      if (!is_k8s_object(items[i])) {
        if (!items[i].is_null()) ++out->skipped;
        continue;
      }
      int line = i < raw.item_lines.size() ? raw.item_lines[i] : raw.line;
      out->objects.push_back(Object{std::move(items[i]), SourceLocation{std::string(file), line}});
    }
    return;
  }
  if (!is_k8s_object(raw.doc)) {
    ++out->skipped;
    return;
  }
  out->objects.push_back(Object{std::move(raw.doc), SourceLocation{std::string(file), raw.line}});
}

LoadError make_error(std::string_view file, int line, int col, std::string msg) {
  LoadError e;
  e.file = std::string(file);
  e.line = line;
  e.column = col;
  e.message = std::move(msg);
  return e;
}

// 1-based line and column of a byte offset.
std::pair<int, int> position_of(std::string_view text, size_t offset) {
  if (offset > text.size()) offset = text.size();
  int line = 1;
  size_t line_start = 0;
  for (size_t i = 0; i < offset; ++i) {
    if (text[i] == '\n') {
      ++line;
      line_start = i + 1;
    }
  }
  return {line, static_cast<int>(offset - line_start) + 1};
}

// ---------------------------------------------------------------------------
// YAML depth pre-scan.
//
// Estimates the nesting depth line by line without parsing: block structure
// from indentation columns (a stack, as Python's tokenizer does), compact
// nested sequences and mappings ("- - x", "- key: v") as one level per
// indicator, and flow collections from brackets outside quotes and comments.
// Block scalars (| and >) and quoted scalars are skipped. The estimate errs
// on the high side; the builder's own bound stays as a backstop. Needed
// although libfyaml does not recurse: its scanner queues the tokens of a run
// of flow openers before it emits an event (2 MB of "[" took 700 MB), so a
// document too deep is cut off before libfyaml sees it.
//
// The same pass refuses a tab in the white space after a block ':' when an
// indicator (? : | > or "- ") follows it on the line: `? key:<TAB>:`.
// libfyaml 0.7.12 reports that as an error and then corrupts its indentation
// stack, so destroying the parser writes through a null pointer (found by
// the kubeconfig fuzz target; a bare libfyaml parser crashes on the same 6
// bytes). go-yaml refuses every tab after a block ':', so kubectl refuses
// all of these too.

struct ScanIssue {
  bool failed = false;
  int line = 0, column = 0;
  std::string message;
  size_t doc_start = 0;  // offset of the document holding the issue
};

bool is_blank(char c) { return c == ' ' || c == '\t'; }

// Where the line from `pos` ends and the next begins. The pre-scan breaks
// lines where go-yaml does: LF, CRLF, a lone CR, and NEL, LS and PS (U+0085,
// U+2028, U+2029). libfyaml breaks at a lone CR too, and at the other three
// after a `%YAML 1.1` directive, so a check the pre-scan makes on a line holds
// for what libfyaml reads as one.
std::pair<size_t, size_t> next_line_break(std::string_view text, size_t pos) {
  for (size_t i = text.find_first_of("\n\r\xc2\xe2", pos); i != std::string_view::npos;
       i = text.find_first_of("\n\r\xc2\xe2", i + 1)) {
    const auto at = [&](size_t k) { return i + k < text.size() ? static_cast<unsigned char>(text[i + k]) : 0; };
    switch (at(0)) {
      case '\n': return {i, i + 1};
      case '\r': return {i, at(1) == '\n' ? i + 2 : i + 1};
      case 0xc2: if (at(1) == 0x85) return {i, i + 2}; break;
      default: if (at(1) == 0x80 && (at(2) == 0xa8 || at(2) == 0xa9)) return {i, i + 3}; break;
    }
  }
  return {text.size(), text.size() + 1};
}

ScanIssue prescan_yaml(std::string_view text, int max_depth) {
  ScanIssue issue;
  std::vector<int> indents;  // block indentation columns, strictly increasing
  int flow = 0;              // open [ and { across lines
  char quote = 0;            // open quoted scalar across lines
  int block_parent = -1;     // >= 0 while inside a block scalar: its parent's column
  size_t doc_start = 0;
  // Directives belong to the document after them: where the first one after
  // the stream's start or a `...` begins (npos: none).
  size_t directives_start = std::string_view::npos;
  bool at_document_boundary = true;
  int line_no = 0;
  auto refuse = [&](int line, int col, std::string message) {
    issue.failed = true;
    issue.line = line;
    issue.column = col;
    issue.doc_start = doc_start;
    issue.message = std::move(message);
  };
  auto too_deep = [&](int line, int col, int depth) {
    refuse(line, col, "nesting too deep (more than " + std::to_string(max_depth) + " levels, reached " +
                          std::to_string(depth) + "); refusing to parse");
  };
  // Called with `at` on a block ':' that a blank or the line's end follows.
  auto tab_before_indicator = [&](std::string_view line, size_t at) {
    size_t tab = std::string_view::npos, j = at + 1;
    for (; j < line.size() && is_blank(line[j]); ++j) {
      if (line[j] == '\t' && tab == std::string_view::npos) tab = j;
    }
    if (tab == std::string_view::npos || j == line.size()) return false;
    const char c = line[j];
    const bool indicator = c == '?' || c == ':' || c == '|' || c == '>' ||
                           (c == '-' && (j + 1 == line.size() || is_blank(line[j + 1])));
    if (!indicator) return false;
    refuse(line_no, static_cast<int>(tab) + 1,
           std::string("tab between ':' and '") + c +
               "': YAML does not allow tabs before an indicator here, and kubectl refuses them too; use spaces");
    return true;
  };

  size_t pos = 0;
  while (pos < text.size() && !issue.failed) {
    const auto [end, next] = next_line_break(text, pos);
    std::string_view line = text.substr(pos, end - pos);
    size_t line_offset = pos;
    pos = next;
    ++line_no;

    size_t indent = 0;
    while (indent < line.size() && line[indent] == ' ') ++indent;
    bool blank = indent == line.size() || (line.find_first_not_of(" \t", indent) == std::string_view::npos);

    if (block_parent >= 0) {
      if (blank || static_cast<int>(indent) > block_parent) continue;
      block_parent = -1;
    }
    size_t p = 0;  // where token scanning starts
    bool node_start = true;
    int content_col = 0, last_indicator_col = -1;
    if (quote == 0 && flow == 0) {
      if (blank) continue;
      bool marker = line.size() >= 3 && (line.substr(0, 3) == "---" || line.substr(0, 3) == "...") &&
                    (line.size() == 3 || is_blank(line[3]));
      if (marker) {
        indents.clear();
        if (line[0] == '-') {
          doc_start = directives_start != std::string_view::npos ? directives_start : line_offset;
          at_document_boundary = false;
        } else {
          doc_start = pos;
          at_document_boundary = true;
        }
        directives_start = std::string_view::npos;
        p = 3;
        while (p < line.size() && is_blank(line[p])) ++p;
        content_col = static_cast<int>(p);
      } else if (line[0] == '%') {
        if (at_document_boundary && directives_start == std::string_view::npos) directives_start = line_offset;
        continue;  // directive
      } else {
        p = indent;
        if (line[p] == '#') continue;  // comment line
        at_document_boundary = false;
        int col = static_cast<int>(indent);
        while (!indents.empty() && indents.back() > col) indents.pop_back();
        if (indents.empty() || indents.back() < col) indents.push_back(col);
        // Compact indicators: "- - x", "- key: v", "? - x". Each opens a level.
        while (p < line.size() && (line[p] == '-' || line[p] == '?' || line[p] == ':') &&
               (p + 1 == line.size() || is_blank(line[p + 1]))) {
          if (line[p] == ':' && tab_before_indicator(line, p)) break;
          last_indicator_col = static_cast<int>(p);
          ++p;
          while (p < line.size() && is_blank(line[p])) ++p;
          if (p == line.size() || line[p] == '#') break;
          int c = static_cast<int>(p);
          if (indents.back() < c) indents.push_back(c);
          if (static_cast<int>(indents.size()) > max_depth) break;
        }
        if (issue.failed) break;
        content_col = static_cast<int>(p);
        if (static_cast<int>(indents.size()) > max_depth) {
          too_deep(line_no, static_cast<int>(p) + 1, static_cast<int>(indents.size()));
          break;
        }
      }
    } else {
      node_start = quote == 0;
    }

    for (size_t i = p; i < line.size(); ++i) {
      if (quote == 0 && flow == 0 && !node_start) {
        // Inside a plain scalar in block context only ": " (a value follows)
        // and " #" (a comment) change anything below: skip to the next ':' or '#'.
        while (i < line.size() && line[i] != ':' && line[i] != '#') ++i;
        if (i == line.size()) break;
      }
      char c = line[i];
      if (quote == '"') {
        if (c == '\\') ++i;
        else if (c == '"') quote = 0, node_start = false;
        continue;
      }
      if (quote == '\'') {
        if (c == '\'') {
          if (i + 1 < line.size() && line[i + 1] == '\'') ++i;
          else quote = 0, node_start = false;
        }
        continue;
      }
      if (is_blank(c)) continue;
      if (c == '#' && (i == 0 || is_blank(line[i - 1]))) break;  // comment
      if (flow > 0) {
        if (c == '[' || c == '{') {
          ++flow;
          int depth = static_cast<int>(indents.size()) + flow;
          if (depth > max_depth) { too_deep(line_no, static_cast<int>(i) + 1, depth); break; }
          node_start = true;
        } else if (c == ']' || c == '}') {
          --flow;
          node_start = false;
        } else if (c == ',' || c == ':' || c == '?') {
          node_start = true;
        } else if ((c == '"' || c == '\'') && node_start) {
          quote = c;
        } else if ((c == '&' || c == '!') && node_start) {
          while (i + 1 < line.size() && !is_blank(line[i + 1]) && line[i + 1] != ',' && line[i + 1] != ']' &&
                 line[i + 1] != '}')
            ++i;
        } else {
          node_start = false;
        }
        continue;
      }
      // Block context.
      if (c == ':' && (i + 1 == line.size() || is_blank(line[i + 1]))) {
        if (tab_before_indicator(line, i)) break;
        node_start = true;
      } else if ((c == '-' || c == '?') && node_start && (i + 1 == line.size() || is_blank(line[i + 1]))) {
        // a nested indicator mid-line (invalid in most places): keep scanning
      } else if (node_start && (c == '[' || c == '{')) {
        ++flow;
        int depth = static_cast<int>(indents.size()) + flow;
        if (depth > max_depth) { too_deep(line_no, static_cast<int>(i) + 1, depth); break; }
        node_start = true;
      } else if (node_start && (c == '"' || c == '\'')) {
        quote = c;
      } else if (node_start && (c == '&' || c == '!')) {
        while (i + 1 < line.size() && !is_blank(line[i + 1])) ++i;  // anchor or tag: a node follows
      } else if (node_start && (c == '|' || c == '>')) {
        size_t j = i + 1;
        while (j < line.size() && (line[j] == '+' || line[j] == '-' || (line[j] >= '0' && line[j] <= '9'))) ++j;
        while (j < line.size() && is_blank(line[j])) ++j;
        if (j == line.size() || line[j] == '#') {
          if (static_cast<int>(i) == content_col) {
            block_parent = last_indicator_col >= 0 ? last_indicator_col : content_col - 1;
          } else {
            block_parent = content_col;
          }
          break;
        }
        node_start = false;
      } else {
        node_start = false;
      }
    }
  }
  return issue;
}

// ---------------------------------------------------------------------------
// YAML events -> json, without recursion.

struct LoadFailure {
  int line = 0, column = 0;  // 1-based; 0 unknown
  std::string message;
};

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

// A position in the text: 0-based line and column, -1 when the parser gave none.
struct Mark {
  int line = -1, column = -1;
};

// Text from the input, quoted for a message; invalid UTF-8 becomes U+FFFD so
// the message can go into JSON output.
std::string quote_text(std::string_view text) {
  return json(std::string(text)).dump(-1, ' ', false, json::error_handler_t::replace);
}

// A scalar's Go value as kubectl's reader (go-yaml v2) resolves it: `tag` is
// "?" for a plain scalar without a tag, "!" for a quoted or block scalar
// without one, else the resolved tag ("tag:yaml.org,2002:int").
yaml11::Scalar resolve_scalar(std::string_view tag, std::string_view text, const Mark& mark) {
  if (tag == "?") return yaml11::resolve_plain(text);
  yaml11::Scalar s;
  if (tag == "!") return s;
  if (!yaml11::resolve_tagged(tag, text, &s)) {
    throw LoadFailure{mark.line + 1, mark.column + 1,
                      "cannot read " + std::string(tag.substr(tag.rfind(':') + 1)) + " " + quote_text(text)};
  }
  return s;
}

// The value kubectl sends for a scalar (yaml_scalars.h).
json scalar_value(const yaml11::Scalar& s, std::string text, const Mark& mark) {
  json out;
  std::string why;
  if (s.kind == yaml11::Scalar::Kind::kString) return json(std::move(text));
  if (!yaml11::to_json(s, &out, &why)) throw LoadFailure{mark.line + 1, mark.column + 1, quote_text(text) + ": " + why};
  return out;
}

// The JSON key kubectl sends for a scalar key (yaml_scalars.h).
std::string scalar_key(const yaml11::Scalar& s, std::string text, const Mark& mark) {
  if (s.kind == yaml11::Scalar::Kind::kString) return text;
  std::string out, why;
  if (!yaml11::key_text(s, text, &out, &why)) {
    throw LoadFailure{mark.line + 1, mark.column + 1, "key " + quote_text(text) + ": " + why};
  }
  return out;
}

// The text bytes (scalars and keys) aliases may add to one input: `ratio`
// times its size, at least `floor`, at most `cap` (LoadLimits).
size_t alias_byte_budget(const LoadLimits& limits, size_t input_bytes) {
  size_t relative = input_bytes > limits.max_expanded_bytes / std::max<size_t>(limits.expansion_ratio, 1)
                        ? limits.max_expanded_bytes
                        : input_bytes * limits.expansion_ratio;
  return std::min(std::max(relative, limits.expanded_bytes_floor), limits.max_expanded_bytes);
}

// Builds documents from parser events with an explicit stack (no recursion),
// bounding depth, node count and the bytes aliases add (after alias
// expansion) as it goes.
class Builder {
 public:
  Builder(const LoadLimits& limits, size_t input_bytes, std::vector<RawDoc>* docs)
      : limits_(limits), alias_budget_(alias_byte_budget(limits, input_bytes)), docs_(docs) {}

  void document_start() {
    stack_.clear();
    anchors_.clear();
    doc_ = RawDoc{};
  }
  void document_end() { docs_->push_back(std::move(doc_)); }

  // `tag` is "?" for a plain scalar without a tag, "!" for a quoted or block
  // scalar without one, else the resolved tag ("tag:yaml.org,2002:str").
  void scalar(const Mark& at, std::string_view tag, std::string_view anchor, std::string v) {
    Mark mark = known(at);
    Tally before = tally_;
    count(1, mark);
    tally_.bytes += v.size();
    yaml11::Scalar s = resolve_scalar(tag, v, mark);
    if (!anchor.empty()) anchors_[std::string(anchor)] = {Anchored::Scalar{s, v}, tally_ - before};
    if (expecting_key()) {
      // A key becomes the JSON key kubectl sends: a plain `yes` key is "true", `0x10` is "16".
      Frame& f = stack_.back();
      f.merge_key = tag == "?" && v == "<<";
      f.key = f.merge_key ? std::move(v) : scalar_key(s, std::move(v), mark);
      f.have_key = true;
      f.key_line = mark.line + 1;
      f.key_col = mark.column + 1;
      return;
    }
    value(scalar_value(s, std::move(v), mark), mark, {}, before, false, "");
  }
  void alias(const Mark& at, std::string_view anchor) {
    Mark mark = known(at);
    auto it = anchors_.find(std::string(anchor));
    if (it == anchors_.end()) {
      throw LoadFailure{mark.line + 1, mark.column + 1,
                        "unknown anchor " + quote_text(anchor) +
                            " (an alias must follow its anchor's node)"};
    }
    const Anchored& a = it->second;
    Tally before = tally_;
    count(a.size.nodes, mark);
    alias_bytes_ += a.size.bytes;
    if (alias_bytes_ > alias_budget_) {
      throw LoadFailure{mark.line + 1, mark.column + 1,
                        "alias " + quote_text("*" + std::string(anchor)) +
                            " makes the aliases add more than " + std::to_string(alias_budget_) +
                            " bytes of text (" + std::to_string(limits_.expansion_ratio) +
                            " times the input's size, at least " + std::to_string(limits_.expanded_bytes_floor) +
                            ", at most " + std::to_string(limits_.max_expanded_bytes) + "); refusing to load"};
    }
    tally_.bytes += a.size.bytes;
    if (const auto* s = std::get_if<Anchored::Scalar>(&a.node)) {
      // An aliased scalar resolves as its anchored node did, as a key or as a value.
      if (expecting_key()) {
        value(json(), mark, {}, before, true, scalar_key(s->resolved, s->text, mark));
      } else {
        value(scalar_value(s->resolved, s->text, mark), mark, {}, before, false, "");
      }
      return;
    }
    value(json(std::get<json>(a.node)), mark, {}, before, false, "");
  }
  void sequence_start(const Mark& at, std::string_view anchor) { open(json::array(), known(at), anchor); }
  void mapping_start(const Mark& at, std::string_view anchor) { open(json::object(), known(at), anchor); }
  void sequence_end() { close(); }
  void mapping_end() {
    Frame& f = stack_.back();
    // Merge keys ("<<: *base"): explicit keys win, earlier merges win over later ones.
    for (const json& src : f.merges) {
      for (auto it = src.begin(); it != src.end(); ++it) {
        if (!f.value.contains(it.key())) f.value[it.key()] = it.value();
      }
    }
    close();
  }

 private:
  // Nodes and text bytes (scalars and keys) built so far, aliases expanded.
  struct Tally {
    size_t nodes = 0, bytes = 0;
    Tally operator-(const Tally& o) const { return {nodes - o.nodes, bytes - o.bytes}; }
  };
  // An anchored node and its size, which each alias to it adds again. A
  // scalar is kept as written, since it reads differently as a key.
  struct Anchored {
    struct Scalar {
      yaml11::Scalar resolved;
      std::string text;
    };
    std::variant<json, Scalar> node;
    Tally size;
  };

  struct Frame {
    json value;
    std::string anchor;
    Tally before;
    int line = 0;
    bool items_seq = false;  // the root mapping's "items" sequence
    // mappings: the key waiting for its value
    std::string key;
    bool have_key = false;
    bool merge_key = false;
    int key_line = 0, key_col = 0;
    std::vector<json> merges;
  };

  // The parser gives no position for some nodes (an empty value): use the last one seen.
  Mark known(const Mark& m) {
    if (m.line >= 0) last_ = m;
    return last_;
  }

  bool expecting_key() const {
    return !stack_.empty() && stack_.back().value.is_object() && !stack_.back().have_key;
  }

  void count(size_t n, const Mark& mark) {
    tally_.nodes += n;
    if (tally_.nodes > limits_.max_nodes) {
      throw LoadFailure{mark.line + 1, mark.column + 1,
                        "too many nodes (more than " + std::to_string(limits_.max_nodes) +
                            " after alias expansion); refusing to load"};
    }
  }

  void open(json v, const Mark& mark, std::string_view anchor) {
    if (expecting_key()) throw LoadFailure{mark.line + 1, mark.column + 1, "complex mapping keys are not supported"};
    if (static_cast<int>(stack_.size()) >= limits_.max_depth) {
      throw LoadFailure{mark.line + 1, mark.column + 1,
                        "nesting too deep (more than " + std::to_string(limits_.max_depth) + " levels); refusing to load"};
    }
    Tally before = tally_;
    count(1, mark);
    Frame f;
    f.value = std::move(v);
    f.anchor = std::string(anchor);
    f.before = before;
    f.line = mark.line + 1;
    if (f.value.is_array() && stack_.size() == 1 && stack_[0].value.is_object() && stack_[0].key == "items")
      f.items_seq = true;
    stack_.push_back(std::move(f));
  }

  void close() {
    Frame f = std::move(stack_.back());
    stack_.pop_back();
    Mark mark;
    mark.line = f.line - 1;
    value(std::move(f.value), mark, f.anchor, f.before, false, "");
  }

  // Places a finished value into its parent (or as the document root).
  void value(json v, const Mark& mark, std::string_view anchor, const Tally& before, bool may_be_key,
             const std::string& key_repr) {
    if (!anchor.empty()) anchors_[std::string(anchor)] = {v, tally_ - before};
    if (stack_.empty()) {
      doc_.doc = std::move(v);
      doc_.line = mark.line + 1;
      return;
    }
    Frame& f = stack_.back();
    if (f.value.is_array()) {
      if (f.items_seq) doc_.item_lines.push_back(mark.line + 1);
      f.value.push_back(std::move(v));
      return;
    }
    if (!f.have_key) {
      if (!may_be_key) throw LoadFailure{mark.line + 1, mark.column + 1, "complex mapping keys are not supported"};
      f.key = key_repr;
      f.have_key = true;
      f.merge_key = false;
      f.key_line = mark.line + 1;
      f.key_col = mark.column + 1;
      return;
    }
    f.have_key = false;
    if (f.merge_key) {
      if (v.is_object()) {
        f.merges.push_back(std::move(v));
        return;
      }
      if (v.is_array()) {
        bool all_maps = true;
        for (const json& e : v) all_maps = all_maps && e.is_object();
        if (all_maps) {
          for (json& e : v) f.merges.push_back(std::move(e));
          return;
        }
      }
      throw LoadFailure{f.key_line, f.key_col, "merge key \"<<\" needs a mapping or a list of mappings"};
    }
    auto [it, inserted] = f.value.get_ref<json::object_t&>().try_emplace(std::move(f.key));
    if (!inserted) {
      throw LoadFailure{f.key_line, f.key_col,
                        "duplicate key " + quote_text(it->first)};
    }
    it->second = std::move(v);
  }

  const LoadLimits& limits_;
  const size_t alias_budget_;  // alias_byte_budget() of this input
  std::vector<RawDoc>* docs_;
  std::vector<Frame> stack_;
  std::unordered_map<std::string, Anchored> anchors_;
  RawDoc doc_;
  Tally tally_;
  size_t alias_bytes_ = 0;  // the text bytes aliases added
  Mark last_{0, 0};
};

// libfyaml's diagnostics that are not collected (see parse_yaml), captured
// instead of printed. The text reads "<source>:LINE:COLUMN: error: MESSAGE".
void capture_diag(struct fy_diag*, void* user, const char* buf, size_t len) {
  auto* out = static_cast<std::string*>(user);
  if (out->size() < 4096) out->append(buf, std::min<size_t>(len, 4096));
}

LoadError diag_error(std::string_view file, const std::string& text) {
  std::string_view first = text;
  first = first.substr(0, first.find('\n'));
  size_t tag = first.find(": error: ");
  if (tag == std::string_view::npos) {
    return make_error(file, 0, 0, first.empty() ? std::string("invalid YAML") : std::string(first));
  }
  std::string message(first.substr(tag + 9));
  // Walk back over ":LINE:COLUMN" before ": error: ".
  auto number_before = [&](size_t end, int* value) -> size_t {
    size_t start = end;
    while (start > 0 && std::isdigit(static_cast<unsigned char>(first[start - 1]))) --start;
    if (start == end || start == 0 || first[start - 1] != ':') return std::string_view::npos;
    std::from_chars(first.data() + start, first.data() + end, *value);
    return start - 1;
  };
  int line = 0, col = 0;
  size_t p = number_before(tag, &col);
  if (p == std::string_view::npos || number_before(p, &line) == std::string_view::npos) line = col = 0;
  return make_error(file, line, col, message);
}

std::string_view token_text(struct fy_token* t) {
  if (t == nullptr) return {};
  size_t len = 0;
  const char* s = fy_token_get_text(t, &len);
  return s == nullptr ? std::string_view() : std::string_view(s, len);
}

// The value of a single-quoted scalar from its source (the text between the
// quotes): lines folded (one line break is a space, each further one a
// newline, the white space around breaks dropped) and '' read as '.
std::string single_quoted_value(std::string_view raw) {
  std::vector<std::string_view> lines;
  for (size_t at = 0;;) {
    const size_t br = raw.find_first_of("\r\n", at);
    lines.push_back(raw.substr(at, br == std::string_view::npos ? std::string_view::npos : br - at));
    if (br == std::string_view::npos) break;
    at = br + (raw[br] == '\r' && br + 1 < raw.size() && raw[br + 1] == '\n' ? 2 : 1);
  }
  std::string out;
  size_t empty = 0;  // empty lines since the last line with text
  for (size_t i = 0; i < lines.size(); ++i) {
    std::string_view line = lines[i];
    if (i > 0) line.remove_prefix(std::min(line.find_first_not_of(" \t"), line.size()));
    if (i + 1 < lines.size()) line.remove_suffix(line.size() - (line.find_last_not_of(" \t") + 1));
    if (i > 0 && i + 1 < lines.size() && line.empty()) {
      ++empty;
      continue;
    }
    if (i > 0) out.append(empty == 0 ? std::string(" ") : std::string(empty, '\n'));
    empty = 0;
    for (size_t k = 0; k < line.size(); ++k) {
      out.push_back(line[k]);
      if (line[k] == '\'' && k + 1 < line.size() && line[k + 1] == '\'') ++k;
    }
  }
  return out;
}

// libfyaml 0.7.12 misreads a double-quoted scalar where an escaped backslash
// comes right before an escaped line break ("x\\\" at the end of a line:
// "x\\\<newline>  y" reads as "x\ ", not "x\y"). Such a scalar is refused
// at the backslashes rather than read wrong.
void refuse_misread_double_quoted(std::string_view raw, const struct fy_mark& begin) {
  int line = begin.line + 1, column = begin.column + 1;
  for (size_t i = 0; i < raw.size(); ++i) {
    if (raw[i] == '\n' || raw[i] == '\r') {
      size_t run = 0;
      while (run < i && raw[i - 1 - run] == '\\') ++run;
      if (run >= 3 && run % 2 == 1) {
        throw LoadFailure{line, column - static_cast<int>(run),
                          "an escaped backslash right before an escaped line break (\\\\\\ at the end of a line) "
                          "is misread by the YAML reader (libfyaml 0.7.12); end the line elsewhere or keep the "
                          "string on one line"};
      }
      if (raw[i] == '\r' && i + 1 < raw.size() && raw[i + 1] == '\n') ++i;
      ++line;
      column = 1;
    } else {
      ++column;
    }
  }
}

// A scalar's value. libfyaml 0.7.12 misreads a single-quoted scalar with two
// '' escapes in a row: 'sum(x{path=''''})' reads as "sum(x{path='''}" (and it
// leaks a buffer for it; found by the documents fuzz target). Those are read
// from the source here instead; double-quoted ones it misreads are refused.
std::string scalar_value(struct fy_token* value, std::string_view text) {
  const enum fy_scalar_style style = fy_token_scalar_style(value);
  if (style == FYSS_SINGLE_QUOTED || style == FYSS_DOUBLE_QUOTED) {
    const struct fy_mark* begin = fy_token_start_mark(value);
    const struct fy_mark* end = fy_token_end_mark(value);
    if (begin != nullptr && end != nullptr && begin->input_pos <= end->input_pos && end->input_pos <= text.size()) {
      const std::string_view raw = text.substr(begin->input_pos, end->input_pos - begin->input_pos);
      if (style == FYSS_DOUBLE_QUOTED) {
        refuse_misread_double_quoted(raw, *begin);
      } else if (raw.find("''''") != std::string_view::npos) {
        return single_quoted_value(raw);
      }
    }
  }
  return std::string(token_text(value));
}

Mark event_mark(struct fy_event* e) {
  const struct fy_mark* m = fy_event_start_mark(e);
  if (m == nullptr) return {};
  return {m->line, m->column};
}

// Parses YAML text into documents; on an error, the documents before it are kept.
void parse_yaml(std::string_view text, std::string_view file, const LoadLimits& limits, std::vector<RawDoc>* docs,
                std::vector<LoadError>* errors) {
  // YAML text is UTF-8 of printable characters only, as go-yaml (kubectl's
  // reader) requires: tab, LF, CR, U+0020-U+007E, U+0085, U+00A0-U+D7FF,
  // U+E000-U+FFFD and U+10000-U+10FFFF. A byte order mark opening the text
  // is skipped; one opening a later line (files concatenated with their BOMs)
  // is an error, since libfyaml would read it into the first key and the
  // document would silently not be an object.
  // Refusing the rest first also keeps libfyaml's scanner off the inputs it
  // loops on (a NUL or invalid UTF-8 inside a directive).
  for (size_t i = 0; i < text.size();) {
    const size_t at = i;
    const unsigned char c = static_cast<unsigned char>(text[i]);
    char32_t cp = c;
    size_t n = 1;
    if (c >= 0x80) {
      n = c >= 0xf0 && c <= 0xf4 ? 4 : c >= 0xe0 ? (c <= 0xef ? 3 : 0) : c >= 0xc2 ? 2 : 0;
      cp = n == 4 ? c & 0x07 : n == 3 ? c & 0x0f : c & 0x1f;
      for (size_t k = 1; k < n; ++k) {
        const unsigned char t = i + k < text.size() ? static_cast<unsigned char>(text[i + k]) : 0;
        if ((t & 0xc0) != 0x80) {
          n = 0;
          break;
        }
        cp = (cp << 6) | (t & 0x3f);
      }
      // Overlong forms, surrogates and values past U+10FFFF are not UTF-8.
      if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10ffff)) || (cp >= 0xd800 && cp <= 0xdfff)) {
        n = 0;
      }
    }
    char message[112] = "";
    if (cp == 0xfeff && at > 0 && text[at - 1] == '\n') {
      std::snprintf(message, sizeof message,
                    "a byte order mark (U+FEFF) is allowed only at the start of the file, not of a line");
    } else if (n == 0) {
      std::snprintf(message, sizeof message, "byte 0x%02x (not UTF-8) is not allowed in YAML", c);
    } else {
      const bool printable = cp == '\t' || cp == '\n' || cp == '\r' || (cp >= 0x20 && cp <= 0x7e) || cp == 0x85 ||
                             (cp >= 0xa0 && cp <= 0xd7ff) || (cp >= 0xe000 && cp <= 0xfffd) || cp >= 0x10000;
      if (!printable && cp < 0x80) {
        std::snprintf(message, sizeof message, "control character 0x%02x is not allowed in YAML",
                      static_cast<unsigned>(cp));
      } else if (!printable) {
        std::snprintf(message, sizeof message, "character U+%04X is not allowed in YAML", static_cast<unsigned>(cp));
      }
    }
    if (message[0] != '\0') {
      const auto [line, column] = position_of(text, at);
      errors->push_back(make_error(file, line, column, message));
      return;
    }
    i += n;
  }
  // A document nested too deep, and what follows it, is not parsed at all.
  const ScanIssue issue = prescan_yaml(text, limits.max_depth);
  if (issue.failed) text = text.substr(0, issue.doc_start);
  std::string diag_text;
  struct fy_diag_cfg dcfg {};
  dcfg.fp = nullptr;
  dcfg.output_fn = capture_diag;
  dcfg.user = &diag_text;
  dcfg.level = FYET_ERROR;
  dcfg.module_mask = ~0u;
  std::unique_ptr<struct fy_diag, void (*)(struct fy_diag*)> diag(fy_diag_create(&dcfg), fy_diag_destroy);
  // Errors about a token are collected, not printed: printing one shows an
  // excerpt of the input under it, and that code in libfyaml 0.7.12 can read
  // out of bounds (a fuzz input, test/fuzz/regressions/documents/, crashed it).
  if (diag) fy_diag_set_collect_errors(diag.get(), true);
  struct fy_parse_cfg cfg {};
  // Sloppy flow indentation: like kubectl (go-yaml) and yaml-cpp, accept a multi-line quoted scalar whose
  // continuation lines are indented less than its key (common in generated CRDs).
  cfg.flags = static_cast<enum fy_parse_cfg_flags>(FYPCF_QUIET | FYPCF_JSON_NONE | FYPCF_DISABLE_DEPTH_LIMIT |
                                                   FYPCF_SLOPPY_FLOW_INDENTATION);
  cfg.diag = diag.get();
  std::unique_ptr<struct fy_parser, void (*)(struct fy_parser*)> parser(diag ? fy_parser_create(&cfg) : nullptr,
                                                                       fy_parser_destroy);
  if (!parser || fy_parser_set_string(parser.get(), text.data(), text.size()) != 0) {
    errors->push_back(make_error(file, 0, 0, "internal error: cannot start the YAML parser"));
    return;
  }
  struct fy_parser* p = parser.get();
  Builder builder(limits, text.size(), docs);
  try {
    while (struct fy_event* e = fy_parser_parse(p)) {
      struct Release {
        struct fy_parser* parser;
        struct fy_event* event;
        ~Release() { fy_parser_event_free(parser, event); }
      } release{p, e};
      switch (e->type) {
        case FYET_DOCUMENT_START: builder.document_start(); break;
        case FYET_DOCUMENT_END: builder.document_end(); break;
        case FYET_MAPPING_START: builder.mapping_start(event_mark(e), token_text(e->mapping_start.anchor)); break;
        case FYET_MAPPING_END: builder.mapping_end(); break;
        case FYET_SEQUENCE_START: builder.sequence_start(event_mark(e), token_text(e->sequence_start.anchor)); break;
        case FYET_SEQUENCE_END: builder.sequence_end(); break;
        case FYET_ALIAS: builder.alias(event_mark(e), token_text(e->alias.anchor)); break;
        case FYET_SCALAR: {
          std::string_view tag = token_text(e->scalar.tag);
          if (e->scalar.tag == nullptr) tag = fy_token_scalar_style(e->scalar.value) == FYSS_PLAIN ? "?" : "!";
          builder.scalar(event_mark(e), tag, token_text(e->scalar.anchor), scalar_value(e->scalar.value, text));
          break;
        }
        default: break;
      }
    }
  } catch (const LoadFailure& f) {
    errors->push_back(make_error(file, f.line, f.column, f.message));
    return;
  }
  if (fy_parser_get_stream_error(p)) {
    void* iter = nullptr;
    if (const struct fy_diag_error* first = fy_diag_errors_iterate(diag.get(), &iter)) {
      errors->push_back(make_error(file, first->line, first->column, first->msg != nullptr ? first->msg : "invalid YAML"));
    } else {
      errors->push_back(diag_error(file, diag_text));  // an error not about a token: printed
    }
    return;
  }
  if (issue.failed) errors->push_back(make_error(file, issue.line, issue.column, issue.message));
}

// ---------------------------------------------------------------------------
// JSON.

struct JsonScan {
  bool failed = false;
  size_t offset = 0;
  std::string message;
  std::vector<int> top_lines;    // line of each element of a root array
  std::vector<int> items_lines;  // line of each element of the root object's "items"
};

// Tokenizes JSON without building it: bounds depth and node count, finds
// duplicate keys, and records where elements start. Syntax errors are left
// to nlohmann, which reports them.
JsonScan prescan_json(std::string_view text, const LoadLimits& limits) {
  struct Frame {
    bool object = false;
    bool expect_key = false;
    bool items = false;
    std::string last_key;
    std::unordered_set<std::string> keys;
  };
  JsonScan scan;
  std::vector<Frame> stack;
  size_t nodes = 0;
  int line = 1;
  auto fail = [&](size_t offset, std::string msg) {
    scan.failed = true;
    scan.offset = offset;
    scan.message = std::move(msg);
  };
  auto value_start = [&](size_t offset) {
    if (++nodes > limits.max_nodes) {
      fail(offset, "too many nodes (more than " + std::to_string(limits.max_nodes) + "); refusing to load");
      return;
    }
    if (stack.empty() || stack.back().object) return;
    if (stack.size() == 1) scan.top_lines.push_back(line);
    else if (stack.back().items) scan.items_lines.push_back(line);
  };
  for (size_t i = 0; i < text.size() && !scan.failed; ++i) {
    char c = text[i];
    switch (c) {
      case '\n': ++line; break;
      case ' ': case '\t': case '\r': case ':': break;
      case ',':
        if (!stack.empty() && stack.back().object) stack.back().expect_key = true;
        break;
      case '{': case '[': {
        value_start(i);
        if (scan.failed) break;
        Frame f;
        f.object = c == '{';
        f.expect_key = f.object;
        f.items = !f.object && stack.size() == 1 && stack[0].object && stack[0].last_key == "items";
        stack.push_back(std::move(f));
        if (static_cast<int>(stack.size()) > limits.max_depth) {
          fail(i, "nesting too deep (more than " + std::to_string(limits.max_depth) + " levels); refusing to parse");
        }
        break;
      }
      case '}': case ']':
        if (!stack.empty()) stack.pop_back();
        break;
      case '"': {
        size_t start = i;
        std::string s;
        for (++i; i < text.size() && text[i] != '"'; ++i) {
          if (text[i] == '\\' && i + 1 < text.size()) s.push_back(text[i++]);
          if (text[i] == '\n') ++line;
          s.push_back(text[i]);
        }
        if (!stack.empty() && stack.back().object && stack.back().expect_key) {
          Frame& f = stack.back();
          f.expect_key = false;
          if (!f.keys.insert(s).second) {
            fail(start, "duplicate key \"" + s + "\"");
            break;
          }
          f.last_key = std::move(s);
        } else {
          value_start(start);
        }
        break;
      }
      default: {
        value_start(i);
        while (i + 1 < text.size() && (std::isalnum(static_cast<unsigned char>(text[i + 1])) || text[i + 1] == '.' ||
                                       text[i + 1] == '-' || text[i + 1] == '+'))
          ++i;
        break;
      }
    }
  }
  return scan;
}

// nlohmann's message without its "[json.exception...] parse error at line L, column C: " prefix.
std::string json_message(const std::string& what) {
  size_t p = what.find("]");
  std::string m = p == std::string::npos ? what : what.substr(p + 1);
  size_t colon = m.find(": ");
  if (m.find(" parse error") == 0 && colon != std::string::npos) m = m.substr(colon + 2);
  while (!m.empty() && m[0] == ' ') m.erase(0, 1);
  return m;
}

// Parses JSON text; returns false with *error set on a syntax error.
bool parse_json(std::string_view text, std::string_view file, const LoadLimits& limits, std::vector<RawDoc>* docs,
                LoadError* error) {
  JsonScan scan = prescan_json(text, limits);
  if (scan.failed) {
    auto [l, c] = position_of(text, scan.offset);
    *error = make_error(file, l, c, scan.message);
    return false;
  }
  json doc;
  try {
    doc = json::parse(text.begin(), text.end());
  } catch (const json::parse_error& e) {
    size_t offset = e.byte > 0 ? e.byte - 1 : 0;
    auto [l, c] = position_of(text, offset);
    *error = make_error(file, l, c, json_message(e.what()));
    return false;
  }
  int first_line = position_of(text, text.find_first_not_of(" \t\r\n")).first;
  if (doc.is_array()) {
    for (size_t i = 0; i < doc.size(); ++i) {
      RawDoc raw;
      raw.line = i < scan.top_lines.size() ? scan.top_lines[i] : first_line;
      raw.doc = std::move(doc[i]);
      if (raw.doc.is_null()) raw.doc = json::array();  // a null element is not an empty document: skip it
      docs->push_back(std::move(raw));
    }
    return true;
  }
  RawDoc raw;
  raw.line = first_line;
  raw.doc = std::move(doc);
  raw.item_lines = std::move(scan.items_lines);
  docs->push_back(std::move(raw));
  return true;
}

bool looks_like_json(std::string_view text) {
  size_t p = text.find_first_not_of(" \t\r\n");
  return p != std::string_view::npos && (text[p] == '{' || text[p] == '[');
}

// Text -> raw documents, YAML or JSON.
void parse_text(std::string_view text, std::string_view file, const LoadLimits& limits, std::vector<RawDoc>* docs,
                std::vector<LoadError>* errors) {
  if (text.size() > limits.max_bytes) {
    errors->push_back(make_error(file, 0, 0,
                                 "input too large (" + std::to_string(text.size()) + " bytes, limit " +
                                     std::to_string(limits.max_bytes) + ")"));
    return;
  }
  // Skip a UTF-8 byte order mark.
  if (text.size() >= 3 && text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);
  bool json_name = ends_with(file, ".json");
  if (json_name || looks_like_json(text)) {
    LoadError err;
    std::vector<RawDoc> json_docs;
    if (parse_json(text, file, limits, &json_docs, &err)) {
      for (auto& d : json_docs) docs->push_back(std::move(d));
      return;
    }
    if (!json_name) {
      // Maybe YAML flow style ({a: b}); keep the JSON error if YAML fails too.
      std::vector<RawDoc> yaml_docs;
      std::vector<LoadError> yaml_errors;
      parse_yaml(text, file, limits, &yaml_docs, &yaml_errors);
      if (yaml_errors.empty()) {
        for (auto& d : yaml_docs) docs->push_back(std::move(d));
        return;
      }
    }
    errors->push_back(std::move(err));
    return;
  }
  parse_yaml(text, file, limits, docs, errors);
}

}  // namespace

LoadResult load_documents(std::string_view text, std::string_view file, const LoadLimits& limits) {
  LoadResult out;
  try {
    std::vector<RawDoc> docs;
    parse_text(text, file, limits, &docs, &out.errors);
    for (RawDoc& d : docs) add_document(std::move(d), file, &out);
  } catch (const std::exception& e) {
    out.errors.push_back(make_error(file, 0, 0, std::string("internal error while reading: ") + e.what()));
  } catch (...) {
    out.errors.push_back(make_error(file, 0, 0, "internal error while reading"));
  }
  return out;
}

bool parse_single_document(std::string_view text, std::string_view file, json* out, std::string* error,
                           const LoadLimits& limits) {
  try {
    std::vector<RawDoc> docs;
    std::vector<LoadError> errors;
    parse_text(text, file, limits, &docs, &errors);
    if (!errors.empty()) {
      *error = errors.front().str();
      return false;
    }
    std::vector<RawDoc*> non_empty;
    for (RawDoc& d : docs) {
      if (!d.doc.is_null()) non_empty.push_back(&d);
    }
    if (non_empty.size() > 1) {
      *error = make_error(file, non_empty[1]->line, 0,
                          "expected one document, found " + std::to_string(non_empty.size()))
                   .str();
      return false;
    }
    *out = non_empty.empty() ? json(nullptr) : std::move(non_empty[0]->doc);
    return true;
  } catch (const std::exception& e) {
    *error = std::string(file) + ": internal error while reading: " + e.what();
  } catch (...) {
    *error = std::string(file) + ": internal error while reading";
  }
  return false;
}

}  // namespace rg
