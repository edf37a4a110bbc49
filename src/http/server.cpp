#include "http/server.hpp"

#include <iostream>

namespace mcpx::http {

struct server::shard {
  net::io_context ioc{1};
  tcp::acceptor acceptor{ioc};
};

server::server(server_config cfg, std::shared_ptr<handler> h) : cfg_(std::move(cfg)), handler_(std::move(h)) {
  if (cfg_.io_threads == 0) cfg_.io_threads = 1;
}

server::~server() { stop(); }

net::any_io_executor server::executor(unsigned i) { return shards_.at(i % shards_.size())->ioc.get_executor(); }

namespace {

net::awaitable<void> accept_loop(tcp::acceptor& acc, std::shared_ptr<handler> h, const server_config& cfg,
                                 connection_counters& counters) {
  const limits& lim = cfg.limits;
  for (;;) {
    auto [ec, sock] = co_await acc.async_accept(net::as_tuple(net::use_awaitable));
    if (ec == net::error::operation_aborted || !acc.is_open()) co_return;
    if (ec) continue;  // e.g. EMFILE or a peer reset before accept: keep serving others
    if (counters.open.load(std::memory_order_relaxed) >= lim.max_connections) {
      boost::system::error_code ignored;
      sock.close(ignored);
      continue;
    }
    sock.set_option(tcp::no_delay(true), ec);
    net::co_spawn(acc.get_executor(), run_connection(std::move(sock), h, cfg, counters), net::detached);
  }
}

}  // namespace

void server::start() {
  if (started_) return;
  auto addr = net::ip::make_address(cfg_.address);
  unsigned short port = cfg_.port;
  for (unsigned i = 0; i < cfg_.io_threads; ++i) {
    auto s = std::make_unique<shard>();
    tcp::endpoint ep(addr, port);
    s->acceptor.open(ep.protocol());
    s->acceptor.set_option(net::socket_base::reuse_address(true));
    if (cfg_.io_threads > 1) {
      int one = 1;
      ::setsockopt(s->acceptor.native_handle(), SOL_SOCKET, SO_REUSEPORT, &one, sizeof one);
    }
    s->acceptor.bind(ep);
    s->acceptor.listen(net::socket_base::max_listen_connections);
    port = s->acceptor.local_endpoint().port();  // later shards share the port picked by the first
    shards_.push_back(std::move(s));
  }
  bound_port_ = port;
  for (auto& s : shards_) {
    net::co_spawn(s->ioc, accept_loop(s->acceptor, handler_, cfg_, counters_), net::detached);
  }
  for (auto& s : shards_) {
    threads_.emplace_back([ioc = &s->ioc] {
      for (;;) {
        try {
          ioc->run();
          return;
        } catch (const std::exception& e) {
          // A handler bug must not take the listener down; log and keep running.
          std::cerr << "{\"level\":\"error\",\"msg\":\"uncaught exception on I/O thread\",\"what\":\"" << e.what()
                    << "\"}\n";
        }
      }
    });
  }
  started_ = true;
}

void server::stop_accepting() {
  for (auto& s : shards_) {
    net::post(s->ioc, [acc = &s->acceptor] {
      boost::system::error_code ec;
      acc->close(ec);
    });
  }
}

void server::stop() {
  if (!started_) return;
  started_ = false;
  for (auto& s : shards_) s->ioc.stop();
  for (auto& t : threads_)
    if (t.joinable()) t.join();
  threads_.clear();
  // The io_contexts live until the destructor: objects bound to them (timers, sockets) that
  // the owner still holds can be destroyed safely in between.
}

}  // namespace mcpx::http
