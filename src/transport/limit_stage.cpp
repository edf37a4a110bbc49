#include "transport/limit_stage.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "limits/headers.hpp"
#include "protocol/tool_errors.hpp"
#include "transport/offerings.hpp"

namespace mcpx::transport {

namespace {

namespace net = http::net;
using code = jsonrpc::code;

// The JSON-RPC error code of RATE_LIMIT_EXCEEDED for requests other than tools/call (in the
// implementation-defined server error range; docs/errors.md).
constexpr int rate_limited_code = -32029;

// The store answers on its own thread: the verdict is kept where the rerun of the stage finds
// it, and the request resumes on its own executor.
net::awaitable<void> await_verdict(limits::limiter& lim, limits::ask a, limits::usec now,
                                   std::shared_ptr<limits::verdict> out) {
  auto ex = co_await net::this_coro::executor;
  co_await net::async_initiate<decltype(net::use_awaitable), void()>(
      [&](auto handler) {
        auto h = std::make_shared<decltype(handler)>(std::move(handler));
        lim.decide(a, now, [h, out, ex](const limits::verdict& v) {
          *out = v;
          net::post(ex, [h] { (*h)(); });
        });
      },
      net::use_awaitable);
}

limits::identity identify(const exchange& x) {
  const auto addr = x.peer.remote.address();
  if (addr.is_v4()) {
    const auto b = addr.to_v4().to_bytes();
    return limits::identify(x.who.get(), b);
  }
  const auto b = addr.to_v6().to_bytes();
  return limits::identify(x.who.get(), b);
}

}  // namespace

limit_stage::limit_stage(limits::limiter& l, const protocol::registry& reg)
    : stage("admit", on_any, {"rate_limited", "store_unavailable"}), lim_(l), reg_(reg) {
  const auto& cfg = lim_.config();
  auto lead = [](const std::string& policy) { return "RateLimit-Policy: " + policy + "\r\nRateLimit: "; };
  for (const auto& [tier, tier_rate] : cfg.tiers.tiers) {
    std::string alone;
    limits::append_policy(alone, tier, tier_rate);
    prefixes_.push_back({&tier_rate, limits::limit_item_prefix(tier)});
    for (const auto& [cls, cls_rate] : cfg.classes) {
      std::string joined = alone;
      limits::append_policy(joined, cls, cls_rate);
      policies_.push_back({&tier_rate, &cls_rate, lead(joined)});
    }
    policies_.push_back({&tier_rate, nullptr, lead(alone)});
  }
  for (const auto& [cls, cls_rate] : cfg.classes) prefixes_.push_back({&cls_rate, limits::limit_item_prefix(cls)});
}

const std::string* limit_stage::fields_lead(const limits::rate* tier, const limits::rate* cls) const noexcept {
  for (const auto& p : policies_)
    if (p.tier == tier && p.cls == cls) return &p.lead;
  return nullptr;
}

const std::string* limit_stage::prefix_of(const limits::rate* limit) const noexcept {
  for (const auto& p : prefixes_)
    if (p.limit == limit) return &p.prefix;
  return nullptr;
}

// What this request left of each limit (draft-ietf-httpapi-ratelimit-headers), as reply fields.
void limit_stage::add_fields(exchange& x, const limits::ask& a, const limits::verdict& v) const {
  const limits::rate* cls = v.cls ? a.class_limit : nullptr;
  const auto* lead = fields_lead(a.tier.limit, cls);
  const auto* tier_prefix = prefix_of(a.tier.limit);
  const auto* cls_prefix = cls ? prefix_of(cls) : nullptr;
  // A prefix is at most 2 + 2 * 64 + 3 characters (a quoted, escaped name of <= 64), so two
  // items, ", " and CRLF fit.
  char buf[2 * (2 + 2 * 64 + 3 + limits::limit_item_tail) + 4];
  if (lead && tier_prefix && (!cls || cls_prefix)) {  // the configuration's own rates: always
    char* end = limits::write_limit(buf, *tier_prefix, *v.tier);
    if (cls_prefix) {
      *end++ = ',';
      *end++ = ' ';
      end = limits::write_limit(end, *cls_prefix, *v.cls);
    }
    *end++ = '\r';
    *end++ = '\n';
    auto& out = x.reply_fields;
    out.reserve(out.size() + lead->size() + static_cast<std::size_t>(end - buf));
    out.append(*lead).append(buf, end);
    return;
  }
  std::string policy, state;  // rates from elsewhere (cannot happen today): made here
  limits::append_policy(policy, a.tier.name, *a.tier.limit);
  limits::append_limit(state, a.tier.name, *v.tier);
  if (cls) {
    limits::append_policy(policy, a.cost_class, *cls);
    limits::append_limit(state, a.cost_class, *v.cls);
  }
  x.reply_fields.append("RateLimit-Policy: ").append(policy).append("\r\nRateLimit: ").append(state).append("\r\n");
}

std::optional<refusal> limit_stage::check(exchange& x) const {
  const auto& cfg = lim_.config();
  if (!x.who && !cfg.anonymous_by_address) return std::nullopt;
  limits::ask a;
  a.who = identify(x);
  a.tier = limits::resolve_tier(cfg.tiers, x.who.get());
  std::string_view tool;
  if (x.decoded)
    if (const auto* access = access_of(reg_, x.msg, &tool)) {
      a.cost_class = access->cost.name;
      a.class_limit = limits::class_rate(cfg.classes, a.cost_class);
      if (!a.class_limit) a.cost_class = {};
    }
  if (x.admission) return answer(x, a, *x.admission, tool);  // the store answered while we waited
  if (auto v = lim_.try_decide(a, limits::steady_now())) return answer(x, a, *v, tool);
  x.admission = std::make_shared<limits::verdict>();
  x.wait = [&lim = lim_, a, now = limits::steady_now(), out = x.admission] { return await_verdict(lim, a, now, out); };
  return std::nullopt;
}

std::optional<refusal> limit_stage::answer(exchange& x, const limits::ask& a, const limits::verdict& v,
                                           std::string_view tool) const {
  using limits::outcome;
  const bool enforce = lim_.config().mode == limit_mode::enforce;
  if (v.what == outcome::failed_open || v.what == outcome::failed_closed)
    store_errors_[static_cast<std::size_t>(v.error) % store_errors_.size()].fetch_add(1, std::memory_order_relaxed);
  if (v.what == outcome::failed_open) failed_open_.fetch_add(1, std::memory_order_relaxed);
  if (v.what == outcome::admitted || v.what == outcome::failed_open) {
    if (enforce && v.tier) add_fields(x, a, v);
    return std::nullopt;
  }
  const bool limited = v.what == outcome::limited;
  if (limited) count_refusal(a.tier.name, v.by_class ? a.cost_class : std::string_view(), tool);
  if (!enforce) {
    if (limited) shadow_.fetch_add(1, std::memory_order_relaxed);
    return std::nullopt;
  }
  const auto retry_s = limits::retry_after_seconds(v.retry_after);
  const std::string limit_name(v.by_class ? a.cost_class : a.tier.name);
  std::string message = limited ? (v.by_class ? "Rate limit exceeded for " + limit_name + " operations"
                                              : "Rate limit exceeded for this client (tier " + limit_name + ")")
                                : std::string("The rate-limit store is unavailable");
  message += "; retry after " + std::to_string(retry_s) + " s.";
  const auto cls = limited ? error_class::client : error_class::external;
  const std::string_view err_code = limited ? "RATE_LIMIT_EXCEEDED" : "RATE_LIMIT_UNAVAILABLE";
  refusal r{limited ? refusal_kind::too_many_requests : refusal_kind::unavailable,
            limited ? "rate_limited" : "store_unavailable", rate_limited_code, message};
  r.retry_after_s = retry_s;
  if (limited) {
    std::string policy, state;
    const auto& d = v.by_class ? *v.cls : *v.tier;
    limits::append_policy(policy, limit_name, v.by_class ? *a.class_limit : *a.tier.limit);
    limits::append_limit(state, limit_name, d);
    r.headers.emplace_back("RateLimit-Policy", std::move(policy));
    r.headers.emplace_back("RateLimit", std::move(state));
  }
  json::object err{{"type", to_string(cls)},
                   {"code", err_code},
                   {"message", message},
                   {"recoverable", true},
                   {"retry_after", retry_s}};
  const bool request = x.decoded && x.msg.type == jsonrpc::kind::request;
  if (request && x.msg.method == "tools/call") {
    // The checklist's answer: a tool result the model reads, saying when to try again.
    auto result = protocol::error_result(cls, err_code,
                                         limited ? message.substr(0, message.find(';')) + "."
                                                 : std::string("The rate-limit store is unavailable."),
                                         true, static_cast<int>(retry_s));
    if (x.how == era::modern) result["resultType"] = "complete";
    r.result = std::move(result);
    r.error_class = to_string(cls);
    r.error_code = err_code;
    return r;
  }
  r.data = std::move(err);
  // 2025-xx clients read JSON-RPC errors from 200 answers; 2026-07-28 says it in the status.
  if (request && limited && x.how != era::modern) r.kind = refusal_kind::too_many_requests_in_rpc;
  return r;
}

void limit_stage::count_refusal(std::string_view tier, std::string_view cls, std::string_view tool) const {
  std::string key;
  key.reserve(tier.size() + cls.size() + tool.size() + 2);
  key.append(tier).append(1, '\n').append(cls).append(1, '\n').append(tool);
  std::lock_guard lock(mu_);
  ++refused_[key];
}

std::vector<ops::metrics::sample> limit_stage::refusal_samples() const {
  std::vector<ops::metrics::sample> out;
  std::lock_guard lock(mu_);
  out.reserve(refused_.size());
  for (const auto& [key, n] : refused_) {
    std::string_view k(key);
    auto a = k.find('\n');
    auto b = k.find('\n', a + 1);
    out.push_back({{{"tier", k.substr(0, a)}, {"class", k.substr(a + 1, b - a - 1)}, {"tool", k.substr(b + 1)}},
                   static_cast<double>(n)});
  }
  return out;
}

std::uint64_t limit_stage::store_failures(limits::store_error e) const noexcept {
  return store_errors_[static_cast<std::size_t>(e) % store_errors_.size()].load(std::memory_order_relaxed);
}

}  // namespace mcpx::transport
