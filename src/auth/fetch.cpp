// One HTTP/1.1 exchange per fetch (Connection: close), on a strand of its own. A watchdog
// timer bounds the whole of it by closing the socket, so no step needs its own timeout.
#include "auth/fetch.hpp"

#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/json/parse.hpp>
#include <boost/url/encode.hpp>
#include <boost/url/parse.hpp>
#include <boost/url/rfc/unreserved_chars.hpp>

#include "util/base64.hpp"
#include "util/http_feed.hpp"

namespace mcpx::auth {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = net::ip::tcp;
using clock = std::chrono::steady_clock;
using boost::system::error_code;

namespace {

struct target {
  bool tls = false;
  std::string host;  ///< DNS name (lowercase) or IP text without brackets
  std::optional<net::ip::address> ip;
  std::string host_header;  ///< as written in the URL, with the port when given
  std::uint16_t port = 0;
  std::string path;  ///< path and query
};

bool loopback(const net::ip::address& a) {
  if (a.is_v6() && a.to_v6().is_v4_mapped())
    return net::ip::make_address_v4(net::ip::v4_mapped, a.to_v6()).is_loopback();
  return a.is_loopback();
}

fetch_result failure(fetch_error e, std::string detail) {
  fetch_result r;
  r.error = e;
  r.detail = std::move(detail);
  return r;
}

std::optional<fetch_result> parse_target(std::string_view url, target& t) {
  auto u = boost::urls::parse_absolute_uri(url);
  if (!u) return failure(fetch_error::bad_url, "not an absolute URL");
  if (u->scheme_id() == boost::urls::scheme::https) t.tls = true;
  else if (u->scheme_id() != boost::urls::scheme::http) return failure(fetch_error::bad_url, "scheme is not http(s)");
  if (u->has_userinfo()) return failure(fetch_error::bad_url, "credentials in the URL");
  switch (u->host_type()) {
    case boost::urls::host_type::ipv4: t.ip = net::ip::address_v4(u->host_ipv4_address().to_uint()); break;
    case boost::urls::host_type::ipv6: {
      auto b = u->host_ipv6_address().to_bytes();
      net::ip::address_v6::bytes_type nb;
      std::copy(b.begin(), b.end(), nb.begin());
      t.ip = net::ip::address_v6(nb);
      break;
    }
    case boost::urls::host_type::name: {
      t.host = u->host();
      for (auto& c : t.host) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      if (t.host.empty()) return failure(fetch_error::bad_url, "no host");
      break;
    }
    default: return failure(fetch_error::bad_url, "unsupported host");
  }
  if (t.ip) t.host = t.ip->to_string();
  t.port = t.tls ? 443 : 80;
  if (u->has_port()) {
    if (u->port().empty() || u->port_number() == 0) return failure(fetch_error::bad_url, "bad port");
    t.port = u->port_number();
  }
  t.host_header = std::string(u->encoded_host_and_port());
  t.path = std::string(u->encoded_path());
  if (t.path.empty()) t.path = "/";
  if (u->has_query()) t.path += "?" + std::string(u->encoded_query());
  // Plain http is for tests and local development: only where no network can see it.
  if (!t.tls && !(t.ip ? loopback(*t.ip) : t.host == "localhost"))
    return failure(fetch_error::insecure, "plain http is allowed only to loopback hosts, not " + t.host);
  return std::nullopt;
}

/// What a fetch owns that the watchdog and a cancellation may touch (all on `ex`).
struct session {
  explicit session(net::strand<net::any_io_executor> s) : ex(s), watchdog(s), gate(s), resolver(s), sock(s) {}

  void abort(fetch_error why) {
    if (aborted != fetch_error::none) return;
    aborted = why;
    error_code ignored;
    resolver.cancel();
    gate.cancel();
    sock.close(ignored);
  }
  void arm(const std::shared_ptr<session>& self, clock::time_point at) {
    watchdog.expires_at(at);
    watchdog.async_wait([self](error_code ec) {
      if (!ec) self->abort(fetch_error::timeout);
    });
  }

