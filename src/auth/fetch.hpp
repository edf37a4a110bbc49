#pragma once
// A small asynchronous HTTP(S) client for the JSON documents an OAuth issuer publishes
// (RFC 8414 metadata, JWKS, RFC 7662 introspection answers). Bounded in time and size,
// TLS-verified, no redirects, plain http only to loopback. Never blocks the calling thread.
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/json/value.hpp>
#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace mcpx::auth {

namespace net = boost::asio;

/// Why a fetch failed; to_string() gives a stable name (metric label, log field).
enum class fetch_error {
  none,
  bad_url,       ///< not an absolute http(s) URL with a host
  insecure,      ///< plain http to a host that is not loopback
  resolve,       ///< DNS resolution failed
  connect,       ///< no endpoint accepted the connection
  tls,           ///< handshake failed: certificate not trusted, name mismatch, protocol
  timeout,       ///< connect or total timeout passed
  cancelled,     ///< the caller emitted its cancellation signal
  io,            ///< the connection failed mid-exchange
  protocol,      ///< not a well-formed HTTP/1.1 response
  redirect,      ///< 3xx: redirects are not followed
  status,        ///< a status other than 200
  too_large,     ///< body or header block over its limit
  content_type,  ///< not a JSON media type
  json,          ///< body is not JSON
};
std::string_view to_string(fetch_error e) noexcept;

struct fetch_options {
  std::chrono::milliseconds connect_timeout{5000};  ///< resolution and TCP connect
  std::chrono::milliseconds timeout{5000};          ///< the whole exchange, connect included
  std::size_t body_limit = 1024 * 1024;
  std::size_t header_limit = 16 * 1024;
  /// Trust anchors for https. Null: the system CA store (system_tls_context()).
  std::shared_ptr<net::ssl::context> tls;
  std::string user_agent = "mcpx";
  /// Emit (any type) on the caller's executor to abandon the fetch; it then completes
  /// promptly with fetch_error::cancelled. Unconnected: not cancellable.
  net::cancellation_slot cancel;
};

struct fetch_result {
  fetch_error error = fetch_error::none;
  std::string detail;  ///< what went wrong, in words (empty when ok)
  unsigned status = 0;
  boost::json::value body;                      ///< the parsed document when ok
  std::optional<std::chrono::seconds> max_age;  ///< from Cache-Control (0 for no-store/no-cache)

  bool ok() const noexcept { return error == fetch_error::none; }
  /// "tls: certificate verify failed (unable to get local issuer certificate)".
  std::string message() const;
};

/// GET `url` and parse the JSON answer. The I/O runs on a strand of `ex`; the caller resumes
/// on its own executor. Never throws.
net::awaitable<fetch_result> fetch_json(net::any_io_executor ex, std::string url, fetch_options opts);

struct basic_credentials {
  std::string user, password;  ///< each form-urlencoded before base64, as RFC 6749 2.3.1 asks
};

/// POST an application/x-www-form-urlencoded body (see form_encode) and parse the JSON answer.
net::awaitable<fetch_result> post_form_json(net::any_io_executor ex, std::string url, std::string form_body,
                                            fetch_options opts, std::optional<basic_credentials> auth = {});

/// "a=1&b=x%20y": each name and value percent-encoded (all but unreserved characters).
std::string form_encode(const std::vector<std::pair<std::string, std::string>>& fields);

/// A client context: peer verification on, TLS 1.2 at least, trusting `ca_file` (PEM) or,
/// when empty, the system store. Throws std::runtime_error when the file cannot be loaded.
std::shared_ptr<net::ssl::context> make_tls_context(const std::string& ca_file = {});
/// The process-wide system-store context (made on first use).
std::shared_ptr<net::ssl::context> system_tls_context();

/// max-age of a Cache-Control value: nullopt when absent, 0 for no-store / no-cache.
std::optional<std::chrono::seconds> cache_max_age(std::string_view cache_control);
/// application/json, application/jwk-set+json and any other application/*+json, with params.
bool is_json_media_type(std::string_view content_type);

}  // namespace mcpx::auth
