// mcpx-probe: a tiny static HTTP health probe for Docker HEALTHCHECKs in images without curl, a shell or Python.
//
//   mcpx-probe [-v] [--timeout SECONDS] [--allow-localhost] URL
//
// Sends "GET path HTTP/1.1" and exits 0 on a 2xx status line, 1 on anything else (refused, non-2xx, malformed,
// timeout), 2 on bad usage. The whole probe (connect + send + read) is bounded by --timeout (default 5 s).
// Names are never resolved (no getaddrinfo, so static linking stays clean): "localhost" is only accepted with
// --allow-localhost and then means 127.0.0.1, falling back to ::1.
#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstdarg>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <string_view>

#include "url.hpp"

namespace {

using mcpx::probe::host_kind;

constexpr const char* usage_text =
    "usage: mcpx-probe [-v] [--timeout SECONDS] [--allow-localhost] URL\n"
    "  URL: http://HOST[:PORT][/path], HOST an IPv4 literal (127.0.0.1) or a bracketed IPv6 literal ([::1])\n"
    "  --timeout SECONDS  bound on the whole probe, fractions allowed (default 5)\n"
    "  --allow-localhost  accept 'localhost' and try 127.0.0.1, then ::1\n"
    "  -v                 report the status line on success too\n"
    "exit status: 0 on a 2xx response, 1 on any other outcome, 2 on bad usage\n";

// One line on stderr, prefixed with the program name. No iostreams: they would bloat the static binary.
[[gnu::format(printf, 1, 2)]] void say(const char* fmt, ...) {
  char line[1024];
  int n = std::snprintf(line, sizeof line, "mcpx-probe: ");
  va_list ap;
  va_start(ap, fmt);
  const int m = std::vsnprintf(line + n, sizeof line - n - 1, fmt, ap);
  va_end(ap);
  if (m > 0) n = n + m < int(sizeof line) - 2 ? n + m : int(sizeof line) - 2;  // truncated if too long
  for (int i = 0; i < n; ++i)  // the URL comes from the user: keep the message a single printable line
    if (static_cast<unsigned char>(line[i]) < 0x20 || line[i] == 0x7f) line[i] = '?';
  line[n++] = '\n';
  (void)!write(STDERR_FILENO, line, static_cast<std::size_t>(n));
}

int usage_error(const char* what, const char* arg = "") {
  say("%s%s (try --help)", what, arg);
  return 2;
}

std::int64_t now_ms() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return std::int64_t{ts.tv_sec} * 1000 + ts.tv_nsec / 1000000;
}

// Waits until `fd` is ready for `events` or the deadline passes. Returns 1 if ready, 0 on timeout, -1 on error.
int wait_for(int fd, short events, std::int64_t deadline) {
  for (;;) {
    const std::int64_t left = deadline - now_ms();
    if (left <= 0) return 0;
    pollfd p{fd, events, 0};
    const int r = poll(&p, 1, static_cast<int>(left));
    if (r > 0) return 1;
    if (r < 0 && errno != EINTR) return -1;
  }
}

struct endpoint {
  sockaddr_storage addr{};
  socklen_t len = 0;
  char text[INET6_ADDRSTRLEN + 8] = {};  // "127.0.0.1:80" or "[::1]:80", for messages
};

endpoint make_endpoint(const in_addr* v4, const in6_addr* v6, std::uint16_t port) {
  endpoint e;
  char ip[INET6_ADDRSTRLEN] = {};
  if (v4) {
    auto* sa = reinterpret_cast<sockaddr_in*>(&e.addr);
    sa->sin_family = AF_INET;
    sa->sin_port = htons(port);
    sa->sin_addr = *v4;
    e.len = sizeof *sa;
    inet_ntop(AF_INET, v4, ip, sizeof ip);
    std::snprintf(e.text, sizeof e.text, "%s:%u", ip, unsigned{port});
  } else {
    auto* sa = reinterpret_cast<sockaddr_in6*>(&e.addr);
    sa->sin6_family = AF_INET6;
    sa->sin6_port = htons(port);
    sa->sin6_addr = *v6;
    e.len = sizeof *sa;
    inet_ntop(AF_INET6, v6, ip, sizeof ip);
    std::snprintf(e.text, sizeof e.text, "[%s]:%u", ip, unsigned{port});
  }
  return e;
}