  net::strand<net::any_io_executor> ex;
  net::steady_timer watchdog;
  net::steady_timer gate;  ///< what the coroutine waits on while the resolver works
  tcp::resolver resolver;
  tcp::socket sock;
  fetch_error aborted = fetch_error::none;
};

// getaddrinfo cannot be interrupted, so the coroutine does not wait for the resolver itself:
// it waits on `gate`, which the resolver's completion or an abort (timeout, cancel) opens.
net::awaitable<std::pair<error_code, tcp::resolver::results_type>> resolve(std::shared_ptr<session> s,
                                                                           const target& t) {
  auto out = std::make_shared<std::pair<error_code, tcp::resolver::results_type>>(net::error::timed_out,
                                                                                  tcp::resolver::results_type{});
  s->gate.expires_at(clock::time_point::max());
  s->resolver.async_resolve(t.host, std::to_string(t.port),
                            net::bind_executor(s->ex, [s, out](error_code ec, tcp::resolver::results_type r) {
                              if (s->aborted != fetch_error::none) return;
                              *out = {ec, std::move(r)};
                              s->gate.cancel();
                            }));
  error_code ignored;
  if (s->aborted == fetch_error::none) co_await s->gate.async_wait(net::redirect_error(net::use_awaitable, ignored));
  co_return *out;
}

fetch_result io_failure(const session& s, fetch_error e, std::string what, error_code ec) {
  if (s.aborted != fetch_error::none)
    return failure(s.aborted, s.aborted == fetch_error::timeout ? "no answer in time (" + what + ")" : what);
  return failure(e, what + ": " + ec.message());
}

fetch_result judge(bhttp::response<bhttp::string_body>& res) {
  fetch_result r;
  r.status = res.result_int();
  if (r.status >= 300 && r.status < 400) {
    auto loc = res[bhttp::field::location];
    return failure(fetch_error::redirect, "HTTP " + std::to_string(r.status) + " to '" +
                                              std::string(loc.substr(0, 200)) + "' (redirects are not followed)");
  }
  if (r.status != 200) {
    auto f = failure(fetch_error::status, "HTTP " + std::to_string(r.status));
    f.status = r.status;
    return f;
  }
  auto ct = res[bhttp::field::content_type];
  if (!is_json_media_type(ct))
    return failure(fetch_error::content_type,
                   ct.empty() ? std::string("no Content-Type") : "Content-Type " + std::string(ct.substr(0, 100)));
  error_code ec;
  r.body = boost::json::parse(res.body(), ec);
  if (ec) return failure(fetch_error::json, ec.message());
  if (auto cc = res[bhttp::field::cache_control]; !cc.empty()) r.max_age = cache_max_age(cc);
  return r;
}

template <class Stream>
net::awaitable<fetch_result> exchange(Stream& stream, session& s, bhttp::request<bhttp::string_body>& req,
                                      const fetch_options& o) {
  error_code ec;
  co_await bhttp::async_write(stream, req, net::redirect_error(net::use_awaitable, ec));
  if (ec) co_return io_failure(s, fetch_error::io, "sending the request", ec);
  bhttp::response_parser<bhttp::string_body> p;
  p.body_limit(o.body_limit);
  p.header_limit(static_cast<std::uint32_t>(std::min<std::size_t>(o.header_limit, UINT32_MAX)));
  beast::flat_buffer buf;
  ec = co_await util::http_feed::read_message(stream, buf, p);
  if (ec == bhttp::error::body_limit)
    co_return failure(fetch_error::too_large, "body over " + std::to_string(o.body_limit) + " bytes");
  if (ec == bhttp::error::header_limit)
    co_return failure(fetch_error::too_large, "header block over " + std::to_string(o.header_limit) + " bytes");
  if (ec && ec.category() == bhttp::make_error_code(bhttp::error::end_of_stream).category() &&
      s.aborted == fetch_error::none)
    co_return failure(fetch_error::protocol, ec.message());
  if (ec) co_return io_failure(s, fetch_error::io, "reading the response", ec);
  co_return judge(p.get());
}

std::string tls_failure(SSL* ssl, const error_code& ec) {
  auto v = SSL_get_verify_result(ssl);
  if (v != X509_V_OK) return std::string("certificate verify failed (") + X509_verify_cert_error_string(v) + ")";
  return "handshake failed: " + ec.message();
}

net::awaitable<fetch_result> run(std::shared_ptr<session> s, target t, bhttp::request<bhttp::string_body> req,
                                 fetch_options o) {
  const auto deadline = clock::now() + o.timeout;
  if (s->aborted != fetch_error::none) co_return failure(s->aborted, "before it started");
  s->arm(s, std::min(deadline, clock::now() + o.connect_timeout));
  std::vector<tcp::endpoint> eps;
  if (t.ip) {
    eps.emplace_back(*t.ip, t.port);
  } else {
    auto [ec, found] = co_await resolve(s, t);
    if (s->aborted != fetch_error::none || ec)
      co_return io_failure(*s, fetch_error::resolve, "resolving " + t.host, ec);
    for (const auto& e : found)
      if (t.tls || loopback(e.endpoint().address())) eps.push_back(e.endpoint());
    if (eps.empty()) co_return failure(fetch_error::insecure, t.host + " resolves to no loopback address");
  }
  error_code ec;
  co_await net::async_connect(s->sock, eps, net::redirect_error(net::use_awaitable, ec));
  if (ec || s->aborted != fetch_error::none)
    co_return io_failure(*s, fetch_error::connect, "connecting to " + t.host, ec);
  s->arm(s, deadline);
  if (!t.tls) co_return co_await exchange(s->sock, *s, req, o);

  auto ctx = o.tls;
  if (!ctx) {
    try {
      ctx = system_tls_context();
    } catch (const std::exception& e) {
      co_return failure(fetch_error::tls, e.what());
    }
  }
  net::ssl::stream<tcp::socket&> tls(s->sock, *ctx);
  SSL* ssl = tls.native_handle();
  // Name checks by OpenSSL (RFC 6125); SNI carries names only (RFC 6066 3).
  bool set = t.ip ? X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), t.host.c_str()) == 1
                  : SSL_set1_host(ssl, t.host.c_str()) == 1 && SSL_set_tlsext_host_name(ssl, t.host.c_str()) == 1;
  if (!set) co_return failure(fetch_error::tls, "cannot set the expected host name");
  co_await tls.async_handshake(net::ssl::stream_base::client, net::redirect_error(net::use_awaitable, ec));
  if (ec) {
    if (s->aborted != fetch_error::none) co_return io_failure(*s, fetch_error::tls, "TLS handshake", ec);
    co_return failure(fetch_error::tls, tls_failure(ssl, ec));
  }
  co_return co_await exchange(tls, *s, req, o);
}

