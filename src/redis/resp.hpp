#pragma once
// RESP2 on the wire: commands are encoded here (an array of bulk strings, binary-safe);
// replies are parsed by hiredis' reader (libhiredis, Debian-packaged), which builds our
// `reply` values directly through its object callbacks. hiredis does no I/O for us.
#include <span>
#include <string>
#include <string_view>

#include "redis/reply.hpp"

struct redisReader;

namespace mcpx::redis {

/// Appends `args` as one command: "*2\r\n$3\r\nGET\r\n$1\r\nk\r\n". Any bytes are allowed.
void encode_command(std::string& out, std::span<const std::string_view> args);
/// The pieces of encode_command, for commands assembled from parts (EVALSHA + keys + args).
void append_array_header(std::string& out, std::size_t elements);
void append_bulk(std::string& out, std::string_view bytes);

/// An incremental reply parser: feed bytes as they arrive, take replies as they complete.
/// Not thread-safe (one per connection, used on its strand). Arrays nest at most 7 deep
/// (hiredis 0.14's limit); deeper is a protocol error.
class reader {
 public:
  reader();  ///< throws std::bad_alloc
  ~reader();
  reader(const reader&) = delete;
  reader& operator=(const reader&) = delete;

  enum class status { reply, need_more, error };

  /// Adds bytes read from the connection; false when the reader is broken or out of memory.
  bool feed(std::string_view bytes);
  /// The next complete reply, moved into `out`; need_more until one is complete; error on a
  /// protocol error (error_message() says which), after which the reader is unusable.
  status next(reply& out);
  /// hiredis' description of the failure ("Protocol error, got \"x\" as reply type byte").
  std::string_view error_message() const noexcept;

 private:
  redisReader* r_;
  reply root_;  ///< the reply being built; hiredis points its root object here
};

}  // namespace mcpx::redis
