// Fuzz target: the requestState codec of multi round-trip requests
// (protocol::request_state_codec). The input is a requestState as a client returns it:
// open() with a fixed key and the binding of a fixed request must refuse it with a reason,
// or give back a payload bound to that request and not expired. When the input parses as a
// JSON object, that object is sealed and opened again: it must come back unchanged, and the
// sealed state must not open for another request (payloads with an infinite number aside:
// see below).
// The seeds in fuzz/corpus/request_state/ are sealed with the same key (fuzz/README.md).
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "common.hpp"
#include "protocol/request_state.hpp"

namespace json = boost::json;
using mcpx::protocol::request_state_codec;

namespace {

// The key the committed seeds are sealed with; ~100 years of ttl so they stay unexpired.
constexpr std::string_view fuzz_key = "mcpx-fuzz-request-state-key-0001";
constexpr std::chrono::seconds fuzz_ttl{std::chrono::hours(24 * 365 * 100)};

struct fixture {
  request_state_codec codec{std::string(fuzz_key), fuzz_ttl};
  std::string binding = request_state_codec::binding_for(
      "tools/call", json::parse(R"({"name":"book","arguments":{"city":"Paris","nights":2}})").as_object());
  std::string other = request_state_codec::binding_for(
      "tools/call", json::parse(R"({"name":"book","arguments":{"city":"Paris","nights":3}})").as_object());
};

const fixture& the_fixture() {
  static const fixture f;
  return f;
}

// The payload as it went in, but for the fields seal() owns ("c" too: sealed without a
// client, a payload's own "c" is dropped).
json::object without_seal_fields(json::object o) {
  o.erase("b");
  o.erase("c");
  o.erase("exp");
  return o;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto& f = the_fixture();
  const std::string_view input(reinterpret_cast<const char*>(data), size);

  std::string why;
  if (auto payload = f.codec.open(input, f.binding, &why)) {
    const json::value* b = payload->if_contains("b");
    const json::value* exp = payload->if_contains("exp");
    if (!b || !b->is_string() || b->get_string() != f.binding) mcpx::fuzz::fail("opened a state of another request");
    if (!exp || !exp->is_int64()) mcpx::fuzz::fail("opened a state without an expiry");
  } else if (why.empty()) {
    mcpx::fuzz::fail("open() refused without a reason");
  }

  boost::system::error_code ec;
  json::value v = json::parse(input, ec);
  if (ec || !v.is_object()) return 0;
  // A payload holding 1e400 (an infinity to Boost.JSON) is sealed with null in its place
  // (JSON has no infinity): it opens, but not unchanged, so such inputs are not compared
  // (tests/unit/fuzz_regressions_test.cpp covers them).
  if (!mcpx::fuzz::finite_numbers(v)) return 0;
  const std::string sealed = f.codec.seal(v.get_object(), f.binding);
  std::string why2;
  auto back = f.codec.open(sealed, f.binding, &why2);
  if (!back) mcpx::fuzz::fail("a state we sealed does not open", why2);
  if (!mcpx::fuzz::same_json(without_seal_fields(std::move(*back)), without_seal_fields(v.get_object())))
    mcpx::fuzz::fail("a sealed payload comes back changed", input);
  if (f.codec.open(sealed, f.other, &why2)) mcpx::fuzz::fail("a sealed state opens for another request");
  return 0;
}
