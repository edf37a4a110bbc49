#include "core/auth_setup.hpp"

#include <boost/json/serialize.hpp>
#include <mutex>
#include <set>
#include <stdexcept>

#include "auth/fetch.hpp"
#include "transport/auth_stages.hpp"

namespace mcpx::core {

namespace {

namespace json = boost::json;

bool loopback_host(std::string_view host) { return host == "localhost" || host == "[::1]" || host.starts_with("127."); }

// "https://h:p/path?q" -> {"https://h:p", "/path"}.
std::pair<std::string, std::string> origin_and_path(const std::string& uri) {
  auto sep = uri.find("://");
  auto slash = uri.find('/', sep + 3);
  if (slash == std::string::npos) return {uri.substr(0, uri.find('?')), ""};
  auto path = uri.substr(slash);
  path = path.substr(0, path.find('?'));
  if (path == "/") path.clear();
  return {uri.substr(0, slash), path};
}

std::string host_of(const std::string& uri) {
  auto sep = uri.find("://");
  auto rest = uri.substr(sep + 3);
  rest = rest.substr(0, rest.find_first_of("/?#"));
  if (!rest.empty() && rest.front() == '[') return rest.substr(0, rest.find(']') + 1);
  return rest.substr(0, rest.find(':'));
}

void check_uri(const std::string& key, const std::string& uri) {
  if (uri.starts_with("https://")) return;
  if (uri.starts_with("http://") && loopback_host(host_of(uri))) return;
  throw std::invalid_argument("mcpx: " + key + " must be an https:// URL (http:// only on loopback addresses): " + uri);
}

void check_introspection(const auth_options& o) {
  const auto& in = o.introspection;
  if (!in.enabled()) return;
  if (in.client_secret.empty())
    throw std::invalid_argument(
        "mcpx: auth.introspection.client_secret_file is required with auth.introspection.client_id");
  if (!in.endpoint.empty()) check_uri("auth.introspection.endpoint", in.endpoint);
  if (in.issuer.empty()) return;
  for (const auto& i : o.issuers)
    if (i.issuer == in.issuer) return;
  throw std::invalid_argument("mcpx: auth.introspection.issuer must be one of auth.issuers: " + in.issuer);
}

std::vector<std::string> scopes_supported(const protocol::registry& reg, const auth_options& o) {
  std::set<std::string> all;
  auto add = [&all](const access_policy& a) { all.insert(a.scopes.begin(), a.scopes.end()); };
  for (const auto& t : reg.tools()) add(t->access);
  for (const auto& r : reg.resources()) add(r->access);
  for (const auto& r : reg.templates()) add(r->access);
  for (const auto& p : reg.prompts()) add(p->access);
  for (const auto& [scope, implied] : o.scope_implies) {
    all.insert(scope);
    all.insert(implied.begin(), implied.end());
  }
  return {all.begin(), all.end()};
}

}  // namespace

// The clients are made once the I/O threads run (they need an executor), while requests may
// already ask for a refetch: hence the lock (taken on unknown kids and readiness probes only).
struct auth_setup::shared {
  std::mutex mu;
  std::vector<std::shared_ptr<auth::issuer_client>> issuers;  // filled by start()
  std::shared_ptr<ops::logger> log;                           // set by start()

