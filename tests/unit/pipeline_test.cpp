// The pipeline that chains the request path's stages, and the one table that turns outcomes
// and refusals into HTTP statuses and bodies (transport/statuses.hpp).
#include <gtest/gtest.h>

#include "exchange_fakes.hpp"
#include "transport/statuses.hpp"

using namespace mcpx;
using namespace mcpx::test;
using namespace mcpx::transport;
namespace json = boost::json;

namespace {

origin_config only_localhost() {
  origin_config c;
  c.allowed_hosts = {"localhost"};
  return c;
}

// A stage that refuses nothing and counts what reaches it.
class probe_stage final : public stage {
 public:
  explicit probe_stage(std::string_view name, unsigned methods = on_any) : stage(name, methods, {}) {}
  std::optional<refusal> check(exchange&) const override {
    ++seen;
    return std::nullopt;
  }
  mutable int seen = 0;
};

}  // namespace

TEST(stage_pipeline, stops_at_the_first_refusal_and_counts_it) {
  pipeline p;
  p.add(std::make_unique<host_origin_stage>(only_localhost()));
  p.add(std::make_unique<media_type_stage>());
  auto tail_owned = std::make_unique<probe_stage>("tail");
  auto& tail = *tail_owned;
  p.add(std::move(tail_owned));
  const auto& host = *p.stages()[0];
  const auto& media = *p.stages()[1];

  incoming bad_type(verb::post, {{"Host", "localhost"}, {"Content-Type", "text/plain"}});
  auto r = p.run(bad_type.x);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->reason, "unsupported_media_type");
  EXPECT_EQ(tail.seen, 0);
  EXPECT_EQ(count_of(media, "unsupported_media_type"), 1u);
  EXPECT_EQ(count_of(host, "forbidden_host"), 0u);

  // The first stage refuses: the media check never runs, so only the host counter moves.
  incoming bad_host(verb::post, {{"Host", "evil.example"}, {"Content-Type", "text/plain"}});
  r = p.run(bad_host.x);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->reason, "forbidden_host");
  EXPECT_EQ(count_of(host, "forbidden_host"), 1u);
  EXPECT_EQ(count_of(media, "unsupported_media_type"), 1u);

  // A GET skips the POST-only media check and reaches the end.
  incoming get(verb::get, {{"Host", "localhost"}});
  EXPECT_FALSE(p.run(get.x));
  EXPECT_EQ(tail.seen, 1);
}

// Was a bug (failed before the fix): stage::applies_to knew only POST, GET and DELETE, so a
// stage for every method (host/origin, and later authentication) skipped PUT, PATCH, OPTIONS.
TEST(stage_pipeline, on_any_stages_see_every_method) {
  pipeline p;
  p.add(std::make_unique<host_origin_stage>(only_localhost()));
  incoming put(verb::put, {{"Host", "evil.example"}});
  auto r = p.run(put.x);
  ASSERT_TRUE(r) << "a PUT from a foreign Host went past host_origin";
  EXPECT_EQ(r->reason, "forbidden_host");
}

TEST(stage_pipeline, insert_after_places_a_stage_after_the_named_one) {
  pipeline p;
  p.add(std::make_unique<probe_stage>("a"));
  p.add(std::make_unique<probe_stage>("c"));
  p.insert_after("a", std::make_unique<probe_stage>("b"));
  p.insert_after("no_such_stage", std::make_unique<probe_stage>("d"));
  p.insert_after("d", std::make_unique<probe_stage>("e"));
  std::vector<std::string_view> names;
  for (auto& s : p.stages()) names.push_back(s->name());
  EXPECT_EQ(names, (std::vector<std::string_view>{"a", "b", "c", "d", "e"}));
}

TEST(stage_statuses, outcome_kinds_map_to_statuses_per_era) {
  using protocol::outcome_kind;
  using protocol::revision;
  struct row {
    outcome_kind kind;
    unsigned modern, legacy;
  };
  // Legacy clients expect 200 for every JSON-RPC answer; 2026-07-28 tells intermediaries.
  for (auto [kind, modern, legacy] :
       {row{outcome_kind::ok, 200, 200}, row{outcome_kind::accepted, 202, 202}, row{outcome_kind::invalid, 400, 200},
        row{outcome_kind::not_found, 404, 200}, row{outcome_kind::failed, 200, 200}}) {
    EXPECT_EQ(status_for(kind, revision::v2026_07_28), modern) << int(kind);
    for (auto rev : {revision::v2025_11_25, revision::v2025_06_18, revision::v2025_03_26})
      EXPECT_EQ(status_for(kind, rev), legacy) << int(kind) << " " << protocol::to_string(rev);
  }
}

