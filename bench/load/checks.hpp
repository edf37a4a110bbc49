#pragma once
// How the load generator decides that an answer is right, one function per request shape.
// Pure functions on the bytes of one response (no sockets), so each is tested on its own.
// A wrong answer is an error, never a success: each check names what it found wrong.
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace mcpx::bench {

/// What a connection sends and how its answers are checked.
enum class shape {
  echo,          ///< tools/call echo: the text comes back
  text_100k,     ///< tools/call text_100k: its text padded to exactly 100 KiB
  text_1m,       ///< tools/call text_1m: the same, 1 MiB
  progress_100,  ///< tools/call progress_100 with a progressToken: 100 progress events, then the echo (SSE)
  tools_list,    ///< tools/list, following nextCursor to the end: all tools, each with an input schema
};

shape parse_shape(const std::string& s);  // throws std::invalid_argument
const char* to_string(shape s);
/// The tool a tools/call shape calls (empty for tools_list, and for echo: the configured tool).
std::string_view tool_of(shape s);
/// Bytes of the padded text of text_100k and text_1m; 0 for the others.
std::size_t text_size_of(shape s);

/// Memory the checks reuse from one answer to the next (a connection owns one).
class check_scratch {
 public:
  check_scratch();
  ~check_scratch();
  check_scratch(const check_scratch&) = delete;
  check_scratch& operator=(const check_scratch&) = delete;
  struct impl;
  impl& get() { return *impl_; }

 private:
  std::unique_ptr<impl> impl_;
};

/// The JSON-RPC message of a response body: the body itself, or for an SSE body the data of its
/// last event (notifications may come before the answer). Empty when an SSE body has no data.
std::string_view answer_payload(std::string_view body, std::string_view content_type);

/// A tools/call answer for `id` whose content[0].text is exactly `text`, without isError.
bool check_call_result(std::string_view payload, std::uint64_t id, std::string_view text, check_scratch& s,
                       std::string& why);

/// A tools/call answer for `id` whose text is `prefix` over the start of `fill` (shape_text):
/// every byte compared, without decoding the megabyte as JSON (the pattern needs no escaping).
bool check_padded_result(std::string_view payload, std::uint64_t id, std::string_view prefix, const std::string& fill,
                         check_scratch& s, std::string& why);

/// An SSE body holding exactly `events` notifications/progress for progressToken `id`, their
/// `progress` strictly increasing, then the answer for `id` with text `text`, and nothing else.
bool check_progress_stream(std::string_view sse_body, std::uint64_t id, unsigned events, std::string_view text,
                           check_scratch& s, std::string& why);

/// Tools counted over the pages of one listing.
struct tools_listing {
  std::size_t tools = 0;        ///< entries over all pages so far
  std::vector<bool> synthetic;  ///< tool_NNN seen, by NNN (a name twice is an error)
  std::string next_cursor;      ///< empty: this was the last page
  unsigned pages = 0;
  void reset() {
    tools = 0;
    synthetic.clear();
    next_cursor.clear();
    pages = 0;
  }
};

/// One page of a tools/list answer for `id`: every entry has a name and an object inputSchema
/// of type "object"; counts them into `into` and stores its nextCursor. A page identical to
/// one this scratch checked in full, byte for byte but for its `"id":` number, counts as that
/// page without being parsed again: the load generator must not be what bounds a server
/// that answers a listing from a cache.
bool check_tools_page(std::string_view payload, std::uint64_t id, tools_listing& into, check_scratch& s,
                      std::string& why);

/// The end of a listing: exactly `expected` tools, and tool_000 ... up to the synthetic ones
/// seen, each once.
bool check_tools_total(const tools_listing& l, std::size_t expected, std::string& why);

}  // namespace mcpx::bench
