// Fuzz target for the watch stream decoder (server/kube/watch_stream.h), the
// body of a WATCH response. The first byte of the input picks a cut, the rest
// is the stream: the decoder is fed the stream whole, in two pieces cut at
// (first byte) * (size + 1) / 256, and one byte at a time, with a 4 KiB bound
// on an event so that the fuzzer reaches it.
// Checks, beyond no crash, no sanitizer report and no exception:
// - the three feeds give the same events, the same error (kind, event,
//   offset, message) and the same pending bytes;
// - every event has one of the five types and an object; an ERROR's object
//   has an int code, if any;
// - every non-blank line before an error was an event, the error names its
//   event and offset; without an error the pending bytes are those after the
//   last newline.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "server/kube/watch_stream.h"

namespace {

using rg::kube::WatchEvent;
using rg::kube::WatchStreamDecoder;
using rg::kube::WatchStreamError;

constexpr size_t kBound = 4 * 1024;

[[noreturn]] void fail(const char* what, const std::string& detail) {
  std::fprintf(stderr, "watch_stream_fuzz: %s: %s\n", what, detail.c_str());
  std::abort();
}

struct Outcome {
  std::vector<WatchEvent> events;
  WatchStreamError error;
  size_t pending = 0;
  uint64_t counted = 0;
};

Outcome decode(const std::vector<std::string_view>& pieces) {
  WatchStreamDecoder d(kBound);
  Outcome out;
  WatchEvent ev;
  for (std::string_view p : pieces) {
    d.feed(p);
    while (d.next(&ev)) out.events.push_back(std::move(ev));
  }
  out.error = d.error();
  out.pending = d.pending_bytes();
  out.counted = d.events();
  return out;
}

void same(const Outcome& a, const Outcome& b, const char* how) {
  const std::string h(how);
  if (a.events.size() != b.events.size()) {
    fail(("event count differs " + h).c_str(),
         std::to_string(a.events.size()) + " vs " + std::to_string(b.events.size()));
  }
  for (size_t i = 0; i < a.events.size(); ++i) {
    if (a.events[i].type != b.events[i].type || a.events[i].object != b.events[i].object) {
      fail(("event differs " + h).c_str(), std::to_string(i));
    }
  }
  if (a.error.kind != b.error.kind || a.error.event != b.error.event || a.error.offset != b.error.offset ||
      a.error.message != b.error.message) {
    fail(("error differs " + h).c_str(), a.error.message + " | " + b.error.message);
  }
  if (a.pending != b.pending || a.counted != b.counted) {
    fail(("pending bytes or events() differ " + h).c_str(),
         std::to_string(a.pending) + "/" + std::to_string(a.counted) + " vs " + std::to_string(b.pending) + "/" +
             std::to_string(b.counted));
  }
}

void check(const Outcome& o, std::string_view stream) {
  for (const WatchEvent& e : o.events) {
    if (e.type != "ADDED" && e.type != "MODIFIED" && e.type != "DELETED" && e.type != "BOOKMARK" &&
        e.type != "ERROR") {
      fail("unknown type", e.type);
    }
    if (!e.object.is_object()) fail("object is not an object", e.type);
    if (e.type == "ERROR") {
      (void)e.object.value("code", 0);  // as the informer reads it: must not throw
      (void)e.object.value("message", "");
    }
  }
  if (o.error.kind == WatchStreamError::Kind::kNone) {
    if (!o.error.message.empty()) fail("message without an error", o.error.message);
    if (o.counted != o.events.size()) fail("a counted line gave no event", std::to_string(o.counted));
    const size_t nl = stream.rfind('\n');
    const size_t after = nl == std::string_view::npos ? stream.size() : stream.size() - nl - 1;
    if (o.pending != after) fail("pending bytes are not those after the last newline", std::to_string(o.pending));
    if (o.pending > kBound) fail("pending bytes over the bound", std::to_string(o.pending));
    return;
  }
  if (o.error.event != o.events.size() + 1 || o.counted != o.error.event) {
    fail("the error is not on the line after the last event", o.error.message);
  }
  if (o.error.offset >= stream.size()) fail("error offset past the stream", o.error.message);
  const std::string where =
      "(event " + std::to_string(o.error.event) + ", at byte " + std::to_string(o.error.offset);
  if (o.error.message.find(where) == std::string::npos) {
    fail("error does not name its event and offset", o.error.message);
  }
  const bool too_large = o.error.kind == WatchStreamError::Kind::kTooLarge;
  if (o.error.message.rfind(too_large ? "an event is larger than the " : "not a watch event: ", 0) != 0) {
    fail("error message does not say what is wrong", o.error.message);
  }
  if (o.pending != 0) fail("pending bytes after an error", std::to_string(o.pending));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::string_view stream(reinterpret_cast<const char*>(data) + 1, size - 1);
  const size_t cut = static_cast<size_t>(data[0]) * (stream.size() + 1) / 256;

  const Outcome whole = decode({stream});
  check(whole, stream);
  same(whole, decode({stream.substr(0, cut), stream.substr(cut)}), ("cut at " + std::to_string(cut)).c_str());
  std::vector<std::string_view> bytes;
  bytes.reserve(stream.size());
  for (size_t i = 0; i < stream.size(); ++i) bytes.push_back(stream.substr(i, 1));
  same(whole, decode(bytes), "one byte at a time");
  return 0;
}
