#pragma once
// A command waiting for its reply: the caller's completion handler, type-erased in the one
// allocation a command costs. Completing one posts the handler to its associated executor
// (never runs it inline), keeping that executor's work count up until then.
#include <boost/asio/associated_executor.hpp>
#include <boost/asio/execution/outstanding_work.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/prefer.hpp>
#include <boost/system/error_code.hpp>
#include <memory>
#include <type_traits>
#include <utility>

#include "redis/reply.hpp"

namespace mcpx::redis::detail {

namespace net = boost::asio;

class pending {
 public:
  virtual ~pending() = default;

  /// Hands `ec` and `r` to the handler on its executor; `p` is consumed.
  static void complete(std::unique_ptr<pending> p, boost::system::error_code ec, reply r) {
    p.release()->post(ec, std::move(r));
  }

 protected:
  /// Takes ownership of `this`.
  virtual void post(boost::system::error_code ec, reply r) = 0;
};

template <class Handler, class Executor>
class pending_op final : public pending {
  using work_executor =
      std::decay_t<decltype(net::prefer(std::declval<const Executor&>(), net::execution::outstanding_work.tracked))>;

 public:
  pending_op(Handler&& h, const Executor& ex)
      : handler_(std::move(h)), ex_(net::prefer(ex, net::execution::outstanding_work.tracked)) {}

 private:
  void post(boost::system::error_code ec, reply r) override {
    ec_ = ec;
    reply_ = std::move(r);
    auto ex = ex_;
    net::post(ex, [self = std::unique_ptr<pending_op>(this)]() mutable {
      // The entry is freed before the handler runs, as Asio's own operations do, so the
      // handler may issue the next command without two entries alive.
      Handler h = std::move(self->handler_);
      auto ec = self->ec_;
      auto r = std::move(self->reply_);
      self.reset();
      std::move(h)(ec, std::move(r));
    });
  }

  Handler handler_;
  work_executor ex_;
  boost::system::error_code ec_;
  reply reply_;
};

/// The entry for `h`, completing on h's associated executor or, without one, on `fallback`.
template <class Handler, class Executor>
std::unique_ptr<pending> make_pending(Handler&& h, const Executor& fallback) {
  auto ex = net::get_associated_executor(h, fallback);
  return std::make_unique<pending_op<std::decay_t<Handler>, decltype(ex)>>(std::forward<Handler>(h), ex);
}

}  // namespace mcpx::redis::detail
