#pragma once
/// @file Calling an upstream service (an HTTP API, a database) from a tool handler: its
/// outcome as the classified error the handler throws, so the model learns whether to fix its
/// request (CLIENT_ERROR), retry later (EXTERNAL_ERROR with retry_after) or stop
/// (recoverable: false); and the time an upstream call may take without outliving the tool's
/// own deadline. No HTTP client library is assumed: pass what yours reports.
///
///   auto order = mcpx::upstream::call(ctx, "billing API", [&](std::chrono::milliseconds budget) {
///     auto r = http.get(url, budget);  // your client, bounded by the budget
///     if (r.timed_out) throw mcpx::upstream::for_failure("billing API", mcpx::upstream::failure::timeout);
///     if (r.status >= 300) throw mcpx::upstream::for_status("billing API", r.status, r.error_message,
///                                                           r.header("Retry-After"));
///     return parse(r.body);
///   }, [&] { http.abort(); });  // run if the call is cancelled meanwhile (deadline, client)
///
/// The table of what maps to what, with the reasons, is in docs/errors.md. All functions are
/// thread-safe.
#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

#include "mcpx/context.hpp"
#include "mcpx/errors.hpp"

namespace mcpx::upstream {

/// How a call failed before any HTTP status came back.
enum class failure {
  timeout,             ///< no answer in time (connect, handshake or response)
  connection_refused,  ///< nothing accepted the connection
  connection_reset,    ///< the connection broke before a whole answer came
  dns,                 ///< the upstream's name did not resolve
  tls,                 ///< the TLS handshake or the certificate check failed
};

/// What Retry-After says when it is absent, by kind of trouble (seconds).
inline constexpr int retry_timeout_s = 5;        ///< timeouts (and 408, 504)
inline constexpr int retry_unavailable_s = 10;   ///< unreachable, 502, 503, other 5xx
inline constexpr int retry_rate_limited_s = 30;  ///< 429
inline constexpr int retry_dns_s = 30;           ///< a name that did not resolve
/// The most a Retry-After is believed: a day.
inline constexpr int retry_after_max_s = 86'400;

/// A Retry-After value (RFC 9110 10.2.3: delay-seconds or an HTTP-date in any of its three
/// forms) as whole seconds from `now`: rounded up, at least 1, at most retry_after_max_s.
/// nullopt when empty or malformed.
std::optional<int> parse_retry_after(std::string_view value,
                                     std::chrono::system_clock::time_point now = std::chrono::system_clock::now());

/// Upstream text made fit to show a model: invalid UTF-8 replaced (U+FFFD), control and
/// bidirectional-formatting characters dropped or made spaces, whitespace runs collapsed, cut at
/// a character boundary to at most `max_bytes` ("..." ends a cut text).
std::string sanitize(std::string_view text, std::size_t max_bytes = 200);

/// The error for an answer that is not a success from `service` (its name for the model, e.g.
/// "billing API"). `reason` is what the upstream said (its error message): shown, sanitized,
/// only when the caller can act on it (400, 404, 409, 422, ...); `retry_after` is the
/// Retry-After header's value ("" when absent). Returns a tool_error to throw.
tool_error for_status(std::string_view service, int status, std::string_view reason = {},
                      std::string_view retry_after = {});
/// The error for a call that got no answer.
tool_error for_failure(std::string_view service, failure f);

/// What an upstream call may spend: the tool's time left (context::cancellation().remaining())
/// less `margin`, to answer in, and at most `cap`. Zero when nothing is left.
std::chrono::milliseconds budget(const context& ctx, std::chrono::milliseconds cap = std::chrono::milliseconds::max(),
                                 std::chrono::milliseconds margin = std::chrono::milliseconds(50));

/// Runs `fn(budget(ctx, cap))` (fn bounds its upstream call by that budget) and returns what it
/// returns. `abort`, if given, runs should the call be cancelled while `fn` runs (the deadline,
/// the client leaving): on the cancelling thread, which may be an I/O thread, so it must only
/// signal (close a socket, cancel a request handle), never block. Throws, without calling
/// `fn`, a SERVER_ERROR coded CANCELLED when the call was cancelled already, and
/// for_failure(service, failure::timeout) when no time is left.
template <class F>
auto call(context& ctx, std::string_view service, F&& fn, std::function<void()> abort = nullptr,
          std::chrono::milliseconds cap = std::chrono::milliseconds::max())
    -> std::invoke_result_t<F, std::chrono::milliseconds> {
  if (ctx.cancelled())
    throw server_error("The call was cancelled before " + sanitize(service, 80) + " was called", "CANCELLED", true);
  auto b = budget(ctx, cap);
  if (b <= std::chrono::milliseconds::zero()) throw for_failure(service, failure::timeout);
  cancellation_token::registration on_cancel;
  if (abort) on_cancel = ctx.cancellation().on_cancel(std::move(abort));
  return std::invoke(std::forward<F>(fn), b);
}

}  // namespace mcpx::upstream
