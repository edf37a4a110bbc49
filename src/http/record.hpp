#pragma once
// Making the records on_done receives: one per request, and one per refusal.
#include <memory>
#include <string>

#include "http/server.hpp"

namespace mcpx::http {

/// Writes 16 hex digits into `out` (a request id), reusing its buffer.
void random_id(std::string& out);

/// The record of a request whose header was read: times, request and trace ids, method,
/// target, remote. `mine` (the connection's) is reused, its strings keeping their capacity,
/// unless a worker or task still holds it.
std::shared_ptr<request_record> start_record(std::shared_ptr<request_record>& mine, const request& req,
                                             const std::string& remote, const server_config& cfg);

/// The record of something refused before a request's header was read: times, a new id and
/// the remote address only.
std::shared_ptr<request_record> start_record(std::shared_ptr<request_record>& mine, const std::string& remote,
                                             const server_config& cfg);

}  // namespace mcpx::http
