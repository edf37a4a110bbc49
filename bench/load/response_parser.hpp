#pragma once
// The load generator's HTTP/1.1 response parser. Hand-written on purpose (see
// docs/performance.md, "The load generator"): the generator shares a 2-core machine with the
// server it measures, so every microsecond it spends is taken from the server. This parser
// allocates nothing for Content-Length bodies, which is what every measured server sends.
#include <cstddef>
#include <string>
#include <string_view>

namespace mcpx::bench {

struct response_view {
  int status = 0;
  std::string_view content_type;
  std::string_view session_id;  ///< Mcp-Session-Id
  bool close = false;           ///< Connection: close
  std::string_view body;        ///< decoded (chunked bodies are copied into the scratch string)
  std::size_t consumed = 0;     ///< bytes of the input this response took
};

enum class parse_status { incomplete, complete, bad };

/// Parses one response from the start of `in`. On `incomplete`, call again with more bytes.
parse_status parse_response(std::string_view in, response_view& out, std::string& chunk_scratch);

/// Case-insensitive ASCII comparison of a header name.
bool header_is(std::string_view name, std::string_view expected);

}  // namespace mcpx::bench
