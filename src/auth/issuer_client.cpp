// A "round" is discovery (when needed) and one JWKS fetch. At most one runs at a time; the
// background loop and unknown-kid callers wait on it as waiters, so a flood of callers shares it.
#include "auth/issuer_client.hpp"

#include <boost/asio/bind_executor.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "auth/discovery.hpp"

namespace mcpx::auth {

using boost::system::error_code;

// A suspended caller. Its handler waits on `timer`, not in a member of ours: pending
// operations belong to the io_context, so its shutdown destroys the callers' frames (and the
// references to us they hold) even when stop() was never called. Cancelling the timer (after
// setting `ok`) resumes the caller; expiry is the unknown_kid_wait bound.
struct issuer_client::waiter {
  explicit waiter(const net::strand<net::any_io_executor>& s) : timer(s) {}
  net::steady_timer timer;
  std::atomic<bool> ok{false};
};

namespace {

// The caller resumes on its own executor (an I/O thread's), never on our strand.
template <class Handler>
void deliver(Handler&& h, bool ok) {
  auto ex = net::get_associated_executor(h);
  net::post(ex, [h = std::forward<Handler>(h), ok]() mutable { std::move(h)(ok); });
}

// The system store is read here, at start-up, not on an I/O thread at the first fetch.
issuer_config with_trust(issuer_config c) {
  if (!c.fetch.tls) c.fetch.tls = system_tls_context();
  return c;
}

}  // namespace

template <class Handler>
void issuer_client::park(Handler&& h, bool bounded) {
  auto w = std::make_shared<waiter>(strand_);
  w->timer.expires_at(bounded ? clock::now() + cfg_.unknown_kid_wait : clock::time_point::max());
  auto ex = net::get_associated_executor(h);
  w->timer.async_wait(net::bind_executor(ex, [w, h = std::forward<Handler>(h)](error_code ec) mutable {
    // Only a cancel (after `ok` was set) is an answer; expiry is a timeout.
    std::move(h)(ec == net::error::operation_aborted && w->ok.load());
  }));
  waiters_.push_back(std::move(w));
}

std::shared_ptr<issuer_client> issuer_client::create(net::any_io_executor ex, issuer_config cfg,
                                                     jwks_consumer consumer) {
  return std::shared_ptr<issuer_client>(new issuer_client(std::move(ex), std::move(cfg), std::move(consumer)));
}

issuer_client::issuer_client(net::any_io_executor ex, issuer_config cfg, jwks_consumer consumer)
    : cfg_(with_trust(std::move(cfg))),
      consumer_(std::move(consumer)),
      strand_(net::make_strand(ex)),
      timer_(strand_) {}

issuer_client::~issuer_client() = default;

void issuer_client::start() {
  net::dispatch(strand_, [self = shared_from_this()] {
    if (self->stopped_ || self->started_) return;
    self->started_ = true;
    net::co_spawn(self->strand_, self->background(), [](std::exception_ptr) {});
  });
}

void issuer_client::stop() {
  stop_requested_.store(true);
  net::dispatch(strand_, [self = shared_from_this()] {
    self->stopped_ = true;
    self->timer_.cancel();
    self->cancel_fetch_.emit(net::cancellation_type::terminal);
    self->complete_all(false);
  });
}

net::awaitable<void> issuer_client::background() {
  auto self = shared_from_this();
  auto backoff = cfg_.retry_initial;
  while (!stopped_) {
    bool ok = co_await join_round();
    if (stopped_) break;
    std::chrono::milliseconds delay = cfg_.refresh_interval;
    if (!ok) {
      delay = backoff;
      backoff = std::min(backoff * 2, cfg_.retry_max);
    } else {
      backoff = cfg_.retry_initial;
      if (max_age_)
        delay = std::min<std::chrono::milliseconds>(std::max<std::chrono::milliseconds>(*max_age_, cfg_.min_refresh),
                                                    cfg_.refresh_interval);
    }
    timer_.expires_after(delay);
    error_code ignored;
    co_await timer_.async_wait(net::redirect_error(net::use_awaitable, ignored));
  }
}

// The initiations below are named locals: GCC 12 destroys a lambda temporary written inside a
// co_await expression twice (its captured shared_ptr then drops one reference too many).
net::awaitable<bool> issuer_client::join_round() {
  auto init = [this](auto h) {
    if (stopped_) return deliver(std::move(h), false);
    if (!running_) begin_round();
    park(std::move(h), false);
  };
  co_return co_await net::async_initiate<decltype(net::use_awaitable), void(bool)>(std::move(init), net::use_awaitable);
}

net::awaitable<bool> issuer_client::refetch_for_unknown_kid() {
  auto init = [self = shared_from_this()](auto h) {
    net::dispatch(self->strand_, [self, h = std::move(h)]() mutable {
      auto& c = self->counters_;
      if (self->stopped_) return deliver(std::move(h), false);
      if (!self->running_) {
        auto now = clock::now();
        if (self->last_unknown_kid_ && now - *self->last_unknown_kid_ < self->cfg_.unknown_kid_interval) {
          c.unknown_kid_throttled.fetch_add(1, std::memory_order_relaxed);
          return deliver(std::move(h), false);
        }
        c.unknown_kid_started.fetch_add(1, std::memory_order_relaxed);
        self->last_unknown_kid_ = now;
        self->begin_round();
      } else {
        c.unknown_kid_joined.fetch_add(1, std::memory_order_relaxed);
      }
      self->park(std::move(h), true);
    });
  };
  co_return co_await net::async_initiate<decltype(net::use_awaitable), void(bool)>(std::move(init), net::use_awaitable);
}

void issuer_client::complete_all(bool ok) {
  for (auto& w : waiters_) {
    w->ok.store(ok);
    w->timer.cancel();
  }
  waiters_.clear();
}

void issuer_client::begin_round() {
  running_ = true;
  net::co_spawn(strand_, round(), [self = shared_from_this()](std::exception_ptr e) {
    if (e) self->finish_round(false, "internal error");
  });
}

net::awaitable<void> issuer_client::round() {
  std::optional<std::string> err;
  if (last_failed_ || !metadata()) err = co_await discover();
  if (!err) {
    auto md = metadata();
    err = co_await load_keys(std::string(md->at("jwks_uri").as_string()));
  }
  finish_round(!err, err.value_or(""));
}

void issuer_client::finish_round(bool ok, const std::string& error) {
  running_ = false;
  last_failed_ = !ok;
  if (!stopped_) {
    (ok ? counters_.refresh_ok : counters_.refresh_failed).fetch_add(1, std::memory_order_relaxed);
    std::lock_guard lk(mu_);
    last_error_ = ok ? std::string() : error;
  }
  complete_all(ok && !stopped_);
}

fetch_options issuer_client::fetch_opts() {
  auto o = cfg_.fetch;
  o.cancel = cancel_fetch_.slot();
  return o;
}

net::awaitable<std::optional<std::string>> issuer_client::discover() {
  auto urls = discovery_urls(cfg_.issuer);
  if (urls.empty()) co_return "discovery failed: the issuer is not an http(s) URL without query or fragment";
  std::string errors;
  for (const auto& url : urls) {
    auto r = co_await fetch_json(strand_, url, fetch_opts());
    if (stopped_) co_return "stopped";
    auto verdict = r.ok() ? check_metadata(r.body, cfg_.issuer) : r.message();
    if (verdict.empty()) {
      std::lock_guard lk(mu_);
      metadata_ = std::make_shared<const boost::json::object>(std::move(r.body.as_object()));
      co_return std::nullopt;
    }
    errors += (errors.empty() ? "" : "; ") + url + ": " + verdict;
    // The host itself failed (no answer, TLS refused...): the other documents live there too.
    if (!r.ok() && !moves_on(r.error)) break;
  }
  co_return "discovery failed: " + errors;
}

net::awaitable<std::optional<std::string>> issuer_client::load_keys(const std::string& jwks_uri) {
  auto r = co_await fetch_json(strand_, jwks_uri, fetch_opts());
  if (stopped_) co_return "stopped";
  if (!r.ok()) co_return "jwks " + jwks_uri + ": " + r.message();
  const auto* keys = r.body.is_object() ? r.body.as_object().if_contains("keys") : nullptr;
  if (!keys || !keys->is_array()) co_return "jwks " + jwks_uri + ": no \"keys\" array";
  std::string why;
  bool ok = false;
  try {
    ok = consumer_(r.body, &why);
  } catch (const std::exception& e) {
    why = e.what();
  }
  if (!ok) co_return "jwks " + jwks_uri + " refused: " + (why.empty() ? std::string("unusable") : why);
  max_age_ = r.max_age;
  std::lock_guard lk(mu_);
  loaded_at_ = clock::now();
  ready_.store(true, std::memory_order_release);
  co_return std::nullopt;
}

std::string issuer_client::status() const {
  if (stop_requested_.load()) return "stopped";
  std::lock_guard lk(mu_);
  if (!loaded_at_) return last_error_.empty() ? "keys not loaded yet" : last_error_;
  auto age = std::chrono::duration_cast<std::chrono::seconds>(clock::now() - *loaded_at_).count();
  std::string s = "keys loaded " + std::to_string(age) + " s ago";
  if (!last_error_.empty()) s += "; last refresh failed: " + last_error_;
  return s;
}

std::shared_ptr<const boost::json::object> issuer_client::metadata() const {
  std::lock_guard lk(mu_);
  return metadata_;
}

}  // namespace mcpx::auth
