#include "protocol/tool_errors.hpp"

#include <atomic>

#include "util/random.hpp"

namespace mcpx {

std::string_view to_string(error_class c) noexcept {
  switch (c) {
    case error_class::client: return "CLIENT_ERROR";
    case error_class::server: return "SERVER_ERROR";
    case error_class::external: return "EXTERNAL_ERROR";
  }
  return "SERVER_ERROR";
}

namespace protocol {

std::string error_text(std::string_view message, std::optional<int> retry_after) {
  // One sentence for clients that read only text: appending a second one ("Retry after 7 s.")
  // to a message without a full stop ran them together ("...is down Retry after 7 s.").
  while (!message.empty() && (message.back() == '.' || message.back() == ' ')) message.remove_suffix(1);
  std::string text(message);
  if (retry_after) text += "; it may be retried after " + std::to_string(*retry_after) + " s";
  if (text.empty() || (text.back() != '?' && text.back() != '!')) text += '.';
  return text;
}

json::object error_result(error_class cls, std::string_view code, std::string_view message, bool recoverable,
                          std::optional<int> retry_after) {
  json::object err;
  err["type"] = to_string(cls);
  err["code"] = code;
  err["message"] = message;
  err["recoverable"] = recoverable;
  if (retry_after) err["retry_after"] = *retry_after;
  json::object r;
  r["content"] = json::array{content::text(error_text(message, retry_after))};
  r["structuredContent"] = json::object{{"error", std::move(err)}};
  r["isError"] = true;
  return r;
}

json::object client_error_result(std::string_view code, std::string_view message) {
  return error_result(error_class::client, code, message, true);
}

json::object tool_error_result(const tool_error& e) {
  return error_result(e.cls(), e.code(), e.what(), e.recoverable(), e.retry_after());
}

json::object unexpected_error_result(std::string_view tool, std::string_view what, const failure_reporter& report) {
  static std::atomic<std::uint64_t> fallback{0};
  // The id only joins the client's error to the server's log line: a counter will do when
  // the random generator fails.
  auto random = util::random_hex_id(8);
  std::string id = random ? std::move(*random) : "local-" + std::to_string(fallback.fetch_add(1));
  if (report) report(tool, what, id);
  auto r = error_result(error_class::server, "INTERNAL",
                        "The tool failed unexpectedly (correlation id " + id + "); do not retry, report it", false);
  r["structuredContent"].as_object()["error"].as_object()["correlation_id"] = id;
  return r;
}

json::object timeout_error_result(std::string_view tool, std::chrono::milliseconds limit) {
  auto n = limit.count();
  std::string within = n % 1000 == 0 ? std::to_string(n / 1000) + " s" : std::to_string(n) + " ms";
  return error_result(error_class::server, "TIMEOUT",
                      "Tool '" + std::string(tool) + "' did not finish within its " + within +
                          " time limit and was stopped (a smaller request may finish in time)",
                      true, timeout_retry_after_s);
}

json::object encode_tool_result(tool_result&& r) {
  json::object o(4, r.content.storage());
  o["content"] = std::move(r.content);
  if (!r.structured.is_null()) o["structuredContent"] = std::move(r.structured);
  if (r.is_error) o["isError"] = true;
  if (!r.meta.empty()) o["_meta"] = std::move(r.meta);
  return o;
}

}  // namespace protocol
}  // namespace mcpx
