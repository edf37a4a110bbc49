// The JSON fetch client against real loopback servers, plain and TLS.
#include <gtest/gtest.h>

#include "auth/fetch.hpp"
#include "doc_server.hpp"
#include "issuer_test_util.hpp"
#include "test_pki.hpp"

namespace mcpx::test {
namespace {

using namespace std::chrono_literals;
using auth::fetch_error;
using auth::fetch_options;
using auth::fetch_result;

struct FetchTest : ::testing::Test {
  io_thread io;
  doc_server http;

  fetch_result get(const std::string& url, fetch_options o = {}) {
    auto r = io.run(auth::fetch_json(io.executor(), url, std::move(o)));
    return r ? std::move(*r) : fetch_result{};
  }
};

TEST_F(FetchTest, GetsJsonWithMaxAge) {
  http.set_json("/doc", {{"a", 1}}, {{"Cache-Control", "public, max-age=120"}});
  auto r = get(http.origin() + "/doc");
  ASSERT_TRUE(r.ok()) << r.message();
  EXPECT_EQ(r.body.at("a").as_int64(), 1);
  ASSERT_TRUE(r.max_age);
  EXPECT_EQ(r.max_age->count(), 120);
  auto req = http.last_request();
  EXPECT_EQ(req[bhttp::field::host], "127.0.0.1:" + std::to_string(http.port()));
}

TEST_F(FetchTest, LocalhostByNameIsLoopback) {
  http.set_json("/doc", {{"a", 1}});
  auto r = get(http.origin("localhost") + "/doc");
  EXPECT_TRUE(r.ok()) << r.message();
}

TEST_F(FetchTest, TolerantOfJsonMediaTypes) {
  route r;
  r.body = R"({"keys":[]})";
  for (const char* ct : {"application/jwk-set+json", "application/json; charset=utf-8", "Application/JSON"}) {
    r.content_type = ct;
    http.set("/jwks", r);
    auto res = get(http.origin() + "/jwks");
    EXPECT_TRUE(res.ok()) << ct << ": " << res.message();
  }
}

TEST_F(FetchTest, PlainHttpToNonLoopbackRefusedWithoutConnecting) {
  auto start = std::chrono::steady_clock::now();
  for (const char* url :
       {"http://192.0.2.1/x", "http://example.com/x", "http://[2001:db8::1]/x", "http://10.0.0.1:8080"}) {
    auto r = get(url);
    EXPECT_EQ(r.error, fetch_error::insecure) << url << ": " << r.message();
    EXPECT_NE(r.detail.find("loopback"), std::string::npos);
  }
  EXPECT_LT(std::chrono::steady_clock::now() - start, 100ms);  // no DNS, no connect
}

TEST_F(FetchTest, BadUrlsRefused) {
  for (const char* url : {"ftp://127.0.0.1/x", "not a url", "https://user:pw@127.0.0.1/x", "/relative"}) {
    auto r = get(url);
    EXPECT_EQ(r.error, fetch_error::bad_url) << url << ": " << r.message();
  }
}

TEST_F(FetchTest, BodyOverLimit) {
  route r;
  r.body = "[" + std::string(4000, ' ') + "]";
  http.set("/big", r);
  fetch_options o;
  o.body_limit = 1024;
  auto res = get(http.origin() + "/big", o);
  EXPECT_EQ(res.error, fetch_error::too_large) << res.message();
}

TEST_F(FetchTest, HeaderBlockOverLimit) {
  route r;
  r.body = "{}";
  r.headers = {{"X-Pad", std::string(3000, 'x')}};
  http.set("/fat", r);
  fetch_options o;
  o.header_limit = 1024;
  auto res = get(http.origin() + "/fat", o);
  EXPECT_EQ(res.error, fetch_error::too_large) << res.message();
}

TEST_F(FetchTest, SlowServerTimesOut) {
  route r;
  r.body = "{}";
  r.delay = 3s;
  http.set("/slow", r);
  fetch_options o;
  o.timeout = 300ms;
  auto start = std::chrono::steady_clock::now();
  auto res = get(http.origin() + "/slow", o);
  EXPECT_EQ(res.error, fetch_error::timeout) << res.message();
  EXPECT_LT(std::chrono::steady_clock::now() - start, 1500ms);
}

TEST_F(FetchTest, SilentListenerTimesOut) {
  // Accepts (the kernel does) but never answers.
  net::io_context ioc;
  net::ip::tcp::acceptor quiet(ioc, {net::ip::make_address("127.0.0.1"), 0});
  fetch_options o;
  o.timeout = 300ms;
  auto res = get("http://127.0.0.1:" + std::to_string(quiet.local_endpoint().port()) + "/", o);
  EXPECT_EQ(res.error, fetch_error::timeout) << res.message();
}

// A server that answers one connection with `pieces`, each written alone after a pause, then
// closes. The response's end arriving a byte at a time must be read, not aborted on (Beast
// 1.81 asserts on it in builds with assertions: src/util/http_feed.hpp).
fetch_result get_in_pieces(FetchTest& t, std::vector<std::string> pieces) {
  net::io_context ioc;
  net::ip::tcp::acceptor a(ioc, {net::ip::make_address("127.0.0.1"), 0});
  std::thread server([&] {
    auto s = a.accept();
    s.set_option(net::ip::tcp::no_delay(true));
    std::string req;
    char c;
    while (req.find("\r\n\r\n") == std::string::npos && net::read(s, net::buffer(&c, 1)) == 1) req += c;
    for (auto& p : pieces) {
      net::write(s, net::buffer(p));
      std::this_thread::sleep_for(20ms);
    }
  });
  fetch_options o;
  o.timeout = 3s;
  auto r = t.get("http://127.0.0.1:" + std::to_string(a.local_endpoint().port()) + "/doc", o);
  server.join();
  return r;
}

TEST_F(FetchTest, ChunkedResponseEndingInPiecesIsRead) {
  const std::string head = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n";
  auto r = get_in_pieces(*this, {head + "7\r\n{\"a\":1}", "\r\n0\r\n", "\r", "\n"});
  ASSERT_TRUE(r.ok()) << r.message();
  EXPECT_EQ(r.body.at("a").as_int64(), 1);
  // An empty body, its end split: read to the end, then refused as not JSON (not a timeout).
  r = get_in_pieces(*this, {head + "0\r\n", "\r", "\n"});
  EXPECT_EQ(r.error, fetch_error::json) << r.message();
  // Cut inside its end: a protocol failure.
  r = get_in_pieces(*this, {head + "0\r\n", "\r"});
  EXPECT_EQ(r.error, fetch_error::protocol) << r.message();
}

TEST_F(FetchTest, ConnectionRefused) {
  unsigned short port;
  {
    net::io_context ioc;
    net::ip::tcp::acceptor a(ioc, {net::ip::make_address("127.0.0.1"), 0});
    port = a.local_endpoint().port();
  }
  auto res = get("http://127.0.0.1:" + std::to_string(port) + "/");
  EXPECT_EQ(res.error, fetch_error::connect) << res.message();
}

TEST_F(FetchTest, Non200) {
  route r;
  r.status = 500;
  r.body = "{}";
  http.set("/err", r);
  auto res = get(http.origin() + "/err");
  EXPECT_EQ(res.error, fetch_error::status);
  EXPECT_EQ(res.status, 500u);
  auto missing = get(http.origin() + "/missing");
  EXPECT_EQ(missing.error, fetch_error::status);
  EXPECT_EQ(missing.status, 404u);
}

TEST_F(FetchTest, RedirectNotFollowed) {
  route r;
  r.status = 302;
  r.headers = {{"Location", "http://127.0.0.1:1/elsewhere"}};
  http.set("/moved", r);
  auto res = get(http.origin() + "/moved");
  EXPECT_EQ(res.error, fetch_error::redirect) << res.message();
  EXPECT_EQ(http.hits("/elsewhere"), 0);
}

TEST_F(FetchTest, NonJson) {
  route html;
  html.content_type = "text/html";
  html.body = "<html></html>";
  http.set("/html", html);
  EXPECT_EQ(get(http.origin() + "/html").error, fetch_error::content_type);
  route broken;
  broken.body = "{\"keys\": [";
  http.set("/broken", broken);
  EXPECT_EQ(get(http.origin() + "/broken").error, fetch_error::json);
  route none;
  none.content_type = "";
  none.body = "{}";
  http.set("/none", none);
  EXPECT_EQ(get(http.origin() + "/none").error, fetch_error::content_type);
}

TEST_F(FetchTest, CancelledPromptly) {
  route r;
  r.body = "{}";
  r.delay = 5s;
  http.set("/slow", r);
  net::cancellation_signal sig;
  fetch_options o;
  o.cancel = sig.slot();
  auto f = net::co_spawn(io.executor(), auth::fetch_json(io.executor(), http.origin() + "/slow", o), net::use_future);
  ASSERT_TRUE(eventually([&] { return http.hits("/slow") == 1; }));
  auto start = std::chrono::steady_clock::now();
  net::post(io.executor(), [&] { sig.emit(net::cancellation_type::terminal); });
  ASSERT_EQ(f.wait_for(2s), std::future_status::ready);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 500ms);
  EXPECT_EQ(f.get().error, fetch_error::cancelled);
}

TEST_F(FetchTest, PostsFormWithBasicCredentials) {
  http.set_json("/introspect", {{"active", true}});
  auto body = auth::form_encode({{"token", "a b+c"}, {"token_type_hint", "access_token"}});
  EXPECT_EQ(body, "token=a%20b%2Bc&token_type_hint=access_token");
  auto r = io.run(auth::post_form_json(io.executor(), http.origin() + "/introspect", body, {},
                                       auth::basic_credentials{"client:1", "s3cret"}));
  ASSERT_TRUE(r && r->ok()) << (r ? r->message() : "");
  auto req = http.last_request();
  EXPECT_EQ(req.method(), bhttp::verb::post);
  EXPECT_EQ(req[bhttp::field::content_type], "application/x-www-form-urlencoded");
  EXPECT_EQ(req.body(), body);
  // base64("client%3A1:s3cret"): the id is form-encoded first (RFC 6749 2.3.1).
  EXPECT_EQ(req[bhttp::field::authorization], "Basic Y2xpZW50JTNBMTpzM2NyZXQ=");
}

TEST(FetchParts, CacheControl) {
  EXPECT_EQ(auth::cache_max_age("max-age=60")->count(), 60);
  EXPECT_EQ(auth::cache_max_age("public , MAX-AGE=\"30\"")->count(), 30);
  EXPECT_EQ(auth::cache_max_age("no-store")->count(), 0);
  EXPECT_FALSE(auth::cache_max_age("public"));
  EXPECT_FALSE(auth::cache_max_age("max-age=-1"));
  EXPECT_FALSE(auth::cache_max_age("max-age=abc"));
  EXPECT_GT(auth::cache_max_age("max-age=99999999999999999999")->count(), 0);
}

// TLS: a throwaway CA, a server certificate for 127.0.0.1 and localhost, and impostors.
struct TlsFetchTest : ::testing::Test {
  static inline std::unique_ptr<test_ca> ca, other_ca;
  static inline std::string ca_file;
  static void SetUpTestSuite() {
    ca = std::make_unique<test_ca>("mcpx test CA");
    other_ca = std::make_unique<test_ca>("someone else's CA");
    ca_file = ca->write_ca_file("mcpx-fetch-ca");
  }
  static void TearDownTestSuite() { std::filesystem::remove(ca_file); }

