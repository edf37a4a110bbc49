#pragma once
// Requests for the transport's stages, built by hand: no sockets, no connection. A request,
// a peer with an access record, and the exchange the stages fill in.
#include <gtest/gtest.h>

#include <memory>
#include <memory_resource>
#include <string_view>
#include <utility>
#include <vector>

#include "transport/stages.hpp"

namespace mcpx::test {

using verb = http::bhttp::verb;
using header_list = std::vector<std::pair<std::string_view, std::string_view>>;

inline http::peer_info peer_with(std::shared_ptr<ops::access_record> rec, std::pmr::memory_resource* arena) {
  http::peer_info p;
  p.record = std::move(rec);
  p.arena = arena;
  return p;
}

// One request as the connection hands it over. Members are built in order: the exchange last,
// as it keeps references to the request and the peer (and reads the peer's record).
// The arena is a monotonic buffer, as the connection's is. Not peer_info's default
// new_delete_resource: Boost.JSON 1.81 frees a key abandoned by a truncated body with another
// alignment than it allocated it with (boostorg/json#1181), which ASan reports as
// new-delete-type-mismatch; a monotonic arena never frees, as in production.
struct incoming {
  incoming(verb v, const header_list& headers, std::string_view body = {}) {
    req.method(v);
    req.target("/mcp");
    for (auto& [name, value] : headers) req.set(name, value);
    req.body().assign(body.begin(), body.end());
  }
  std::shared_ptr<ops::access_record> rec = std::make_shared<ops::access_record>();
  std::pmr::monotonic_buffer_resource arena;
  http::request req;
  http::peer_info peer = peer_with(rec, &arena);
  transport::exchange x{req, peer};
};

/// How many times `s` refused for `reason` so far.
inline std::uint64_t count_of(const transport::stage& s, std::string_view reason) {
  for (auto& [r, n] : s.refusals())
    if (r == reason) return n;
  ADD_FAILURE() << s.name() << " has no counter " << reason;
  return 0;
}

/// Runs the decode stage (which reads the body and the session header), then `s`.
inline std::optional<transport::refusal> decode_then(const transport::stage& s, transport::exchange& x) {
  transport::decode_stage d;
  if (auto r = d.check(x)) return r;
  return s.check(x);
}

/// A frozen registry with nothing in it, for the revision stage's header rules.
inline protocol::registry& empty_registry() {
  static protocol::registry reg = [] {
    protocol::registry r;
    r.freeze();
    return r;
  }();
  return reg;
}

}  // namespace mcpx::test