  std::shared_ptr<auth::issuer_client> at(std::size_t i) {
    std::lock_guard lock(mu);
    return i < issuers.size() ? issuers[i] : nullptr;
  }
  std::shared_ptr<ops::logger> logger() {
    std::lock_guard lock(mu);
    return log;
  }
  std::vector<std::shared_ptr<auth::issuer_client>> all() {
    std::lock_guard lock(mu);
    return issuers;
  }
};

auth_setup::auth_setup(const auth_options& o, const protocol::registry& reg, transport::streamable_http& tr)
    : opts_(o), shared_(std::make_shared<shared>()) {
  if (o.resource.empty())
    throw std::invalid_argument("mcpx: auth.resource (this server's canonical URI) is required with auth.issuers");
  check_uri("auth.resource", o.resource);
  for (const auto& i : o.issuers) check_uri("auth.issuers", i.issuer);
  check_introspection(o);
  if (!o.ca_file.empty()) tls_ = auth::make_tls_context(o.ca_file);
  authn_ = std::make_shared<auth::authenticator>(auth::authenticator_config_of(o));
  if (o.introspection.enabled()) {
    auth::introspection_config ic;
    ic.endpoint = o.introspection.endpoint;
    ic.client_id = o.introspection.client_id;
    ic.client_secret = o.introspection.client_secret;
    ic.active_ttl = o.introspection.cache_ttl;
    ic.max_entries = o.introspection.cache_entries;
    ic.max_in_flight = o.introspection.max_in_flight;
    ic.fetch.tls = tls_;
    introspect_ = std::make_shared<auth::introspector>(std::move(ic));
    authn_->set_introspector(introspect_);
  }

  auto [origin, path] = origin_and_path(o.resource);
  metadata_paths_ = {"/.well-known/oauth-protected-resource"};
  if (!path.empty()) metadata_paths_.push_back(metadata_paths_[0] + path);
  metadata_url_ = origin + metadata_paths_.back();

  json::object m;
  m["resource"] = o.resource;
  json::array servers;
  for (const auto& i : o.issuers) servers.emplace_back(i.issuer);
  m["authorization_servers"] = std::move(servers);
  json::array scopes;
  for (auto& s : scopes_supported(reg, o)) scopes.emplace_back(s);
  m["scopes_supported"] = std::move(scopes);
  m["bearer_methods_supported"] = json::array{"header"};
  if (!o.resource_name.empty()) m["resource_name"] = o.resource_name;
  if (o.dpop != dpop_mode::off) {
    m["dpop_signing_alg_values_supported"] = json::array{"ES256", "RS256", "PS256", "EdDSA"};
    m["dpop_bound_access_tokens_required"] = o.dpop == dpop_mode::required;
  }
  metadata_ = json::serialize(m);

  transport::auth_stage_config sc;
  sc.resource_metadata = metadata_url_;
  sc.dpop = o.dpop;
  sc.refetch = [s = shared_](std::size_t i) -> net::awaitable<void> {
    if (auto c = s->at(i)) co_await c->refetch_for_unknown_kid();
  };
  if (introspect_) {
    const std::size_t at = authn_->config().introspection_issuer;
    sc.introspect = [s = shared_, in = introspect_, at](std::string token) -> net::awaitable<void> {
      // The endpoint: configured, else the one the issuer's metadata names (known once discovered).
      std::string endpoint = in->config().endpoint;
      if (endpoint.empty())
        if (auto c = s->at(at))
          if (auto m = c->metadata())
            if (const auto* e = m->if_contains("introspection_endpoint"); e && e->is_string())
              endpoint = std::string(e->get_string());
      auto r = co_await in->introspect(std::move(token), std::move(endpoint));
      if (r && r->what == auth::introspection_result::kind::failed)
        if (auto log = s->logger()) log->event(ops::level::warning, "token introspection failed", r->error);
    };
  }
  tr.stages().insert_after("host_origin", std::make_unique<transport::authenticate_stage>(*authn_, reg, sc));
  tr.stages().insert_after("session", std::make_unique<transport::scope_stage>(reg, sc));
}

auth_setup::~auth_setup() { stop(); }

void auth_setup::publish(ops::router& r, ops::health& h, ops::metrics& m) {
  for (const auto& p : metadata_paths_) r.add_document(p, "application/json", metadata_);
  // Without an issuer's keys none of its tokens can be checked: not ready until each loaded once.
  // The listener opens before start() makes the issuer clients (they need a running I/O thread):
  // until then there is no client to ask, and no key either.
  h.add_local_check("auth_issuers", [s = shared_, expected = opts_.issuers.size()](std::string& detail) {
    auto all = s->all();
    if (all.size() < expected) {
      detail = "issuer clients not started yet";
      return false;
    }
    bool ok = true;
    detail.clear();
    for (const auto& i : all) {
      if (!detail.empty()) detail += "; ";
      detail += i->config().issuer + ": " + i->status();
      ok = ok && i->ready();
    }
    return ok;
  });
  auto sum = [s = shared_](auto field) {
    return [s, field] {
      double n = 0;
      for (const auto& i : s->all()) n += double((i->counters().*field).load());
      return n;
    };
  };
  m.add_reading("mcpx_auth_jwks_refreshes_total", "JWKS fetches accepted, all issuers.", "counter",
                sum(&auth::issuer_counters::refresh_ok));
  m.add_reading("mcpx_auth_jwks_refresh_failures_total", "Discovery or JWKS fetches that failed, all issuers.",
                "counter", sum(&auth::issuer_counters::refresh_failed));
  m.add_reading("mcpx_auth_unknown_kid_refetches_total", "JWKS refetches started for a token's unknown kid.", "counter",
                sum(&auth::issuer_counters::unknown_kid_started));
  m.add_reading("mcpx_auth_unknown_kid_throttled_total",
                "Unknown-kid refetches not started (one already ran within the interval).", "counter",
                sum(&auth::issuer_counters::unknown_kid_throttled));
  m.add_reading("mcpx_auth_token_verifications_total", "Access tokens whose signature was checked.", "counter",
                [a = authn_] { return double(a->verifications()); });
  m.add_reading("mcpx_auth_token_cache_hits_total", "Requests whose token was found verified in the cache.", "counter",
                [a = authn_] { return double(a->cache_hits()); });
  if (!introspect_) return;
  auto count = [in = introspect_](auto field) {
    return [in, field] { return double((in->counters().*field).load()); };
  };
  m.add_reading("mcpx_auth_introspections_total", "Token introspection calls answered (RFC 7662).", "counter",
                count(&auth::introspection_counters::fetched));
  m.add_reading("mcpx_auth_introspection_failures_total", "Token introspection calls that failed.", "counter",
                count(&auth::introspection_counters::failed));
  m.add_reading("mcpx_auth_introspection_busy_total",
                "Token introspections not started (auth.introspection.max_in_flight under way).", "counter",
                count(&auth::introspection_counters::busy));
  m.add_reading("mcpx_auth_introspection_cache_hits_total", "Introspection answers found cached.", "counter",
                count(&auth::introspection_counters::cache_hits));
}

void auth_setup::start(net::any_io_executor ex, std::shared_ptr<ops::logger> log) {
  if (!opts_.required)
    log->write(ops::level::warning,
               "auth.required is false: requests without a token are served as anonymous; for local development only");
  {
    std::lock_guard lock(shared_->mu);
    shared_->log = log;
  }
  for (std::size_t i = 0; i < opts_.issuers.size(); ++i) {
    auth::issuer_config ic;
    ic.issuer = opts_.issuers[i].issuer;
    ic.refresh_interval = opts_.jwks_refresh;
    ic.min_refresh = std::min<std::chrono::milliseconds>(ic.min_refresh, opts_.jwks_refresh);
    ic.unknown_kid_interval = opts_.unknown_kid_refetch;
    ic.fetch.tls = tls_;
    auto consumer = [a = authn_, i, log, issuer = ic.issuer](const json::value& jwks, std::string* why) {
      if (a->set_keys(i, jwks, why)) return true;
      log->event(ops::level::warning, "issuer keys refused", issuer + ": " + (why ? *why : std::string()));
      return false;
    };
    auto c = auth::issuer_client::create(ex, std::move(ic), std::move(consumer));
    c->start();
    std::lock_guard lock(shared_->mu);
    shared_->issuers.push_back(std::move(c));
  }
}

void auth_setup::stop() {
  for (auto& c : shared_->all()) c->stop();
  std::lock_guard lock(shared_->mu);
  shared_->issuers.clear();  // the clients must not outlive their io_context
}

}  // namespace mcpx::core
