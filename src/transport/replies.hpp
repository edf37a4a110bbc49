#pragma once
// Building HTTP replies for the transport.
#include <boost/json.hpp>
#include <memory_resource>
#include <typeinfo>

#include "http/event_stream.hpp"
#include "http/request_arena.hpp"
#include "jsonrpc/message.hpp"
#include "ops/access_record.hpp"

namespace mcpx::transport {

/// Boost.JSON allocates through boost::container::pmr; the connection's arena is a std::pmr
/// resource. Deallocation is a no-op there, so JSON in it costs a pointer bump, and
/// is_deallocate_trivial (below) lets Boost.JSON skip walking a value to free its parts.
/// Only over an arena the connection releases whole (http::peer_info::arena): over a heap
/// resource those parts would leak (see storage_in).
class json_arena final : public boost::json::memory_resource {
 public:
  /// Over a connection's http::request_arena, an allocation is its inline take(), not a
  /// virtual call (a request's JSON makes about fifteen).
  explicit json_arena(std::pmr::memory_resource* r)
      : r_(r), bump_(typeid(*r) == typeid(http::request_arena) ? static_cast<http::request_arena*>(r) : nullptr) {}

 private:
  void* do_allocate(std::size_t n, std::size_t align) override {
    return bump_ ? bump_->take(n, align) : r_->allocate(n, align);
  }
  void do_deallocate(void* p, std::size_t n, std::size_t align) override {
    if (!bump_) r_->deallocate(p, n, align);
  }
  bool do_is_equal(const boost::json::memory_resource& o) const noexcept override { return this == &o; }
  std::pmr::memory_resource* r_;
  http::request_arena* bump_;
};

}  // namespace mcpx::transport

template <>
struct boost::json::is_deallocate_trivial<mcpx::transport::json_arena> : std::true_type {};

namespace mcpx::transport {

/// Storage for a request's JSON: `a` when it sits over a connection's arena, the heap when the
/// peer has none (peer_info's default, in tools built without a connection).
inline boost::json::storage_ptr storage_in(json_arena& a, std::pmr::memory_resource* upstream) {
  if (upstream == std::pmr::new_delete_resource()) return {};
  return boost::json::storage_ptr(&a);
}

/// Makes `r`, a reply just made (default), a JSON reply: in place, where moving a reply in
/// costs more than filling it (a Beast message's move assignment).
inline void make_json_reply_text(http::reply& r, unsigned status, std::string body) {
  r.head.result(status);
  r.static_fields = "Content-Type: application/json\r\n";
  r.head.body() = std::move(body);
}

inline http::reply json_reply_text(unsigned status, std::string body) {
  http::reply r;
  make_json_reply_text(r, status, std::move(body));
  return r;
}

inline http::reply json_reply(unsigned status, const boost::json::value& v) {
  return json_reply_text(status, jsonrpc::to_text(v));
}

inline http::reply empty_reply(unsigned status) {
  http::reply r;
  r.head.result(status);
  return r;
}

inline http::reply text_reply(unsigned status, std::string body) {
  http::reply r;
  r.head.result(status);
  r.head.set(http::bhttp::field::content_type, "text/plain");
  r.head.body() = std::move(body);
  return r;
}

/// The error class of a JSON-RPC response for the access log: protocol errors by code,
/// tool errors by their structuredContent.error.type.
inline void annotate_outcome(ops::access_record* rec, const boost::json::value& message) {
  if (!rec || !message.is_object()) return;
  // One pass over the envelope (jsonrpc, id, and result or error), not a search for each.
  const boost::json::value *e = nullptr, *r = nullptr;
  for (const auto& kv : message.get_object()) {
    if (kv.key() == "error") e = &kv.value();
    else if (kv.key() == "result") r = &kv.value();
  }
  if (e && e->is_object()) {
    auto* c = e->get_object().if_contains("code");
    std::int64_t code = c && c->is_int64() ? c->get_int64() : -32603;
    rec->error_code = std::to_string(code);
    rec->error_class = code == -32603 ? "SERVER_ERROR" : "CLIENT_ERROR";
    return;
  }
  if (!r || !r->is_object()) return;
  auto* is_error = r->get_object().if_contains("isError");
  if (!is_error || !is_error->is_bool() || !is_error->get_bool()) return;
  rec->error_class = "SERVER_ERROR";
  if (auto* sc = r->get_object().if_contains("structuredContent"); sc && sc->is_object())
    if (auto* err = sc->get_object().if_contains("error"); err && err->is_object()) {
      if (auto* t = err->get_object().if_contains("type"); t && t->is_string()) rec->error_class = t->get_string();
      if (auto* c = err->get_object().if_contains("code"); c && c->is_string()) rec->error_code = c->get_string();
    }
}

inline http::reply sse_reply(std::shared_ptr<http::event_stream> s) {
  http::reply r;
  r.head.result(200);
  r.head.set(http::bhttp::field::content_type, "text/event-stream");
  r.head.set(http::bhttp::field::cache_control, "no-cache");
  // Tells nginx and similar proxies not to buffer the stream.
  r.head.set("X-Accel-Buffering", "no");
  r.stream = std::move(s);
  return r;
}

}  // namespace mcpx::transport
