// mcpx::upstream: an upstream's outcome as the classified error a handler throws, Retry-After,
// what of the upstream's text a model may see, and the time an upstream call may take.
#include <gtest/gtest.h>

#include <mcpx/upstream.hpp>
#include <thread>

#include "fakes.hpp"
#include "protocol/handler_context.hpp"

using namespace mcpx;
using namespace std::chrono_literals;
namespace up = mcpx::upstream;

namespace {

struct expected {
  int status;
  error_class cls;
  std::string code;
  bool recoverable;
  std::optional<int> retry_after;
};

void check(const tool_error& e, const expected& x) {
  SCOPED_TRACE("HTTP " + std::to_string(x.status) + ": " + e.what());
  EXPECT_EQ(e.cls(), x.cls);
  EXPECT_EQ(e.code(), x.code);
  EXPECT_EQ(e.recoverable(), x.recoverable);
  EXPECT_EQ(e.retry_after(), x.retry_after);
  // Recoverable external errors say when; the rest have nothing to wait for.
  if (e.cls() == error_class::external) {
    EXPECT_EQ(e.recoverable(), e.retry_after().has_value());
  }
  EXPECT_NE(std::string(e.what()).find("billing API"), std::string::npos);
}

}  // namespace

TEST(upstream, statuses_that_are_the_callers_fault_are_client_errors_with_the_upstreams_reason) {
  for (int s : {400, 413, 414, 416, 422})
    check(up::for_status("billing API", s, "amount must be positive"),
          {s, error_class::client, "INVALID_ARGUMENT", true, std::nullopt});
  for (int s : {404, 410}) check(up::for_status("billing API", s), {s, error_class::client, "NOT_FOUND", true, {}});
  for (int s : {409, 412}) check(up::for_status("billing API", s), {s, error_class::client, "CONFLICT", true, {}});
  auto e = up::for_status("billing API", 422, "amount must be positive");
  EXPECT_EQ(std::string(e.what()), "billing API refused the request as invalid (HTTP 422): amount must be positive");
}

TEST(upstream, this_servers_credentials_are_no_fault_of_the_model_and_not_worth_retrying) {
  for (int s : {401, 403, 407})
    check(up::for_status("billing API", s, "token expired"),
          {s, error_class::external, "UPSTREAM_AUTH_FAILED", false, std::nullopt});
  // What the upstream said about our credentials is for operators, not for the model.
  EXPECT_EQ(std::string(up::for_status("billing API", 401, "token expired").what()).find("token"), std::string::npos);
}

TEST(upstream, rate_limits_and_unavailability_are_recoverable_with_their_retry_after) {
  check(up::for_status("billing API", 429, "", "17"), {429, error_class::external, "UPSTREAM_RATE_LIMITED", true, 17});
  check(up::for_status("billing API", 429),
        {429, error_class::external, "UPSTREAM_RATE_LIMITED", true, up::retry_rate_limited_s});
  check(up::for_status("billing API", 503, "", "120"), {503, error_class::external, "UPSTREAM_UNAVAILABLE", true, 120});
  check(up::for_status("billing API", 503, "", "soon"),
        {503, error_class::external, "UPSTREAM_UNAVAILABLE", true, up::retry_unavailable_s});
  check(up::for_status("billing API", 502), {502, error_class::external, "UPSTREAM_UNAVAILABLE", true, 10});
  check(up::for_status("billing API", 504), {504, error_class::external, "UPSTREAM_TIMEOUT", true, 5});
  check(up::for_status("billing API", 408), {408, error_class::external, "UPSTREAM_TIMEOUT", true, 5});
}

TEST(upstream, other_server_errors_are_recoverable_and_do_not_show_the_upstreams_text) {
  for (int s : {500, 507, 520, 599})
    check(up::for_status("billing API", s, "java.lang.NullPointerException at db.internal:5432"),
          {s, error_class::external, "UPSTREAM_ERROR", true, up::retry_unavailable_s});
  EXPECT_EQ(std::string(up::for_status("billing API", 500, "db.internal:5432").what()).find("5432"), std::string::npos);
  check(up::for_status("billing API", 500, "", "3"), {500, error_class::external, "UPSTREAM_ERROR", true, 3});
  for (int s : {501, 505})
    check(up::for_status("billing API", s), {s, error_class::external, "UPSTREAM_REJECTED", false, std::nullopt});
}

