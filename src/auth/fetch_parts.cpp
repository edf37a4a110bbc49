// The pure parts of the fetch client: names, header values, form encoding, TLS contexts.
#include <openssl/ssl.h>

#include <boost/asio/ssl.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/url/encode.hpp>
#include <boost/url/rfc/unreserved_chars.hpp>
#include <charconv>
#include <stdexcept>

#include "auth/fetch.hpp"

namespace mcpx::auth {

std::string_view to_string(fetch_error e) noexcept {
  switch (e) {
    case fetch_error::none: return "none";
    case fetch_error::bad_url: return "bad_url";
    case fetch_error::insecure: return "insecure";
    case fetch_error::resolve: return "resolve";
    case fetch_error::connect: return "connect";
    case fetch_error::tls: return "tls";
    case fetch_error::timeout: return "timeout";
    case fetch_error::cancelled: return "cancelled";
    case fetch_error::io: return "io";
    case fetch_error::protocol: return "protocol";
    case fetch_error::redirect: return "redirect";
    case fetch_error::status: return "status";
    case fetch_error::too_large: return "too_large";
    case fetch_error::content_type: return "content_type";
    case fetch_error::json: return "json";
  }
  return "unknown";
}

std::string fetch_result::message() const {
  if (ok()) return "ok";
  std::string m(to_string(error));
  if (!detail.empty()) m += ": " + detail;
  return m;
}

namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

using boost::beast::iequals;  // ASCII case-insensitive

}  // namespace

// Beast parses the header block but not the grammar of Cache-Control's directives; this is
// the small part of RFC 9111 5.2 we need.
std::optional<std::chrono::seconds> cache_max_age(std::string_view cc) {
  std::optional<std::chrono::seconds> out;
  while (!cc.empty()) {
    auto comma = cc.find(',');
    auto item = trim(cc.substr(0, comma));
    cc = comma == std::string_view::npos ? std::string_view{} : cc.substr(comma + 1);
    auto eq = item.find('=');
    auto name = trim(item.substr(0, eq));
    if (iequals(name, "no-store") || iequals(name, "no-cache")) return std::chrono::seconds(0);
    if (!iequals(name, "max-age") || eq == std::string_view::npos) continue;
    auto v = trim(item.substr(eq + 1));
    if (v.size() >= 2 && v.front() == '"' && v.back() == '"') v = v.substr(1, v.size() - 2);
    std::int64_t n = 0;
    auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
    if (ec == std::errc::result_out_of_range) n = std::numeric_limits<std::int32_t>::max();
    else if (ec != std::errc() || p != v.data() + v.size() || n < 0) continue;
    out = std::chrono::seconds(std::min<std::int64_t>(n, std::numeric_limits<std::int32_t>::max()));
  }
  return out;
}

bool is_json_media_type(std::string_view ct) {
  auto type = trim(ct.substr(0, ct.find(';')));
  constexpr std::string_view app = "application/";
  if (type.size() <= app.size() || !iequals(type.substr(0, app.size()), app)) return false;
  auto sub = type.substr(app.size());
  if (iequals(sub, "json")) return true;
  return sub.size() > 5 && iequals(sub.substr(sub.size() - 5), "+json");
}

std::string form_encode(const std::vector<std::pair<std::string, std::string>>& fields) {
  std::string out;
  for (const auto& [k, v] : fields) {
    if (!out.empty()) out += '&';
    out += boost::urls::encode(k, boost::urls::unreserved_chars);
    out += '=';
    out += boost::urls::encode(v, boost::urls::unreserved_chars);
  }
  return out;
}

std::shared_ptr<net::ssl::context> make_tls_context(const std::string& ca_file) {
  auto ctx = std::make_shared<net::ssl::context>(net::ssl::context::tls_client);
  if (SSL_CTX_set_min_proto_version(ctx->native_handle(), TLS1_2_VERSION) != 1)
    throw std::runtime_error("cannot require TLS 1.2");
  ctx->set_verify_mode(net::ssl::verify_peer);
  boost::system::error_code ec;
  if (ca_file.empty()) ctx->set_default_verify_paths(ec);
  else ctx->load_verify_file(ca_file, ec);
  if (ec)
    throw std::runtime_error("cannot load " + (ca_file.empty() ? std::string("the system CA store") : ca_file) + ": " +
                             ec.message());
  return ctx;
}

std::shared_ptr<net::ssl::context> system_tls_context() {
  static const auto ctx = make_tls_context();
  return ctx;
}

}  // namespace mcpx::auth
