#pragma once
/// @file Errors a handler throws. The dispatcher turns each into a tool result with
/// `isError: true` and `structuredContent.error = {type, code, message, recoverable, retry_after?}`,
/// so an LLM can self-correct (CLIENT_ERROR), retry later (EXTERNAL_ERROR) or give up (SERVER_ERROR).
/// Any other exception becomes SERVER_ERROR with a sanitized message and a correlation id.
#include <boost/json.hpp>
#include <optional>
#include <stdexcept>
#include <string>

namespace mcpx {

enum class error_class { client, server, external };

/// "CLIENT_ERROR", "SERVER_ERROR" or "EXTERNAL_ERROR".
std::string_view to_string(error_class c) noexcept;

class tool_error : public std::runtime_error {
 public:
  tool_error(error_class cls, std::string code, std::string message, bool recoverable,
             std::optional<int> retry_after_seconds = std::nullopt, boost::json::value details = nullptr)
      : std::runtime_error(std::move(message)),
        cls_(cls),
        code_(std::move(code)),
        recoverable_(recoverable),
        retry_after_(retry_after_seconds),
        details_(std::move(details)) {}
  error_class cls() const noexcept { return cls_; }
  const std::string& code() const noexcept { return code_; }
  bool recoverable() const noexcept { return recoverable_; }
  std::optional<int> retry_after() const noexcept { return retry_after_; }
  const boost::json::value& details() const noexcept { return details_; }

 private:
  error_class cls_;
  std::string code_;
  bool recoverable_;
  std::optional<int> retry_after_;
  boost::json::value details_;
};

/// The caller can fix it: bad input, missing permission, unknown id. Recoverable by default.
class client_error : public tool_error {
 public:
  explicit client_error(std::string message, std::string code = "INVALID_ARGUMENT", bool recoverable = true,
                        std::optional<int> retry_after_seconds = std::nullopt)
      : tool_error(error_class::client, std::move(code), std::move(message), recoverable, retry_after_seconds) {}
};

/// A dependency failed (upstream API, database). Recoverable; say when to retry.
class external_error : public tool_error {
 public:
  explicit external_error(std::string message, std::optional<int> retry_after_seconds = 30,
                          std::string code = "UPSTREAM_UNAVAILABLE", bool recoverable = true)
      : tool_error(error_class::external, std::move(code), std::move(message), recoverable, retry_after_seconds) {}
};

/// Our own failure. The message is shown to the client: keep internals out of it.
class server_error : public tool_error {
 public:
  explicit server_error(std::string message, std::string code = "INTERNAL", bool recoverable = false)
      : tool_error(error_class::server, std::move(code), std::move(message), recoverable) {}
};

/// A protocol-level error (JSON-RPC error response) a resource or prompt handler can throw,
/// e.g. an unknown resource. Tool handlers should throw tool_error instead.
class protocol_error : public std::runtime_error {
 public:
  protocol_error(int code, std::string message, boost::json::value data = nullptr)
      : std::runtime_error(std::move(message)), code_(code), data_(std::move(data)) {}
  int code() const noexcept { return code_; }
  const boost::json::value& data() const noexcept { return data_; }

 private:
  int code_;
  boost::json::value data_;
};

}  // namespace mcpx
