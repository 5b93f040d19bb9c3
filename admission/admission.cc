#include "admission/admission.h"

#include <algorithm>

#include "certs/base64.h"
#include "policy/catalog.h"
#include "policy/mutation.h"
#include "admission/review_reader.h"

namespace rg::admission {

namespace {

constexpr size_t kMaxDepth = 256;

void append_json(std::string* out, const json& j);  // below, with the response writing

// A DOM builder for nlohmann's SAX interface that leaves out what no rule
// reads, the same members as the fast reader (review_place(),
// admission/review_reader.h): request.oldObject, userInfo and the like,
// request.object.status, metadata.managedFields and the last-applied
// annotation. Those are about half of a kubectl review's bytes; skipping them
// avoids building and freeing their nodes.
class FilteringSax {
 public:
  explicit FilteringSax(json* root) : root_(root) {}

  bool null() { return put(nullptr); }
  bool boolean(bool v) { return put(v); }
  bool number_integer(json::number_integer_t v) { return put(v); }
  bool number_unsigned(json::number_unsigned_t v) { return put(v); }
  bool number_float(json::number_float_t v, const json::string_t&) { return put(v); }
  bool string(json::string_t& v) { return put(std::move(v)); }
  bool binary(json::binary_t& v) { return put(std::move(v)); }

  bool start_object(std::size_t) { return open(json::value_t::object); }
  bool start_array(std::size_t) { return open(json::value_t::array); }
  bool end_object() { return close(); }
  bool end_array() { return close(); }

  bool key(json::string_t& k) {
    if (skip_depth_ > 0) return true;
    next_ = review_place(stack_.back().place, k);
    if (next_ == ReviewPlace::Skip) {
      skip_next_ = true;
      return true;
    }
    element_ = &(*stack_.back().value)[std::move(k)];
    return true;
  }

  bool parse_error(std::size_t, const std::string&, const json::exception& ex) {
    error_ = ex.what();
    return false;
  }

  const std::string& error() const { return error_; }

 private:
  struct Open {
    json* value;
    ReviewPlace place;
  };

  template <class V>
  bool put(V&& v) {
    if (skip_depth_ > 0) return true;
    if (skip_next_) {
      skip_next_ = false;
      return true;
    }
    place(json(std::forward<V>(v)));
    return true;
  }

  json* place(json&& v) {
    if (stack_.empty()) {
      *root_ = std::move(v);
      return root_;
    }
    if (stack_.back().value->is_array()) {
      stack_.back().value->push_back(std::move(v));
      return &stack_.back().value->back();
    }
    *element_ = std::move(v);
    return element_;
  }

  bool open(json::value_t type) {
    if (skip_depth_ > 0) {
      ++skip_depth_;
      return true;
    }
    if (skip_next_) {
      skip_next_ = false;
      skip_depth_ = 1;
      return true;
    }
    if (stack_.size() >= kMaxDepth) {
      error_ = "nesting deeper than " + std::to_string(kMaxDepth) + " levels";
      return false;
    }
    // The root, a member (its place from key()), or an array's element.
    const ReviewPlace at = stack_.empty()                   ? ReviewPlace::Root
                           : stack_.back().value->is_array() ? ReviewPlace::Other
                                                             : next_;
    stack_.push_back({place(json(type)), at});
    return true;
  }

  bool close() {
    if (skip_depth_ > 0) {
      --skip_depth_;
      return true;
    }
    stack_.pop_back();
    return true;
  }

  json* root_;
  std::vector<Open> stack_;
  json* element_ = nullptr;
  ReviewPlace next_ = ReviewPlace::Root;  // of the member whose key came last
  int skip_depth_ = 0;
  bool skip_next_ = false;
  std::string error_;
};

std::string one_line(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c == '\n' || c == '\r' || c == '\t') c = ' ';
  }
  return out;
}

// Cuts at max bytes without splitting a UTF-8 sequence, marking the cut.
std::string bounded(std::string s, size_t max) {
  if (s.size() <= max) return s;
  size_t cut = max > 3 ? max - 3 : 0;
  while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) --cut;
  s.resize(cut);
  return s + "...";
}

const std::string* string_field(const json& obj, std::string_view key) {
  const json* v = child(obj, key);
  return v != nullptr && v->is_string() ? &v->get_ref<const std::string&>() : nullptr;
}

Decision skip(std::string why) {
  Decision d;
  d.skipped = std::move(why);
  return d;
}

