#include "transport/statuses.hpp"

#include <cctype>

namespace mcpx::transport {

namespace {

// A refusal that says when to come back, classified like a tool error when its stage gave no
// data of its own (docs/errors.md): {type, code (its reason upper-cased), recoverable, retry_after}.
json::value classified(const refusal& r) {
  if (!r.data.is_null() || !r.retry_after_s) return r.data;
  std::string code(r.reason);
  for (auto& ch : code) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  return json::object{{"type", error_class_of(r.kind)},
                      {"code", std::move(code)},
                      {"recoverable", true},
                      {"retry_after", *r.retry_after_s}};
}

}  // namespace

http::reply refusal_reply(const refusal& r, const exchange* x, ops::access_record* log) {
  const json::value& id = x && x->decoded ? x->msg.id : r.id;
  if (r.result.is_object()) {
    auto reply = json_reply_text(200, jsonrpc::encode_result(id, r.result));
    if (r.retry_after_s) reply.head.set(http::bhttp::field::retry_after, std::to_string(*r.retry_after_s));
    for (const auto& [name, value] : r.headers) reply.head.insert(name, value);
    if (!log && x) log = x->log;
    if (log) {
      log->error_class = r.error_class;
      log->error_code = r.error_code;
    }
    return reply;
  }
  auto reply = json_reply(status_for(r.kind), jsonrpc::make_error(id, r.code, r.message, classified(r)));
  if (r.retry_after_s) reply.head.set(http::bhttp::field::retry_after, std::to_string(*r.retry_after_s));
  for (const auto& [name, value] : r.headers) reply.head.insert(name, value);  // WWW-Authenticate may repeat
  if (!log && x) log = x->log;
  if (log) {
    log->error_class = error_class_of(r.kind);
    log->error_code = std::to_string(r.code);
  }
  return reply;
}

}  // namespace mcpx::transport
