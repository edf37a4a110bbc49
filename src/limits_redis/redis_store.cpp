// The Redis limit store: one EVALSHA of the GCRA script per check (redis_store.hpp).
#include "limits_redis/redis_store.hpp"

#include <boost/container/small_vector.hpp>

#include "limits_redis/gcra_script.hpp"
#include "redis/errors.hpp"

namespace mcpx::limits {

namespace {

store_error error_of(boost::system::error_code ec) noexcept {
  if (ec == redis::errc::timeout) return store_error::timeout;
  // not_connected, connection_lost, queue_full, stopped: Redis cannot be asked right now. (A
  // lost connection may have carried the check: counted or not, the policy decides alike.)
  return store_error::unavailable;
}

}  // namespace

redis_store::redis_store(std::string key_prefix, std::shared_ptr<redis::client> c)
    : prefix_(std::move(key_prefix)), script_(gcra_script()), client_(std::move(c)) {}

void redis_store::attach(std::shared_ptr<redis::client> c) { client_.store(std::move(c), std::memory_order_release); }

std::string redis_store::last_bad_reply() const {
  std::lock_guard lock(bad_->mu);
  return bad_->text;
}

void redis_store::check(std::string_view key, const rate& r, std::int64_t cost, usec now, completion done) {
  // Only a validated configuration reaches a store; an unusable rate has no T to send.
  if (validate(r)) return done(gcra(std::nullopt, now, r, cost));
  auto c = client();
  if (!c) return done(store_error::unavailable);
  // The full key on the stack: the limiter's keys are at most ~150 bytes, the prefix 64.
  boost::container::small_vector<char, 256> full(prefix_.begin(), prefix_.end());
  full.insert(full.end(), key.begin(), key.end());
  const std::string_view keys[1] = {std::string_view(full.data(), full.size())};
  const script_args args(r, cost);
  redis::eval(*c, script_, keys, args.views(),
              [bad = bad_, now, done = std::move(done)](boost::system::error_code ec, redis::reply rep) mutable {
                if (ec) return done(error_of(ec));
                auto d = decision_of(rep, now);
                if (!d.has_value()) {
                  auto text = redis::to_string(rep);
                  std::lock_guard lock(bad->mu);
                  bad->text = std::move(text);
                }
                done(std::move(d));
              });
}

}  // namespace mcpx::limits
