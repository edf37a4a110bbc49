#pragma once
// The limit store replicas share: gcra() as one atomic Lua script per check (gcra_script.hpp)
// on Redis, through the pooled, pipelined client of src/redis, so concurrent checks share
// round trips. Always asynchronous: try_check() answers nullopt.
#include <atomic>
#include <memory>
#include <mutex>
#include <string>

#include "mcpx/limits/store.hpp"
#include "redis/client.hpp"
#include "redis/script.hpp"

namespace mcpx::limits {

class redis_store final : public limit_store {
 public:
  /// Keys are `key_prefix` + the limiter's key. `c` may come later (attach()): until then
  /// every check fails with store_error::unavailable.
  explicit redis_store(std::string key_prefix, std::shared_ptr<redis::client> c = nullptr);

  /// Sets the client checks go to (null: none). Any thread. The store holds it until then, so
  /// attach(nullptr) before the client's io_context goes.
  void attach(std::shared_ptr<redis::client> c);
  /// The client checks go to (null when none). Any thread.
  std::shared_ptr<redis::client> client() const { return client_.load(std::memory_order_acquire); }
  /// The latest answer that could not be read as a decision, in redis-cli's notation ("" when
  /// none): what an operator needs when checks fail with store_error::protocol.
  std::string last_bad_reply() const;

  /// Runs the script on Redis' clock (`now` only places the decision's `tat` on the caller's
  /// clock). Completes on the client's executor, never inline, except when no client is
  /// attached or the rate is unusable. Errors: unavailable (not connected, connection lost,
  /// queue full, stopped), timeout, protocol (an error reply or an answer of another shape).
  void check(std::string_view key, const rate& r, std::int64_t cost, usec now, completion done) override;
  std::optional<check_result> try_check(std::string_view, const rate&, std::int64_t, usec) override {
    return std::nullopt;
  }

 private:
  // Shared with the completions, which may run after the store is gone.
  struct bad_reply {
    std::mutex mu;  // taken on protocol errors and by last_bad_reply() only
    std::string text;
  };

  const std::string prefix_;
  const redis::script script_;
  std::atomic<std::shared_ptr<redis::client>> client_;
  const std::shared_ptr<bad_reply> bad_ = std::make_shared<bad_reply>();
};

}  // namespace mcpx::limits
