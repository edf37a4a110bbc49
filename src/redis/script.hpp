#pragma once
// A Lua script run by its SHA1: eval() sends EVALSHA and, when the server answers NOSCRIPT
// (a restart, a failover, SCRIPT FLUSH), sends EVAL once, which also loads it again.
#include <boost/container/small_vector.hpp>
#include <initializer_list>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "redis/client.hpp"

namespace mcpx::redis {

/// Immutable; cheap to copy (shares the source and the digest).
class script {
 public:
  /// Computes the SHA1 once. Throws std::runtime_error if OpenSSL cannot digest.
  explicit script(std::string source);
  const std::string& source() const noexcept { return d_->source; }
  /// 40 lowercase hex digits, as SCRIPT LOAD returns.
  const std::string& sha1() const noexcept { return d_->sha1; }

 private:
  struct data {
    std::string source, sha1;
  };
  std::shared_ptr<const data> d_;
};

namespace detail {

/// numkeys, keys and args as RESP bulks: kept to resend with EVAL; inline up to its size,
/// so a typical rate-limit call allocates nothing beyond its pending entry.
using eval_tail = boost::container::small_vector<char, 256>;
void encode_eval_tail(eval_tail& out, std::span<const std::string_view> keys, std::span<const std::string_view> args);
/// EVALSHA sha (or EVAL source) followed by the tail, as one command of `elements` bulks.
void encode_eval(std::string& out, bool by_sha, const script& s, std::size_t elements, const eval_tail& tail);

template <class Handler>
class eval_op {
 public:
  using executor_type = client::executor_type;

  eval_op(Handler h, std::weak_ptr<client> c, script s, std::size_t elements, executor_type ex)
      : handler_(std::move(h)), client_(std::move(c)), script_(std::move(s)), elements_(elements), ex_(std::move(ex)) {}

  executor_type get_executor() const noexcept { return ex_; }
  eval_tail& tail() noexcept { return tail_; }

  void operator()(boost::system::error_code ec, reply r) {
    if (!ec && !retried_ && r.is_error() && r.str().starts_with("NOSCRIPT")) {
      if (auto c = client_.lock()) {
        retried_ = true;
        auto& buf = encode_scratch();
        encode_eval(buf, false, script_, elements_, tail_);
        auto ex = ex_;
        auto p = make_pending(std::move(*this), ex);
        c->submit(buf, std::move(p));
        return;
      }
      ec = errc::stopped;
    }
    std::move(handler_)(ec, std::move(r));
  }

 private:
  Handler handler_;
  std::weak_ptr<client> client_;
  script script_;
  std::size_t elements_;
  executor_type ex_;
  eval_tail tail_;
  bool retried_ = false;
};

}  // namespace detail

/// Runs `s` with `keys` and `args` (any bytes, copied before eval() returns, or at co_await
/// with a lazy token). Completes like client::command(); a NOSCRIPT answer is never seen by
/// the caller: EVAL is sent once instead. Any thread.
template <class CompletionToken>
auto eval(client& c, const script& s, std::span<const std::string_view> keys, std::span<const std::string_view> args,
          CompletionToken&& token) {
  return boost::asio::async_initiate<CompletionToken, client::signature>(
      [&c, &s](auto handler, std::span<const std::string_view> k, std::span<const std::string_view> a) {
        auto ex = boost::asio::get_associated_executor(handler, c.get_executor());
        detail::eval_op<decltype(handler)> op(std::move(handler), c.weak_from_this(), s, 3 + k.size() + a.size(), ex);
        detail::encode_eval_tail(op.tail(), k, a);
        auto& buf = detail::encode_scratch();
        detail::encode_eval(buf, true, s, 3 + k.size() + a.size(), op.tail());
        c.submit(buf, detail::make_pending(std::move(op), ex));
      },
      token, keys, args);
}

template <class CompletionToken>
auto eval(client& c, const script& s, std::initializer_list<std::string_view> keys,
          std::initializer_list<std::string_view> args, CompletionToken&& token) {
  return eval(c, s, std::span<const std::string_view>(keys.begin(), keys.size()),
              std::span<const std::string_view>(args.begin(), args.size()), std::forward<CompletionToken>(token));
}

}  // namespace mcpx::redis