// Why /validate and /mutate leave this review alone; "" when they look at it.
std::string skip_reason(const Review& r) {
  if (r.operation == "DELETE" || r.operation == "CONNECT") return "operation " + r.operation + " is not checked";
  if (!r.sub_resource.empty()) return "subresource " + r.sub_resource + " is not checked";
  if (!kind_is_read(r.object.kind())) return "kind " + std::string(r.object.kind()) + " is not checked";
  return "";
}

// nlohmann's parser with the filter above: the reference for what a body
// means, and the source of its error messages.
bool parse_with_nlohmann(std::string_view body, json* doc, std::string* error) {
  FilteringSax sax(doc);
  bool ok = false;
  try {
    ok = json::sax_parse(body.begin(), body.end(), &sax, json::input_format_t::json, true);
  } catch (const std::exception& e) {  // defensive: sax_parse reports through parse_error
    *error = std::string("body is not JSON: ") + e.what();
    return false;
  }
  if (!ok) {
    *error = "body is not JSON: " + sax.error();
    return false;
  }
  return true;
}

}  // namespace

bool parse_review(std::string_view body, Review* out, std::string* error) {
  return parse_review(body, out, error, nullptr);
}

bool parse_review(std::string_view body, Review* out, std::string* error, ReviewScratch* scratch) {
  // The fast reader builds the same document as the filtered nlohmann parse
  // (2.4 times faster for the Bookstore review: nlohmann's lexer keeps a copy of every token
  // for its error messages); it gives up on anything unusual, and then
  // nlohmann decides and names the problem. With a scratch, it builds over
  // the last review's document; a body over kMaxKeptBody is parsed anew and
  // the scratch let go, so that it never holds more than a small review.
  if (scratch != nullptr && body.size() > ReviewScratch::kMaxKeptBody) {
    dispose(&scratch->root_);
    scratch = nullptr;
  }
  json local;
  json& doc = scratch != nullptr ? scratch->root_ : local;
  if (!read_review_into(body, &doc)) {
    dispose(&doc);
    if (!parse_with_nlohmann(body, &doc, error)) return false;
  }
  if (!doc.is_object()) {
    *error = std::string("body must be a JSON object (an AdmissionReview), got ") + doc.type_name();
    return false;
  }
  const std::string* api = string_field(doc, "apiVersion");
  if (api == nullptr || (*api != kV1 && *api != kV1beta1)) {
    *error = "apiVersion must be admission.k8s.io/v1 or admission.k8s.io/v1beta1, got " +
             (api == nullptr ? std::string("none") : "\"" + bounded(*api, 80) + "\"");
    return false;
  }
  const std::string* kind = string_field(doc, "kind");
  if (kind == nullptr || *kind != "AdmissionReview") {
    *error = "kind must be AdmissionReview, got " +
             (kind == nullptr ? std::string("none") : "\"" + bounded(*kind, 80) + "\"");
    return false;
  }
  auto req_it = doc.find("request");
  if (req_it == doc.end() || !req_it->is_object()) {
    *error = req_it == doc.end() ? "request is missing" : "request must be an object";
    return false;
  }
  json& req = *req_it;
  const std::string* uid = string_field(req, "uid");
  if (uid == nullptr || uid->empty()) {
    *error = "request.uid is missing or empty";
    return false;
  }
  const std::string* op = string_field(req, "operation");
  if (op == nullptr || (*op != "CREATE" && *op != "UPDATE" && *op != "DELETE" && *op != "CONNECT")) {
    *error = "request.operation must be CREATE, UPDATE, DELETE or CONNECT";
    return false;
  }
  Review r;
  r.api_version = *api;
  r.uid = *uid;
  r.operation = *op;
  if (const std::string* s = string_field(req, "subResource")) r.sub_resource = *s;
  r.kind = std::string(str_or(child(req, {"kind", "kind"})));
  if (const std::string* s = string_field(req, "namespace")) r.ns = *s;
  if (const std::string* s = string_field(req, "name")) r.name = *s;
  if (const json* dr = child(req, "dryRun"); dr != nullptr && !dr->is_null()) {
    if (!dr->is_boolean()) {
      *error = "request.dryRun must be true or false";
      return false;
    }
    r.dry_run = dr->get<bool>();
  }
  auto obj_it = req.find("object");
  bool has_object = obj_it != req.end() && !obj_it->is_null();
  if (has_object && !obj_it->is_object()) {
    *error = std::string("request.object must be an object, got ") + obj_it->type_name();
    return false;
  }
  if (!has_object && (r.operation == "CREATE" || r.operation == "UPDATE")) {
    *error = "request.object is missing for " + r.operation;
    return false;
  }
  if (has_object) r.object.doc = std::move(*obj_it);
  *out = std::move(r);
  if (scratch == nullptr) dispose(&doc);
  return true;
}