TEST(stage_statuses, every_refusal_kind_has_its_status_and_error_class) {
  std::pair<refusal_kind, unsigned> table[] = {
      {refusal_kind::bad_request, 400},        {refusal_kind::unauthorized, 401},
      {refusal_kind::forbidden, 403},          {refusal_kind::not_found, 404},
      {refusal_kind::method_not_allowed, 405}, {refusal_kind::not_acceptable, 406},
      {refusal_kind::conflict, 409},           {refusal_kind::unsupported_media_type, 415},
      {refusal_kind::too_many_requests, 429},  {refusal_kind::unavailable, 503}};
  for (auto [kind, status] : table) {
    EXPECT_EQ(status_for(kind), status) << int(kind);
    // Only "come back later" is our fault.
    EXPECT_EQ(error_class_of(kind), kind == refusal_kind::unavailable ? "SERVER_ERROR" : "CLIENT_ERROR") << int(kind);
  }
}

TEST(stage_statuses, refusal_reply_carries_retry_after_headers_id_and_error_class) {
  incoming in(verb::post, {});
  refusal r{refusal_kind::unavailable,
            "server_busy",
            jsonrpc::code::internal_error,
            "Server busy",
            json::object{{"retry_after", 3}},
            json::value(17),
            3u,
            {{"X-Extra", "yes"}}};
  auto reply = refusal_reply(r, &in.x);
  EXPECT_EQ(reply.head.result_int(), 503u);
  EXPECT_EQ(reply.head[http::bhttp::field::retry_after], "3");
  EXPECT_EQ(reply.head["X-Extra"], "yes");
  EXPECT_EQ(reply.static_fields, "Content-Type: application/json\r\n");
  EXPECT_EQ(reply.head.count(http::bhttp::field::content_type), 0u);  // not twice
  auto body = json::parse(reply.head.body());
  EXPECT_EQ(body.at("id"), 17);  // nothing decoded: the refusal's own id
  EXPECT_EQ(body.at("error").at("code"), jsonrpc::code::internal_error);
  EXPECT_EQ(body.at("error").at("data"), (json::value{{"retry_after", 3}}));
  EXPECT_EQ(in.rec->error_class, "SERVER_ERROR");
  EXPECT_EQ(in.rec->error_code, "-32603");
}

TEST(stage_statuses, refusal_reply_echoes_the_decoded_id_and_logs_where_told) {
  revision_stage s(empty_registry());
  incoming in(verb::post, {}, R"({"jsonrpc":"2.0","id":"req-9","method":"tools/list"})");
  auto r = decode_then(s, in.x);
  ASSERT_TRUE(r);
  auto reply = refusal_reply(*r, &in.x);
  EXPECT_EQ(reply.head.result_int(), 400u);
  EXPECT_EQ(reply.head.count(http::bhttp::field::retry_after), 0u);
  EXPECT_EQ(json::parse(reply.head.body()).at("id"), "req-9");
  EXPECT_EQ(in.rec->error_class, "CLIENT_ERROR");
  EXPECT_EQ(in.rec->error_code, "-32600");

  // Without an exchange (it is gone), the record passed in learns the class.
  ops::access_record other;
  refusal late{refusal_kind::too_many_requests, "rate_limited", jsonrpc::code::invalid_request, "Slow down"};
  late.retry_after_s = 10;
  auto lr = refusal_reply(late, nullptr, &other);
  EXPECT_EQ(lr.head.result_int(), 429u);
  EXPECT_EQ(lr.head[http::bhttp::field::retry_after], "10");
  EXPECT_TRUE(json::parse(lr.head.body()).at("id").is_null());
  EXPECT_EQ(other.error_class, "CLIENT_ERROR");
}

TEST(stage_statuses, a_refusal_saying_when_to_come_back_is_classified_in_its_body) {
  // Before, only the header said it (too_many_sessions, issuer_keys_unavailable, ...): a client
  // reading the JSON-RPC error had no retry_after, unlike every other recoverable error.
  refusal r{refusal_kind::unavailable, "too_many_sessions", jsonrpc::code::internal_error, "Too many sessions"};
  r.retry_after_s = 5;
  auto data = json::parse(refusal_reply(r).head.body()).at("error").at("data");
  EXPECT_EQ(data, (json::value{{"type", "SERVER_ERROR"},
                               {"code", "TOO_MANY_SESSIONS"},
                               {"recoverable", true},
                               {"retry_after", 5}}));
  // A stage's own data is kept as it is; a refusal without Retry-After gets none.
  r.data = json::object{{"code", "RATE_LIMIT_EXCEEDED"}};
  EXPECT_EQ(json::parse(refusal_reply(r).head.body()).at("error").at("data"), r.data);
  refusal plain{refusal_kind::bad_request, "parse_error", jsonrpc::code::parse_error, "Parse error"};
  EXPECT_FALSE(json::parse(refusal_reply(plain).head.body()).at("error").as_object().contains("data"));
}
