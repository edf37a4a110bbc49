#include "transport/statuses.hpp"

namespace mcpx::transport {

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
  auto reply = json_reply(status_for(r.kind), jsonrpc::make_error(id, r.code, r.message, r.data));
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
