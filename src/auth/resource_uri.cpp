#include "auth/resource_uri.hpp"

namespace mcpx::auth {

namespace {

char lower(char c) { return c >= 'A' && c <= 'Z' ? char(c - 'A' + 'a') : c; }

// Where the case-insensitive part ends: scheme "://" authority. [user_begin, user_end) is the
// userinfo, which stays case-sensitive. Zero when the URI has no authority.
struct uri_head {
  std::size_t end = 0, user_begin = 0, user_end = 0;
};

uri_head head_of(std::string_view u) {
  auto sep = u.find("://");
  if (sep == std::string_view::npos || sep == 0 || u.substr(0, sep).find_first_of("/?#") != std::string_view::npos)
    return {};
  uri_head h;
  h.end = u.find_first_of("/?#", sep + 3);
  if (h.end == std::string_view::npos) h.end = u.size();
  auto at = u.substr(0, h.end).rfind('@');
  h.user_begin = h.user_end = sep + 3;
  if (at != std::string_view::npos && at > sep) h.user_end = at;
  return h;
}

}  // namespace

bool same_resource_uri(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  auto ha = head_of(a), hb = head_of(b);
  if (ha.end != hb.end || ha.user_end != hb.user_end) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    bool folded = i < ha.end && !(i >= ha.user_begin && i < ha.user_end);
    if (folded ? lower(a[i]) != lower(b[i]) : a[i] != b[i]) return false;
  }
  return true;
}

std::string_view without_query(std::string_view uri) noexcept {
  return uri.substr(0, std::min(uri.find_first_of("?#"), uri.size()));
}

}  // namespace mcpx::auth
