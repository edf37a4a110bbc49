#include "jsonrpc/message.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>

namespace mcpx::jsonrpc {

namespace {

bool valid_id(const json::value& id) {
  // MCP forbids null ids; JSON-RPC forbids fractional ones.
  return id.is_string() || id.is_int64() || id.is_uint64();
}

decode_error fail(int c, std::string m, json::value id = nullptr) {
  return decode_error{c, std::move(m), std::move(id)};
}

// Boost.JSON reads a number beyond the range of a double (1e400) as an infinity, and writes
// an infinity out as the bare word Infinity, which is not JSON: echoed in a result, stored
// in a requestState, an event or a message to another replica, it would make that text
// unparsable. JSON has no infinity, so such a message is refused where it comes in.
bool finite_numbers(const json::value& v) {
  switch (v.kind()) {
    case json::kind::double_: return std::isfinite(v.get_double());
    case json::kind::array:
      for (const auto& e : v.get_array())
        if (!finite_numbers(e)) return false;
      return true;
    case json::kind::object:
      for (const auto& e : v.get_object())
        if (!finite_numbers(e.value())) return false;
      return true;
    default: return true;
  }
}

}  // namespace

std::optional<decode_error> decode(json::value&& v, message& out) {
  if (v.is_array())
    return fail(code::invalid_request, "Batch requests are not supported: send one JSON-RPC message per POST");
  auto* obj = v.if_object();
  if (!obj) return fail(code::invalid_request, "Body must be a JSON-RPC object");
  // The members in one pass (the parser keeps one of each key): a lookup per member name was
  // six scans of the object, comparing names, for every message.
  json::value *id_p = nullptr, *ver = nullptr, *m = nullptr, *params = nullptr, *result = nullptr, *error = nullptr;
  for (auto& kv : *obj) {
    const std::string_view k = kv.key();
    if (k == "id") id_p = &kv.value();
    else if (k == "jsonrpc") ver = &kv.value();
    else if (k == "method") m = &kv.value();
    else if (k == "params") params = &kv.value();
    else if (k == "result") result = &kv.value();
    else if (k == "error") error = &kv.value();
  }
  json::value id(nullptr, out.storage());
  if (id_p) id = *id_p;
  if (!ver || !ver->is_string() || ver->get_string() != "2.0")
    return fail(code::invalid_request, "Missing or invalid \"jsonrpc\": must be \"2.0\"", valid_id(id) ? id : nullptr);
  const bool has_id = id_p != nullptr;
  if (has_id && !valid_id(id)) return fail(code::invalid_request, "Invalid \"id\": must be a string or an integer");
  if (m) {
    if (!m->is_string() || m->get_string().empty())
      return fail(code::invalid_request, "Invalid \"method\": must be a non-empty string", id);
    out.method = std::string(m->get_string());
    if (params) {
      if (!params->is_object() && !params->is_null())
        return fail(code::invalid_request, "Invalid \"params\": must be an object", id);
      out.params = std::move(*params);
    } else {
      out.params = nullptr;
    }
    out.type = has_id ? kind::request : kind::notification;
    out.id = std::move(id);
    return std::nullopt;
  }
  if (result || error) {
    if (!has_id) return fail(code::invalid_request, "Response without \"id\"");
    out.id = std::move(id);
    if (result) {
      out.type = kind::response;
      out.result = std::move(*result);
    } else {
      out.type = kind::error_response;
      out.error = std::move(*error);
    }
    return std::nullopt;
  }
  return fail(code::invalid_request, "Missing \"method\"", id);
}

std::optional<decode_error> parse(std::string_view text, message& out) {
  json::parse_options opt;
  opt.max_depth = 64;  // deep nesting is a DoS vector, and no MCP message needs it
  // The parser's own stack starts on ours: a typical message needs no heap for it.
  unsigned char temp[2048];
  json::parser p(json::storage_ptr(), opt, temp, sizeof temp);
  p.reset(out.storage());
  boost::system::error_code ec;
  p.write(text.data(), text.size(), ec);
  if (ec) return fail(code::parse_error, "Parse error: body is not valid JSON (" + ec.message() + ")");
  // Constructed, not assigned: assignment would copy the tree into the target's storage.
  json::value v = p.release();
  if (!finite_numbers(v)) {
    const json::value* id = v.is_object() ? v.get_object().if_contains("id") : nullptr;
    return fail(code::parse_error, "Parse error: a number is beyond the range of a double (JSON has no infinity)",
                id && valid_id(*id) ? *id : json::value(nullptr));
  }
  return decode(std::move(v), out);
}

json::object make_error(const json::value& id, int c, std::string_view m, const json::value& data) {
  json::object err;
  err["code"] = c;
  err["message"] = m;
  if (!data.is_null()) err["data"] = data;
  json::object o;
  o["jsonrpc"] = "2.0";
  o["id"] = id;
  o["error"] = std::move(err);
  return o;
}

namespace {

// An upper estimate of v's text: every string's bytes (escapes add a little: slack below),
// the punctuation, and numbers at their widest.
std::size_t text_size(const json::value& v) noexcept {
  switch (v.kind()) {
    case json::kind::string: return v.get_string().size() + 2;
    case json::kind::object: {
      std::size_t n = 2;
      for (const auto& kv : v.get_object()) n += kv.key().size() + 4 + text_size(kv.value());
      return n;
    }
    case json::kind::array: {
      std::size_t n = 2;
      for (const auto& x : v.get_array()) n += 1 + text_size(x);
      return n;
    }
    case json::kind::null: return 4;
    case json::kind::bool_: return 5;
    default: return 24;  // a number
  }
}

}  // namespace

std::string to_text(const json::value& v, std::size_t spare) {
  // Written to the stack first, as json::serialize does: nearly every message fits, and then
  // costs one allocation of its exact size (with `spare`) and no walk to estimate it.
  json::serializer sr;
  sr.reset(&v);
  char first[4096];
  const auto head = sr.read(first, sizeof first);
  std::string out;
  if (sr.done()) {
    out.reserve(head.size() + spare);
    out.append(head.data(), head.size());
    return out;
  }
  // A large text: written again from the start, in one read into a buffer sized from an upper
  // estimate. Not continued after `first`: Boost.JSON's serializer, stopped by a full buffer
  // inside a string, writes the rest of that string a byte at a time (its vectorised scan only
  // runs where a string or a read begins cleanly), eight times slower for a 100 KB text result
  // than the 4 KB written twice (docs/performance.md, session 25).
  const std::size_t estimate = text_size(v);
  out.resize(estimate + estimate / 16 + 64 + spare);
  sr.reset(&v);
  std::size_t len = 0;
  for (;;) {
    len += sr.read(out.data() + len, out.size() - len).size();
    if (sr.done()) break;
    out.resize(out.size() * 2);  // more escapes than the slack: rare, and then slow as above
  }
  out.resize(len);  // the capacity stays: `spare` fits unless escapes used the slack
  return out;
}

std::string encode_result(const json::value& id, const json::value& result) {
  json::value doc(json::object_kind);  // a value already: to_text(object) would copy it into one
  auto& o = doc.get_object();
  o["jsonrpc"] = "2.0";
  o["id"] = id;
  o["result"] = result;
  return to_text(doc);
}

std::string encode_error(const json::value& id, int c, std::string_view m, const json::value& data) {
  return to_text(json::value(make_error(id, c, m, data)));
}

std::string encode_notification(std::string_view method, const json::value& params) {
  json::value doc(json::object_kind);
  auto& o = doc.get_object();
  o["jsonrpc"] = "2.0";
  o["method"] = method;
  if (!params.is_null()) o["params"] = params;
  return to_text(doc);
}

std::string encode_request(const json::value& id, std::string_view method, const json::value& params) {
  json::value doc(json::object_kind);
  auto& o = doc.get_object();
  o["jsonrpc"] = "2.0";
  o["id"] = id;
  o["method"] = method;
  if (!params.is_null()) o["params"] = params;
  return to_text(doc);
}

}  // namespace mcpx::jsonrpc