// Non-blocking connect bounded by the deadline. Returns the socket, or -1 with the reason in `why`.
int connect_to(const endpoint& e, std::int64_t deadline, char* why, std::size_t why_size) {
  const int fd = socket(e.addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    std::snprintf(why, why_size, "connect to %s: %s", e.text, std::strerror(errno));
    return -1;
  }
  int err = 0;
  if (connect(fd, reinterpret_cast<const sockaddr*>(&e.addr), e.len) != 0) {
    err = errno;
    if (err == EINPROGRESS) {
      const int r = wait_for(fd, POLLOUT, deadline);
      socklen_t len = sizeof err;
      if (r == 0) err = ETIMEDOUT;
      else if (r < 0 || getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0) err = errno;
    }
  }
  if (err == 0) return fd;
  std::snprintf(why, why_size, "connect to %s: %s", e.text, err == ETIMEDOUT ? "timed out" : std::strerror(err));
  close(fd);
  return -1;
}

// Copies `s` for an error message: printable ASCII only, at most 80 characters.
void printable(std::string_view s, char* out, std::size_t out_size) {
  std::size_t n = 0;
  for (const char c : mcpx::probe::detail::sub(s, 0, 80)) {
    if (n + 1 >= out_size) break;
    out[n++] = (c >= 0x20 && c < 0x7f) ? c : '?';
  }
  out[n] = '\0';
}

// "HTTP/1.1 200 OK" -> 200; -1 if the line is not an HTTP/1.x status line.
int parse_status(std::string_view line) {
  auto digit = [](char c) { return c >= '0' && c <= '9'; };
  if (line.size() < 12 || !line.starts_with("HTTP/") || !digit(line[5]) || line[6] != '.' || !digit(line[7]) ||
      line[8] != ' ' || !digit(line[9]) || !digit(line[10]) || !digit(line[11]) ||
      (line.size() > 12 && line[12] != ' '))
    return -1;
  return (line[9] - '0') * 100 + (line[10] - '0') * 10 + (line[11] - '0');
}

}  // namespace

