#pragma once
// What the access log and the metrics say about one request: the connection's HTTP side plus
// the MCP side the transport fills in (from the I/O thread, or a worker before the reply is
// complete).
#include "http/types.hpp"

namespace mcpx::ops {

struct access_record final : http::request_record {
  std::string rpc_method, name, rpc_id, session, client, protocol_version;
  std::string error_class;  ///< CLIENT_ERROR | SERVER_ERROR | EXTERNAL_ERROR, empty on success
  std::string error_code;

  void clear() override {
    request_record::clear();
    for (auto* s : {&rpc_method, &name, &rpc_id, &session, &client, &protocol_version, &error_class, &error_code})
      s->clear();
  }
  /// The access record of a request, or null when nobody logs it (or it is a plain HTTP one).
  static access_record* of(const http::peer_info& peer) noexcept {
    return dynamic_cast<access_record*>(peer.record.get());
  }
};

}  // namespace mcpx::ops
