#pragma once
// Why a command completed without a reply. A Redis error reply ("-ERR ...") is not one of
// these: it arrives as a reply of kind error.
#include <boost/system/error_code.hpp>
#include <type_traits>

namespace mcpx::redis {

enum class errc {
  timeout = 1,      ///< no reply within options::command_timeout (a late reply is discarded)
  not_connected,    ///< no connection of the pool is ready (down, connecting, auth refused)
  connection_lost,  ///< the connection broke (or stalled) with the command sent or queued
  stopped,          ///< the client was stopped (or destroyed) first
  queue_full,       ///< the connection already had options::queue_limit commands waiting
  empty_command,    ///< no arguments: Redis would not answer, and the replies would fall out of step
};

/// The category of errc ("mcpx.redis"); its messages are stable metric/log words.
const boost::system::error_category& error_category() noexcept;

inline boost::system::error_code make_error_code(errc e) noexcept { return {static_cast<int>(e), error_category()}; }

}  // namespace mcpx::redis

template <>
struct boost::system::is_error_code_enum<mcpx::redis::errc> : std::true_type {};