TEST(upstream, other_4xx_are_this_servers_integration_and_odd_statuses_unusable) {
  for (int s : {402, 405, 406, 411, 415, 418, 451, 499})
    check(up::for_status("billing API", s, "Content-Type must be application/xml"),
          {s, error_class::external, "UPSTREAM_REJECTED", false, std::nullopt});
  for (int s : {0, 200, 204, 302, 600, -1})
    check(up::for_status("billing API", s), {s, error_class::external, "UPSTREAM_BAD_RESPONSE", false, std::nullopt});
}

TEST(upstream, failures_without_an_answer) {
  using f = up::failure;
  check(up::for_failure("billing API", f::timeout), {0, error_class::external, "UPSTREAM_TIMEOUT", true, 5});
  check(up::for_failure("billing API", f::connection_refused),
        {0, error_class::external, "UPSTREAM_UNAVAILABLE", true, 10});
  check(up::for_failure("billing API", f::connection_reset),
        {0, error_class::external, "UPSTREAM_UNAVAILABLE", true, 10});
  check(up::for_failure("billing API", f::dns), {0, error_class::external, "UPSTREAM_UNAVAILABLE", true, 30});
  check(up::for_failure("billing API", f::tls), {0, error_class::external, "UPSTREAM_TLS_FAILED", false, std::nullopt});
  EXPECT_NE(std::string(up::for_failure("", f::timeout).what()).find("the upstream service"), std::string::npos);
}

