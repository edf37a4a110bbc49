#include "redis/options.hpp"

#include <boost/beast/core/string.hpp>
#include <boost/url/parse.hpp>
#include <charconv>
#include <climits>
#include <stdexcept>

namespace mcpx::redis {

namespace {

using boost::beast::iequals;  // ASCII case-insensitive

// "" or "/" is db 0; "/N" is db N. Anything else (a longer path) is a typo worth refusing.
bool parse_db(std::string_view path, int& db, std::string& why) {
  if (path.empty() || path == "/") return true;
  auto digits = path.substr(1);
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), db);
  if (ec != std::errc{} || end != digits.data() + digits.size() || db < 0) {
    why = "the path must be /<database number>, got '" + std::string(path.substr(0, 40)) + "'";
    return false;
  }
  return true;
}

bool parse_host(const boost::urls::url_view& u, url_parts& out, std::string& why) {
  switch (u.host_type()) {
    case boost::urls::host_type::ipv4: out.host = u.host_ipv4_address().to_string(); break;
    case boost::urls::host_type::ipv6: out.host = u.host_ipv6_address().to_string(); break;
    case boost::urls::host_type::name: out.host = u.host_name(); break;
    default: why = "unsupported host"; return false;
  }
  out.host_is_ip = u.host_type() != boost::urls::host_type::name;
  if (out.host.empty()) {
    why = "no host";
    return false;
  }
  if (u.has_port()) {
    // Read here: Boost.URL keeps an out-of-range port modulo 2^16.
    std::string_view p = u.port();
    unsigned n = 0;
    auto [end, ec] = std::from_chars(p.data(), p.data() + p.size(), n);
    if (p.empty() || ec != std::errc{} || end != p.data() + p.size() || n == 0 || n > 65535) {
      why = "bad port '" + std::string(p.substr(0, 10)) + "'";
      return false;
    }
    out.port = static_cast<std::uint16_t>(n);
  }
  return true;
}

}  // namespace

std::optional<url_parts> parse_url(std::string_view url, std::string& why) {
  auto parsed = boost::urls::parse_uri(url);
  if (!parsed) {
    why = "not a URL (expected redis://[[user]:password@]host[:port][/db])";
    return std::nullopt;
  }
  const auto& u = *parsed;
  url_parts out;
  if (iequals(u.scheme(), "rediss")) out.tls = true;
  else if (!iequals(u.scheme(), "redis")) {
    why = "the scheme must be redis:// or rediss://, got '" + std::string(u.scheme().substr(0, 20)) + "'";
    return std::nullopt;
  }
  if (!u.has_authority()) {
    why = "no host";
    return std::nullopt;
  }
  if (!parse_host(u, out, why)) return std::nullopt;
  if (u.has_userinfo()) {
    out.username = u.user();
    if (u.has_password()) {
      out.password = u.password();
      if (out.password->empty()) {
        why = "an empty password after ':' in the URL";
        return std::nullopt;
      }
    }
  }
  if (u.has_query() || u.has_fragment()) {
    why = "query and fragment are not supported";
    return std::nullopt;
  }
  if (!parse_db(u.encoded_path(), out.db, why)) return std::nullopt;
  return out;
}

settings make_settings(const options& o) {
  auto refuse = [](const std::string& field, const std::string& why) {
    throw std::invalid_argument("redis." + field + ": " + why);
  };
  auto ms = [](std::chrono::milliseconds d) { return std::to_string(d.count()) + " ms"; };
  std::string why;
  auto target = parse_url(o.url, why);
  if (!target) refuse("url", why);
  if (!o.password.empty()) {
    if (target->password) refuse("password", "given both in the URL and as a password; give it once");
    target->password = o.password;
  }
  if (!target->username.empty() && !target->password)
    refuse("url", "a user name needs a password (in the URL or as redis.password)");
  if (!target->tls && !(o.ca_file.empty() && o.cert_file.empty() && o.key_file.empty()))
    refuse("url", "TLS files are given, but the URL is redis:// (use rediss:// for TLS)");
  if (o.cert_file.empty() != o.key_file.empty()) refuse("cert_file", "cert_file and key_file go together");
  if (o.pool_size < 1 || o.pool_size > 64) refuse("pool_size", "must be 1..64, got " + std::to_string(o.pool_size));
  if (o.connect_timeout.count() <= 0) refuse("connect_timeout", "must be positive, got " + ms(o.connect_timeout));
  if (o.command_timeout.count() <= 0) refuse("command_timeout", "must be positive, got " + ms(o.command_timeout));
  if (o.stall_timeout < o.command_timeout)
    refuse("stall_timeout",
           "must be at least command_timeout (" + ms(o.command_timeout) + "), got " + ms(o.stall_timeout));
  if (o.reconnect_min.count() <= 0) refuse("reconnect_min", "must be positive, got " + ms(o.reconnect_min));
  if (o.reconnect_max < o.reconnect_min)
    refuse("reconnect_max", "must be at least reconnect_min (" + ms(o.reconnect_min) + "), got " + ms(o.reconnect_max));
  if (o.queue_limit < 1) refuse("queue_limit", "must be at least 1");
  return settings{std::move(*target), o.ca_file,         o.cert_file,       o.key_file,
                  o.pool_size,        o.connect_timeout, o.command_timeout, o.stall_timeout,
                  o.reconnect_min,    o.reconnect_max,   o.queue_limit};
}

}  // namespace mcpx::redis
