#pragma once
// The resource server's parts, built from options::auth at start: the authenticator, one
// issuer client per trusted authorization server (discovery, JWKS, refresh), the stages on the
// request path and the RFC 9728 metadata document.
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "auth/authenticator.hpp"
#include "auth/introspection.hpp"
#include "auth/issuer_client.hpp"
#include "mcpx/options.hpp"
#include "ops/health.hpp"
#include "ops/log.hpp"
#include "ops/metrics.hpp"
#include "ops/router.hpp"
#include "protocol/registry.hpp"
#include "transport/streamable_http.hpp"

namespace mcpx::core {

namespace net = boost::asio;

class auth_setup {
 public:
  /// Checks the options (throws std::invalid_argument naming the key) and builds the
  /// authenticator and the stages, inserted into `tr`'s pipeline.
  auth_setup(const auth_options& o, const protocol::registry& reg, transport::streamable_http& tr);
  ~auth_setup();

  /// Serves the protected-resource metadata, adds the readiness check and the metrics.
  void publish(ops::router& r, ops::health& h, ops::metrics& m);
  /// Starts the issuer clients on `ex` (an I/O thread's executor); keys load in the background.
  void start(net::any_io_executor ex, std::shared_ptr<ops::logger> log);
  /// Stops the issuer clients; before the io_contexts go.
  void stop();

  /// {"resource": ..., "authorization_servers": [...], ...} (RFC 9728 2).
  const std::string& metadata_json() const noexcept { return metadata_; }
  /// Where clients find it: the path-inserted URL for this resource (RFC 9728 3.1).
  const std::string& metadata_url() const noexcept { return metadata_url_; }

 private:
  struct shared;  // what the refetch callback and the consumers share with this object
  auth_options opts_;
  std::shared_ptr<auth::authenticator> authn_;
  std::shared_ptr<net::ssl::context> tls_;          // the issuers' CA store when auth.ca_file is set
  std::shared_ptr<auth::introspector> introspect_;  // when auth.introspection is on
  std::shared_ptr<shared> shared_;
  std::string metadata_, metadata_url_;
  std::vector<std::string> metadata_paths_;
};

}  // namespace mcpx::core
