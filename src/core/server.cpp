// mcpx::server: the public facade. Owns the registry, the transport and the HTTP listener.
#include "mcpx/server.hpp"

#include <csignal>
#include <iostream>

#include "http/server.hpp"
#include "protocol/registry.hpp"
#include "transport/streamable_http.hpp"

namespace mcpx {

namespace net = boost::asio;

struct server::impl {
  server_info info;
  options opts;
  protocol::registry reg;
  std::shared_ptr<transport::streamable_http> transport;
  std::unique_ptr<http::server> http;
  std::unique_ptr<net::steady_timer> expiry_timer;
};

server::server(server_info info, options opts) : impl_(std::make_unique<impl>()) {
  impl_->info = std::move(info);
  impl_->opts = std::move(opts);
}

server::~server() { stop(); }

tool_builder server::tool(std::string name) { return tool_builder(&impl_->reg.add_tool(std::move(name))); }
resource_builder server::resource(std::string uri, std::string name) {
  return resource_builder(&impl_->reg.add_resource(std::move(uri), std::move(name), false));
}
resource_builder server::resource_template(std::string t, std::string name) {
  return resource_builder(&impl_->reg.add_resource(std::move(t), std::move(name), true));
}
prompt_builder server::prompt(std::string name) { return prompt_builder(&impl_->reg.add_prompt(std::move(name))); }

namespace {

void schedule_expiry(net::steady_timer& t, std::weak_ptr<transport::streamable_http> tr) {
  t.expires_after(std::chrono::seconds(5));
  t.async_wait([&t, tr](boost::system::error_code ec) {
    if (ec) return;
    if (auto p = tr.lock()) p->expire_sessions();
    schedule_expiry(t, tr);
  });
}

}  // namespace

void server::start() {
  if (impl_->http) return;
  if (auto err = impl_->reg.freeze()) throw std::invalid_argument("mcpx: " + *err);
  auto& o = impl_->opts;
  if (o.allowed_hosts.empty() && net::ip::make_address(o.address).is_loopback())
    o.allowed_hosts = {"localhost", "127.0.0.1", "[::1]"};
  impl_->transport = std::make_shared<transport::streamable_http>(impl_->reg, impl_->info, impl_->opts);
  http::server_config hc;
  hc.address = impl_->opts.address;
  hc.port = impl_->opts.port;
  hc.io_threads = impl_->opts.io_threads;
  hc.limits.header_limit = impl_->opts.header_limit;
  hc.limits.body_limit = impl_->opts.body_limit;
  hc.limits.read_timeout = impl_->opts.read_timeout;
  hc.limits.idle_timeout = impl_->opts.idle_timeout;
  hc.limits.max_connections = impl_->opts.max_connections;
  impl_->http = std::make_unique<http::server>(hc, impl_->transport);
  impl_->http->start();
  impl_->expiry_timer = std::make_unique<net::steady_timer>(impl_->http->executor(0));
  net::post(impl_->http->executor(0), [this] { schedule_expiry(*impl_->expiry_timer, impl_->transport); });
}

void server::run() {
  // Block the signals before any thread starts (threads inherit the mask), then wait for
  // them synchronously on this thread.
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  start();
  int sig = 0;
  sigwait(&set, &sig);
  stop();
}

void server::stop() {
  if (!impl_ || !impl_->http) return;
  // Order matters: everything bound to an io_context must go before the io_contexts do.
  impl_->http->stop();           // I/O threads joined; io_contexts still alive
  impl_->transport->shutdown();  // workers joined; sessions and streams released
  impl_->expiry_timer.reset();
  impl_->http.reset();           // io_contexts, and the connection coroutines they hold
  impl_->transport.reset();
}

unsigned short server::port() const { return impl_->http ? impl_->http->port() : 0; }

void server::notify_resource_updated(const std::string& uri) {
  if (impl_->transport) impl_->transport->resource_updated(uri);
}

void server::notify_list_changed(list which) {
  if (!impl_->transport) return;
  impl_->transport->list_changed(which == list::tools     ? "tools"
                                 : which == list::prompts ? "prompts"
                                                          : "resources");
}

}  // namespace mcpx