int main(int argc, char** argv) {
  double timeout = 5.0;
  bool allow_localhost = false, verbose = false;
  const char* url_text = nullptr;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    const char* value = nullptr;
    if (arg == "-h" || arg == "--help") {
      (void)!write(STDOUT_FILENO, usage_text, std::strlen(usage_text));
      return 0;
    } else if (arg == "-v" || arg == "--verbose") {
      verbose = true;
    } else if (arg == "--allow-localhost") {
      allow_localhost = true;
    } else if (arg == "--timeout") {
      if (++i == argc) return usage_error("--timeout needs a value in seconds");
      value = argv[i];
    } else if (arg.starts_with("--timeout=")) {
      value = argv[i] + 10;
    } else if (arg.size() > 1 && arg[0] == '-') {
      return usage_error("unknown option ", argv[i]);
    } else if (url_text) {
      return usage_error("more than one URL given: ", argv[i]);
    } else {
      url_text = argv[i];
    }
    if (value) {
      char* end = nullptr;
      errno = 0;
      timeout = std::strtod(value, &end);
      if (end == value || *end != '\0' || errno != 0 || !std::isfinite(timeout) || timeout <= 0 || timeout > 86400)
        return usage_error("--timeout must be a number of seconds between 0 and 86400, not ", value);
    }
  }
  if (!url_text) return usage_error("no URL given");

  mcpx::probe::url url;
  if (const char* problem = mcpx::probe::parse_url(url_text, url)) {
    say("%s: %s", url_text, problem);
    return 2;
  }
  if (url.kind == host_kind::localhost && !allow_localhost) {
    say("%s: 'localhost' is not resolved; use http://127.0.0.1:%u/ or http://[::1]:%u/ (or pass --allow-localhost)",
        url_text, unsigned{url.port}, unsigned{url.port});
    return 2;
  }

  const std::int64_t deadline = now_ms() + static_cast<std::int64_t>(std::ceil(timeout * 1000));
  const in_addr loopback4{htonl(INADDR_LOOPBACK)};
  endpoint candidates[2];
  int count = 0;
  if (url.kind == host_kind::ipv4) candidates[count++] = make_endpoint(&url.v4, nullptr, url.port);
  if (url.kind == host_kind::ipv6) candidates[count++] = make_endpoint(nullptr, &url.v6, url.port);
  if (url.kind == host_kind::localhost) {
    candidates[count++] = make_endpoint(&loopback4, nullptr, url.port);
    candidates[count++] = make_endpoint(nullptr, &in6addr_loopback, url.port);
  }

  // Connect: the first candidate that accepts wins; the failures are collected for the message.
  char why[512] = {};
  int fd = -1;
  for (int i = 0; i < count && fd < 0; ++i) {
    const std::size_t used = std::strlen(why);
    if (used) std::snprintf(why + used, sizeof why - used, "; ");
    const std::size_t at = std::strlen(why);
    fd = connect_to(candidates[i], deadline, why + at, sizeof why - at);
  }
  if (fd < 0) {
    say("%s: %s", url_text, why);
    return 1;
  }

  // Send the request.
  char request[mcpx::probe::max_url_length + 512];
  const bool needs_slash = url.target.empty() || url.target.front() != '/';
  const int request_len = std::snprintf(request, sizeof request,
                                        "GET %s%.*s HTTP/1.1\r\nHost: %.*s\r\nUser-Agent: mcpx-probe\r\n"
                                        "Accept: */*\r\nConnection: close\r\n\r\n",
                                        needs_slash ? "/" : "", int(url.target.size()), url.target.data(),
                                        int(url.authority.size()), url.authority.data());
  for (int sent = 0; sent < request_len;) {
    const ssize_t n = send(fd, request + sent, static_cast<std::size_t>(request_len - sent), MSG_NOSIGNAL);
    if (n > 0) {
      sent += static_cast<int>(n);
    } else if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
      if (const int r = wait_for(fd, POLLOUT, deadline); r <= 0) {
        say("%s: sending the request: %s", url_text, r == 0 ? "timed out" : std::strerror(errno));
        return 1;
      }
    } else {
      say("%s: sending the request: %s", url_text, std::strerror(errno));
      return 1;
    }
  }

  // Read up to the end of the status line; the rest of the response is irrelevant.
  char buf[1024];
  std::size_t len = 0;
  const char* eol = nullptr;
  while (!eol) {
    if (len == sizeof buf) {
      say("%s: status line longer than %zu bytes", url_text, sizeof buf);
      return 1;
    }
    const ssize_t n = recv(fd, buf + len, sizeof buf - len, 0);
    if (n > 0) {
      eol = static_cast<const char*>(std::memchr(buf + len, '\n', static_cast<std::size_t>(n)));
      len += static_cast<std::size_t>(n);
    } else if (n == 0) {
      say("%s: connection closed %s", url_text, len ? "in the middle of the status line" : "without a response");
      return 1;
    } else if (errno == EAGAIN || errno == EINTR) {
      if (const int r = wait_for(fd, POLLIN, deadline); r <= 0) {
        if (r == 0) say("%s: no status line within %gs", url_text, timeout);
        if (r < 0) say("%s: reading the response: %s", url_text, std::strerror(errno));
        return 1;
      }
    } else {
      say("%s: reading the response: %s", url_text, std::strerror(errno));
      return 1;
    }
  }
  close(fd);

  std::string_view line(buf, static_cast<std::size_t>(eol - buf));
  if (line.ends_with('\r')) line.remove_suffix(1);
  char shown[96];
  printable(line, shown, sizeof shown);
  const int status = parse_status(line);
  if (status < 0) {
    say("%s: malformed status line \"%s\"", url_text, shown);
    return 1;
  }
  const char* reason = std::strlen(shown) > 9 ? shown + 9 : "";  // "200 OK" without "HTTP/1.1 "
  if (status < 200 || status > 299) {
    say("%s: %s", url_text, reason);
    return 1;
  }
  if (verbose) say("%s: %s", url_text, reason);
  return 0;
}