void recycle(Review* review, ReviewScratch* scratch) {
  json& root = scratch->root_;  // null when the review was parsed anew (a large body)
  if (root.is_object() && review->object.doc.is_object()) {
    auto request = root.find("request");
    if (request != root.end() && request->is_object()) {
      (*request)["object"] = std::move(review->object.doc);  // the slot parse_review moved it out of
    }
  }
  dispose(&review->object.doc);  // null after a move
}

std::string_view Decision::label() const {
  if (!skipped.empty()) return "skip";
  if (!allowed) return "deny";
  if (!patch.empty()) return "patch";
  if (!warnings.empty()) return "warn";
  return "allow";
}

std::string finding_line(const Finding& f) {
  std::string line = f.rule + ": " + f.message;
  while (!line.empty() && line.back() == '.') line.pop_back();
  if (!f.path.empty() && f.message.find(f.path) == std::string::npos) line += " (" + f.path + ")";
  if (!f.hint.empty()) line += ". Fix: " + f.hint;
  return one_line(line);
}

std::string denial_message(const std::vector<Finding>& findings, const MessageLimits& limits) {
  std::string out;
  size_t total = 0, shown = 0;
  for (const Finding& f : findings) {
    if (f.action != Action::Deny) continue;
    ++total;
    std::string line = bounded(finding_line(f), limits.max_line_bytes);
    // Leave room for the "... and N more" line.
    if (shown < limits.max_lines && out.size() + line.size() + 1 + 40 <= limits.max_bytes) {
      if (!out.empty()) out += '\n';
      out += line;
      ++shown;
    } else if (shown == 0) {  // always show the most important one
      out = bounded(line, limits.max_bytes > 40 ? limits.max_bytes - 40 : limits.max_bytes);
      ++shown;
    }
  }
  if (total > shown) {
    size_t more = total - shown;
    out += "\n... and " + std::to_string(more) + " more " + (more == 1 ? "finding" : "findings") +
           " (run `rollout-guard check` on the manifest to see all)";
  }
  return out;
}

std::vector<std::string> warnings_for(const std::vector<Finding>& findings) {
  constexpr size_t kMaxWarning = 256, kMaxTotal = 4096;
  std::vector<std::string> out;
  size_t bytes = 0, left = 0;
  for (const Finding& f : findings) {
    if (f.action != Action::Warn) continue;
    std::string w = bounded(one_line(f.rule + ": " + f.message), kMaxWarning);
    if (left == 0 && bytes + w.size() <= kMaxTotal - 64) {
      bytes += w.size();
      out.push_back(std::move(w));
    } else {
      ++left;
    }
  }
  if (left > 0) out.push_back("... and " + std::to_string(left) + " more warnings");
  return out;
}

Decision validate(const Review& review, const Context& ctx) {
  if (std::string why = skip_reason(review); !why.empty()) return skip(std::move(why));
  Decision d;
  d.findings = evaluate(review.object, ctx);
  d.message = denial_message(d.findings);
  d.allowed = d.message.empty();
  d.warnings = warnings_for(d.findings);
  return d;
}

Decision mutate(const Review& review, const Context& ctx) {
  if (std::string why = skip_reason(review); !why.empty()) return skip(std::move(why));
  // rg::mutate() is what `rollout-guard fix` runs too: same defaults, same
  // patch, same "set <path>=<value>" notes. It never throws; a failure comes
  // back as m.error with no patch.
  MutationResult m = rg::mutate(review.object, ctx);
  Decision d;
  try {
    if (m.error.empty() && m.changed()) append_json(&d.patch, m.patch);  // = m.patch.dump()
    if (m.error.empty()) {
      // The apiserver's limits: 256 bytes a warning, 4 KiB in all.
      constexpr size_t kMaxWarnings = 15;
      const size_t n = m.warnings.size();
      for (size_t i = 0; i < n && i < kMaxWarnings; ++i) {
        if (i + 1 == kMaxWarnings && n > kMaxWarnings) {
          d.warnings.push_back("... and " + std::to_string(n - i) + " more defaults (`rollout-guard fix` shows all)");
          break;
        }
        d.warnings.push_back(bounded(one_line(m.warnings[i]), 256));
      }
    }
  } catch (const std::exception& e) {
    m.error = std::string("mutation failed: ") + e.what();
  }
  if (!m.error.empty()) {
    // Mutation never denies: validation stays the final word.
    d.patch.clear();
    d.warnings.clear();
    d.skipped = std::move(m.error);
    d.mutation_failed = true;
  }
  return d;
}

