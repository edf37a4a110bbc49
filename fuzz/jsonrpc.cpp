// Fuzz target: the JSON-RPC decoder. The input is a POST body: jsonrpc::parse decodes it into
// a message whose JSON lives in a monotonic arena (as the decode stage's does), then the
// encode_* function for what decoded writes it out again. Properties checked:
//  - a decoded message, encoded and parsed again, decodes to the same message;
//  - a refused one encodes as an error response that decodes (when its id was read);
//  - nothing throws (parse and decode are documented never to).
#include <array>
#include <climits>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common.hpp"
#include "jsonrpc/message.hpp"

using namespace mcpx;
namespace json = boost::json;

namespace {

bool too_deep(const jsonrpc::decode_error& e) { return e.message.find("too deep") != std::string::npos; }

// Decodes `text` into a fresh arena; `check` gets the message or the error.
template <class F>
void decode_in_arena(std::string_view text, F&& check) {
  std::array<unsigned char, 8192> buf;  // the connection's arena is 8 KiB, then heap blocks
  json::monotonic_resource arena(buf.data(), buf.size());
  jsonrpc::message msg{json::storage_ptr(&arena)};
  auto err = jsonrpc::parse(text, msg);
  check(msg, err);
}

void same_message(const jsonrpc::message& a, const jsonrpc::message& b, const std::string& wire) {
  if (a.type != b.type) fuzz::fail("re-decoded message has another kind", wire);
  if (a.method != b.method) fuzz::fail("re-decoded message has another method", wire);
  if (!fuzz::same_json(a.id, b.id)) fuzz::fail("re-decoded message has another id", wire);
  if (!fuzz::same_json(a.params, b.params)) fuzz::fail("re-decoded message has other params", wire);
  if (!fuzz::same_json(a.result, b.result)) fuzz::fail("re-decoded message has another result", wire);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  decode_in_arena(text, [](const jsonrpc::message& m, const std::optional<jsonrpc::decode_error>& err) {
    if (err) {
      // What the transport answers for a refused message.
      if (err->code != jsonrpc::code::parse_error && err->code != jsonrpc::code::invalid_request)
        fuzz::fail("decode error with an unexpected code", err->message);
      const std::string wire = jsonrpc::encode_error(err->id, err->code, err->message);
      if (err->id.is_null()) return;  // "id":null: not a message MCP accepts back (by design)
      decode_in_arena(wire, [&](const jsonrpc::message& back, const std::optional<jsonrpc::decode_error>& e2) {
        if (e2) fuzz::fail("the error response we encode does not decode", wire);
        if (back.type != jsonrpc::kind::error_response || !fuzz::same_json(back.id, err->id))
          fuzz::fail("the error response we encode decodes as something else", wire);
      });
      return;
    }
    std::string wire;
    switch (m.type) {
      case jsonrpc::kind::request:
        if (!m.id.is_string() && !m.id.is_int64() && !m.id.is_uint64()) fuzz::fail("request with an invalid id");
        wire = jsonrpc::encode_request(m.id, m.method, m.params);
        // A server's answer carrying the params as its result.
        decode_in_arena(jsonrpc::encode_result(m.id, m.params),
                        [&](const jsonrpc::message& back, const std::optional<jsonrpc::decode_error>& e2) {
                          if (e2 || back.type != jsonrpc::kind::response || !fuzz::same_json(back.result, m.params))
                            fuzz::fail("encode_result does not decode to the same result");
                        });
        break;
      case jsonrpc::kind::notification:
        if (!m.id.is_null()) fuzz::fail("notification with an id");
        wire = jsonrpc::encode_notification(m.method, m.params);
        break;
      case jsonrpc::kind::response: wire = jsonrpc::encode_result(m.id, m.result); break;
      case jsonrpc::kind::error_response: {
        // A client's error answer: re-encoded with its error object as the data, one level
        // deeper, so a message at the depth limit may not parse again.
        const json::object* e = m.error.if_object();
        const json::value* c = e ? e->if_contains("code") : nullptr;
        const json::value* msg = e ? e->if_contains("message") : nullptr;
        const int code = c && c->is_int64() && c->get_int64() >= INT32_MIN && c->get_int64() <= INT32_MAX
                             ? int(c->get_int64())
                             : jsonrpc::code::internal_error;
        const std::string_view text = msg && msg->is_string() ? std::string_view(msg->get_string()) : "";
        const std::string ewire = jsonrpc::encode_error(m.id, code, text, m.error);
        decode_in_arena(ewire, [&](const jsonrpc::message& back, const std::optional<jsonrpc::decode_error>& e2) {
          if (e2 && too_deep(*e2)) return;
          if (e2) fuzz::fail("encode_error does not decode", ewire);
          if (back.type != jsonrpc::kind::error_response || !fuzz::same_json(back.id, m.id))
            fuzz::fail("encode_error decodes as something else", ewire);
          const json::value* d = back.error.is_object() ? back.error.get_object().if_contains("data") : nullptr;
          if (m.error.is_null() ? d != nullptr : (!d || !fuzz::same_json(*d, m.error)))
            fuzz::fail("encode_error loses the error's data", ewire);
        });
        return;
      }
    }
    decode_in_arena(wire, [&](const jsonrpc::message& back, const std::optional<jsonrpc::decode_error>& e2) {
      if (e2) fuzz::fail("an encoded message does not decode", wire + " -> " + e2->message);
      same_message(m, back, wire);
    });
  });
  return 0;
}