net::awaitable<fetch_result> start(net::any_io_executor ex, std::string_view url,
                                   bhttp::request<bhttp::string_body> req, fetch_options o) {
  target t;
  if (auto refused = parse_target(url, t)) co_return std::move(*refused);
  req.target(t.path);
  req.set(bhttp::field::host, t.host_header);
  req.set(bhttp::field::user_agent, o.user_agent);
  req.set(bhttp::field::accept, "application/json, application/jwk-set+json");
  req.set(bhttp::field::connection, "close");
  req.prepare_payload();

  auto s = std::make_shared<session>(net::make_strand(ex));
  auto slot = o.cancel;
  if (slot.is_connected())
    slot.assign([s](net::cancellation_type) { net::post(s->ex, [s] { s->abort(fetch_error::cancelled); }); });
  fetch_result r;
  try {
    r = co_await net::co_spawn(s->ex, run(s, std::move(t), std::move(req), std::move(o)), net::use_awaitable);
  } catch (const std::exception& e) {
    r = failure(fetch_error::io, e.what());
  }
  if (slot.is_connected()) slot.clear();
  // The socket and timers go on the strand, where their handlers run.
  net::post(s->ex, [s] {
    error_code ignored;
    s->watchdog.cancel();
    s->sock.close(ignored);
  });
  co_return r;
}

}  // namespace

net::awaitable<fetch_result> fetch_json(net::any_io_executor ex, std::string url, fetch_options opts) {
  bhttp::request<bhttp::string_body> req{bhttp::verb::get, "/", 11};
  co_return co_await start(std::move(ex), url, std::move(req), std::move(opts));
}

net::awaitable<fetch_result> post_form_json(net::any_io_executor ex, std::string url, std::string form_body,
                                            fetch_options opts, std::optional<basic_credentials> auth) {
  bhttp::request<bhttp::string_body> req{bhttp::verb::post, "/", 11};
  req.set(bhttp::field::content_type, "application/x-www-form-urlencoded");
  if (auth) {
    auto enc = [](const std::string& s) { return boost::urls::encode(s, boost::urls::unreserved_chars); };
    req.set(bhttp::field::authorization, "Basic " + util::base64_encode(enc(auth->user) + ":" + enc(auth->password)));
  }
  req.body() = std::move(form_body);
  co_return co_await start(std::move(ex), url, std::move(req), std::move(opts));
}

}  // namespace mcpx::auth