namespace {

// Appends s as a JSON string exactly as nlohmann's dump(-1, ' ', false,
// handler) writes it: ASCII is copied or escaped here (as nlohmann does:
// the short escapes, \u00XX in lower case for other control characters);
// a string with non-ASCII bytes, which need UTF-8 checking, goes through
// nlohmann itself (and with error_handler_t::strict, throws as it would).
void append_json_string(std::string* out, std::string_view s,
                        json::error_handler_t handler = json::error_handler_t::replace) {
  for (char ch : s) {
    if (static_cast<unsigned char>(ch) >= 0x80) {
      *out += json(std::string(s)).dump(-1, ' ', false, handler);
      return;
    }
  }
  out->push_back('"');
  size_t run = 0;  // start of the bytes not yet copied
  for (size_t i = 0; i < s.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    out->append(s.data() + run, i - run);
    run = i + 1;
    out->push_back('\\');
    switch (c) {
      case '"': out->push_back('"'); break;
      case '\\': out->push_back('\\'); break;
      case '\b': out->push_back('b'); break;
      case '\t': out->push_back('t'); break;
      case '\n': out->push_back('n'); break;
      case '\f': out->push_back('f'); break;
      case '\r': out->push_back('r'); break;
      default: {
        static constexpr char kHex[] = "0123456789abcdef";
        out->append("u00");
        out->push_back(kHex[c >> 4]);
        out->push_back(kHex[c & 15]);
      }
    }
  }
  out->append(s.data() + run, s.size() - run);
  out->push_back('"');
}

// Appends j as nlohmann's dump() (compact, ensure_ascii false, strict UTF-8)
// writes it: containers, strings and integers here, anything else (floats,
// binary) through nlohmann.
void append_json(std::string* out, const json& j) {
  switch (j.type()) {
    case json::value_t::object: {
      out->push_back('{');
      bool first = true;
      for (const auto& [key, value] : j.get_ref<const json::object_t&>()) {
        if (!first) out->push_back(',');
        first = false;
        append_json_string(out, key, json::error_handler_t::strict);
        out->push_back(':');
        append_json(out, value);
      }
      out->push_back('}');
      return;
    }
    case json::value_t::array: {
      out->push_back('[');
      bool first = true;
      for (const json& value : j.get_ref<const json::array_t&>()) {
        if (!first) out->push_back(',');
        first = false;
        append_json(out, value);
      }
      out->push_back(']');
      return;
    }
    case json::value_t::string:
      append_json_string(out, j.get_ref<const std::string&>(), json::error_handler_t::strict);
      return;
    case json::value_t::null: out->append("null"); return;
    case json::value_t::boolean: out->append(j.get<bool>() ? "true" : "false"); return;
    case json::value_t::number_integer: out->append(std::to_string(j.get<json::number_integer_t>())); return;
    case json::value_t::number_unsigned: out->append(std::to_string(j.get<json::number_unsigned_t>())); return;
    default: *out += j.dump(); return;
  }
}

}  // namespace

// Written out directly, with the keys in the order nlohmann's std::map gives
// them, rather than built as a json and dumped: the dump escaped the base64
// patch byte by byte, a quarter of a /mutate decision. admission_test checks
// it against the json it replaces, byte for byte.
std::string response_json(const Review& review, const Decision& d) {
  const std::string patch = d.patch.empty() ? std::string() : base64_encode(d.patch);
  size_t size = 128 + review.api_version.size() + review.uid.size() + d.message.size() + patch.size();
  for (const std::string& w : d.warnings) size += w.size() + 3;
  std::string out;
  out.reserve(size);
  out += "{\"apiVersion\":";
  append_json_string(&out, review.api_version);
  out += ",\"kind\":\"AdmissionReview\",\"response\":{\"allowed\":";
  out += d.allowed ? "true" : "false";
  if (!d.patch.empty()) {
    out += ",\"patch\":\"";
    out += patch;  // base64: nothing to escape
    out += "\",\"patchType\":\"JSONPatch\"";
  }
  if (!d.allowed) {
    out += ",\"status\":{\"code\":403,\"message\":";
    append_json_string(&out, d.message);
    out += ",\"reason\":\"Forbidden\",\"status\":\"Failure\"}";
  }
  out += ",\"uid\":";
  append_json_string(&out, review.uid);
  if (!d.warnings.empty()) {
    out += ",\"warnings\":[";
    for (size_t i = 0; i < d.warnings.size(); ++i) {
      if (i > 0) out += ',';
      append_json_string(&out, d.warnings[i]);
    }
    out += ']';
  }
  out += "}}";
  return out;
}

std::string dump_json(const json& j) {
  std::string out;
  append_json(&out, j);
  return out;
}

}  // namespace rg::admission