TEST(upstream, retry_after_as_seconds_or_an_http_date_rounded_up_never_zero) {
  auto now = std::chrono::system_clock::from_time_t(784111777);  // Sun, 06 Nov 1994 08:49:37 GMT
  EXPECT_EQ(up::parse_retry_after("120", now), 120);
  EXPECT_EQ(up::parse_retry_after(" 7 ", now), 7);
  EXPECT_EQ(up::parse_retry_after("0", now), 1);
  EXPECT_EQ(up::parse_retry_after("99999999999999999999", now), up::retry_after_max_s);
  EXPECT_EQ(up::parse_retry_after("Sun, 06 Nov 1994 08:50:37 GMT", now), 60);
  EXPECT_EQ(up::parse_retry_after("Sunday, 06-Nov-94 08:50:37 GMT", now), 60);        // RFC 850
  EXPECT_EQ(up::parse_retry_after("Sun Nov  6 08:50:37 1994", now), 60);              // asctime
  EXPECT_EQ(up::parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", now + 300ms), 1);  // past: at least 1
  EXPECT_EQ(up::parse_retry_after("Sun, 06 Nov 1994 08:49:38 GMT", now + 300ms), 1);  // 0.7 s: rounded up
  EXPECT_EQ(up::parse_retry_after("Sun, 06 Nov 1994 08:49:39 GMT", now + 300ms), 2);  // 1.7 s: rounded up
  EXPECT_EQ(up::parse_retry_after("Fri, 06 Nov 2099 08:49:37 GMT", now), up::retry_after_max_s);
  for (auto bad : {"", "  ", "-5", "1.5", "soon", "Sun, 06 Nov 1994 08:49:37", "Sun, 32 Nov 1994 08:49:37 GMT",
                   "Sun, 06 Foo 1994 08:49:37 GMT", "Sun, 06 Nov 1994 25:49:37 GMT", "Sun, 06 Nov 1994 08:49:37 GMTx"})
    EXPECT_FALSE(up::parse_retry_after(bad, now)) << bad;
}

TEST(upstream, sanitize_keeps_text_readable_bounded_and_valid_utf8) {
  EXPECT_EQ(up::sanitize("  amount\tmust\r\n be   positive  "), "amount must be positive");
  EXPECT_EQ(up::sanitize("a\x01"
                         "b\x7f"
                         "c"),
            "a b c");
  EXPECT_EQ(up::sanitize("caf\xC3\xA9"), "caf\xC3\xA9");  // é stays
  EXPECT_EQ(up::sanitize("bad\xFF"
                         "byte"),
            "bad\xEF\xBF\xBD"
            "byte");                                                                // U+FFFD
  EXPECT_EQ(up::sanitize("\xC0\xAF"), "\xEF\xBF\xBD\xEF\xBF\xBD");                  // overlong '/'
  EXPECT_EQ(up::sanitize("\xED\xA0\x80"), "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");  // a surrogate
  EXPECT_EQ(up::sanitize("evil\xE2\x80\xAEtxt.exe"), "eviltxt.exe");                // RIGHT-TO-LEFT OVERRIDE dropped
  EXPECT_EQ(up::sanitize("line\xE2\x80\xA8next"), "line next");                     // LINE SEPARATOR
  EXPECT_EQ(up::sanitize(std::string(300, 'x')).size(), 200u);
  EXPECT_EQ(up::sanitize(std::string(300, 'x')).substr(197), "...");
  EXPECT_EQ(up::sanitize("abcdef", 6), "abcdef");
  EXPECT_EQ(up::sanitize("abcdefg", 6), "abc...");
  // A cut never splits a character: "é" is two bytes.
  auto cut = up::sanitize("\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9", 7);
  EXPECT_EQ(cut, "\xC3\xA9\xC3\xA9...");
  EXPECT_EQ(up::sanitize("hello world and more", 9), "hello...");  // no space before the marker
  EXPECT_EQ(up::sanitize("", 200), "");
}

TEST(upstream, a_long_reason_reaches_the_model_bounded) {
  auto e = up::for_status("billing API", 400, std::string(5000, 'r'));
  EXPECT_LT(std::string(e.what()).size(), 300u);
}

namespace {

// A context over a request_outbound-like token: the fake outbound has none, so this gives one.
class token_outbound final : public protocol::outbound {
 public:
  explicit token_outbound(std::chrono::steady_clock::time_point deadline) : token(deadline) {}
  void notify(json::object) override {}
  std::optional<json::value> call_client(std::string_view, json::object, std::string* e) override {
    *e = "none";
    return std::nullopt;
  }
  bool cancelled() const noexcept override { return false; }
  mcpx::cancellation_token* cancellation() noexcept override { return &token; }
  void respond(const json::value&, protocol::outcome_kind) override {}
  bool release_stream(unsigned) override { return false; }
  mcpx::cancellation_token token;
};

}  // namespace

TEST(upstream, budget_is_the_tools_time_left_less_a_margin_and_capped) {
  auto c = test::modern_call("tools/call", {{"name", "t"}});
  token_outbound timed(std::chrono::steady_clock::now() + 2s);
  protocol::handler_context ctx(c, timed, 1s);
  auto b = up::budget(ctx);
  EXPECT_GT(b, 1800ms);
  EXPECT_LE(b, 1950ms);
  EXPECT_EQ(up::budget(ctx, 300ms), 300ms);
  EXPECT_LE(up::budget(ctx, std::chrono::milliseconds::max(), 1900ms), 100ms);

  token_outbound unbounded(std::chrono::steady_clock::time_point::max());
  protocol::handler_context free_ctx(c, unbounded, 1s);
  EXPECT_EQ(up::budget(free_ctx, 5s), 5s);
  EXPECT_EQ(up::budget(free_ctx), std::chrono::milliseconds::max());

  token_outbound past(std::chrono::steady_clock::now() - 1ms);
  protocol::handler_context late(c, past, 1s);
  EXPECT_EQ(up::budget(late), 0ms);
}

TEST(upstream, call_passes_the_budget_aborts_on_cancel_and_refuses_when_no_time_is_left) {
  auto c = test::modern_call("tools/call", {{"name", "t"}});
  token_outbound out(std::chrono::steady_clock::now() + 5s);
  protocol::handler_context ctx(c, out, 1s);
  EXPECT_EQ(up::call(ctx, "billing API", [](std::chrono::milliseconds b) { return b > 4s && b <= 5s; }), true);

  // The abort hook runs when the call is cancelled while the upstream call is under way.
  std::atomic<bool> aborted{false};
  auto result = up::call(
      ctx, "billing API",
      [&](std::chrono::milliseconds) {
        std::thread client_leaves([&] { out.token.cancel(cancel_reason::client); });
        client_leaves.join();
        return aborted.load() ? "aborted" : "finished";
      },
      [&] { aborted = true; });
  EXPECT_STREQ(result, "aborted");
  try {
    up::call(ctx, "billing API", [](std::chrono::milliseconds) { return 0; });
    ADD_FAILURE() << "a cancelled call must not reach the upstream";
  } catch (const tool_error& e) {
    EXPECT_EQ(e.code(), "CANCELLED");
  }

  token_outbound fresh(std::chrono::steady_clock::now() + 5s);
  protocol::handler_context tight(c, fresh, 1s);
  try {
    up::call(
        tight, "billing API", [](std::chrono::milliseconds) { return 0; }, nullptr, 0ms);  // a budget of 0
    ADD_FAILURE() << "no budget left must not reach the upstream";
  } catch (const tool_error& e) {
    EXPECT_EQ(e.code(), "UPSTREAM_TIMEOUT");
    EXPECT_EQ(e.cls(), error_class::external);
  }
}
