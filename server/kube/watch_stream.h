// Decoding a Kubernetes watch stream: the body of a WATCH response, one JSON
// watch event per line ({"type":"ADDED","object":{...}}\n), as the API server
// writes it. Pure: no network, no clock, no logging; the client reads the
// bytes and feeds them in, the fuzz target and the tests feed them directly.
//
// The stream is untrusted input, so every line is checked before it becomes a
// WatchEvent: at most max_event_bytes long, JSON nested at most max_depth
// levels, an object with a "type" among the five the API server sends, an
// "object" that is a JSON object and, for ERROR, a metav1.Status. The first
// line that fails any check ends the stream with an error that names the
// event, its byte offset, the reason and the start of the line.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace rg::kube {

using json = nlohmann::json;

struct WatchEvent {
  std::string type;  // ADDED, MODIFIED, DELETED, BOOKMARK or ERROR
  json object;       // a JSON object; for ERROR a metav1.Status
};

// Nesting allowed in one event line (the event itself is one level). The
// same bound as the webhook's full AdmissionReview parse (admission.cc):
// objects are the same, and recursive work on them (copies, comparison,
// dump, CBOR) stays far from the stack's end.
inline constexpr int kMaxWatchEventDepth = 256;

struct WatchStreamError {
  enum class Kind {
    kNone,
    kTooLarge,    // a line longer than max_event_bytes
    kNotJson,     // not JSON (or JSON followed by more than whitespace)
    kTooDeep,     // nested deeper than max_depth
    kNotObject,   // JSON, but not an object
    kBadType,     // "type" missing, not a string, or not one of the five
    kBadObject,   // "object" missing or not an object; an ERROR's object not a Status
  };
  Kind kind = Kind::kNone;
  uint64_t event = 0;   // 1-based count of non-blank lines, this one included
  uint64_t offset = 0;  // of the line's first byte in the stream
  // "an event is larger than the 16 MiB bound (event 3, at byte 1204)" or
  // "not a watch event: <the line's start> (event 3, at byte 1204: <why>)".
  std::string message;
};

// Feeds bytes in any split (one call with the whole stream, or one per byte:
// the same events and the same error) and hands out complete events in order.
// A line is complete at its '\n'; a '\r' before it and lines of only spaces,
// tabs and '\r' are ignored. Not thread-safe; never throws (but bad_alloc).
class WatchStreamDecoder {
 public:
  explicit WatchStreamDecoder(size_t max_event_bytes, int max_depth = kMaxWatchEventDepth);

  // Appends the next bytes of the stream. Ignored once failed().
  void feed(std::string_view bytes);
  // The next complete event: true and *event set; false when no complete line
  // is left (feed more) or on an error (failed() tells). After an error it
  // keeps returning false.
  bool next(WatchEvent* event);

  bool failed() const { return error_.kind != WatchStreamError::Kind::kNone; }
  const WatchStreamError& error() const { return error_; }
  // Bytes after the last '\n' decoded so far: at the end of the stream, a
  // final line cut before its '\n' (the connection dropped inside an event).
  // next() never decodes it; the client drops it, see Client::watch.
  size_t pending_bytes() const { return buffer_.size() - pos_; }
  uint64_t events() const { return events_; }  // non-blank lines decoded (the failing one included)

 private:
  bool fail(WatchStreamError::Kind kind, uint64_t offset, std::string_view line, const std::string& why);
  bool decode(std::string_view line, uint64_t offset, WatchEvent* event);

  size_t max_event_bytes_;
  int max_depth_;
  std::string buffer_;    // undecoded bytes from buffer_[pos_] on
  size_t pos_ = 0;        // start of the first undecoded line
  size_t scan_ = 0;       // no '\n' in buffer_[pos_, scan_)
  uint64_t consumed_ = 0; // stream offset of buffer_[0]
  uint64_t events_ = 0;
  WatchStreamError error_;
};

// "16 MiB", "64 KiB", "1000 bytes": a bound, for messages.
std::string bytes_text(size_t n);

}  // namespace rg::kube