  io_thread io;
  fetch_result get(const std::string& url) {
    fetch_options o;
    o.tls = auth::make_tls_context(ca_file);
    auto r = io.run(auth::fetch_json(io.executor(), url, o));
    return r ? std::move(*r) : fetch_result{};
  }
  static std::shared_ptr<net::ssl::context> tls_for(const test_ca& by, const std::string& san) {
    auto c = by.issue("server", san);
    return server_tls(c.cert_pem, c.key_pem);
  }
};

TEST_F(TlsFetchTest, VerifiedByIpAndName) {
  doc_server s(tls_for(*ca, "DNS:localhost,IP:127.0.0.1"));
  s.set_json("/doc", {{"ok", true}});
  auto by_ip = get(s.origin() + "/doc");
  EXPECT_TRUE(by_ip.ok()) << by_ip.message();
  auto by_name = get(s.origin("localhost") + "/doc");
  EXPECT_TRUE(by_name.ok()) << by_name.message();
}

TEST_F(TlsFetchTest, CertificateFromAnotherCaRefused) {
  doc_server s(tls_for(*other_ca, "DNS:localhost,IP:127.0.0.1"));
  s.set_json("/doc", {{"ok", true}});
  auto r = get(s.origin() + "/doc");
  EXPECT_EQ(r.error, fetch_error::tls);
  EXPECT_NE(r.detail.find("certificate verify failed"), std::string::npos) << r.detail;
  EXPECT_EQ(s.hits("/doc"), 0);
}

TEST_F(TlsFetchTest, HostnameMismatchRefused) {
  doc_server s(tls_for(*ca, "DNS:auth.example.com"));
  s.set_json("/doc", {{"ok", true}});
  for (auto host : {"127.0.0.1", "localhost"}) {
    auto r = get(s.origin(host) + "/doc");
    EXPECT_EQ(r.error, fetch_error::tls) << host;
    EXPECT_NE(r.detail.find("mismatch"), std::string::npos) << r.detail;
  }
  EXPECT_EQ(s.hits("/doc"), 0);
}

TEST_F(TlsFetchTest, PlainHttpServerBehindHttpsUrlFails) {
  doc_server plain;
  plain.set_json("/doc", {{"ok", true}});
  auto r = get("https://127.0.0.1:" + std::to_string(plain.port()) + "/doc");
  EXPECT_EQ(r.error, fetch_error::tls) << r.message();
}

TEST_F(TlsFetchTest, SystemStoreDoesNotTrustTestCa) {
  doc_server s(tls_for(*ca, "DNS:localhost,IP:127.0.0.1"));
  s.set_json("/doc", {{"ok", true}});
  auto r = io.run(auth::fetch_json(io.executor(), s.origin() + "/doc", {}));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->error, fetch_error::tls) << r->message();
}

}  // namespace
}  // namespace mcpx::test
