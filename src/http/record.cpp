#include "http/record.hpp"

#include <random>

namespace mcpx::http {

void random_id(std::string& out) {
  static thread_local std::uint64_t state = std::random_device{}() * 0x9E3779B97F4A7C15ull + 1;
  // xorshift: a request id needs to be unique enough to grep for, not unpredictable.
  state ^= state << 13, state ^= state >> 7, state ^= state << 17;
  static constexpr char hex[] = "0123456789abcdef";
  out.resize(16);
  for (int i = 0; i < 16; ++i) out[i] = hex[(state >> (60 - 4 * i)) & 15];
}

namespace {

std::shared_ptr<request_record> begin(std::shared_ptr<request_record>& mine, const std::string& remote,
                                      const server_config& cfg) {
  if (!mine || mine.use_count() > 1) mine = cfg.make_record ? cfg.make_record() : std::make_shared<request_record>();
  else mine->clear();
  mine->start = std::chrono::steady_clock::now();
  mine->time = std::chrono::system_clock::now();
  mine->remote = remote;
  return mine;
}

}  // namespace

std::shared_ptr<request_record> start_record(std::shared_ptr<request_record>& mine, const std::string& remote,
                                             const server_config& cfg) {
  auto rec = begin(mine, remote, cfg);
  random_id(rec->request_id);
  return rec;
}

std::shared_ptr<request_record> start_record(std::shared_ptr<request_record>& mine, const request& req,
                                             const std::string& remote, const server_config& cfg) {
  auto rec = begin(mine, remote, cfg);
  // Both names in one walk of the field list, the first of each: Beast's find() by name
  // searches its tree comparing case-insensitively at every node, twice per request.
  constexpr std::string_view request_id_name = "X-Request-Id", traceparent_name = "traceparent";
  static const bhttp::field request_id_code = bhttp::string_to_field(request_id_name),
                            traceparent_code = bhttp::string_to_field(traceparent_name);
  const request::value_type *request_id = nullptr, *traceparent = nullptr;
  for (const auto& f : req) {
    // By code, then by length, before comparing text: most fields are neither.
    const auto n = f.name_string();
    if (!request_id && f.name() == request_id_code && n.size() == request_id_name.size() &&
        beast::iequals(n, request_id_name))
      request_id = &f;
    else if (!traceparent && f.name() == traceparent_code && n.size() == traceparent_name.size() &&
             beast::iequals(n, traceparent_name))
      traceparent = &f;
  }
  if (request_id && request_id->value().size() <= 128) rec->request_id.assign(request_id->value());
  else random_id(rec->request_id);
  if (traceparent) rec->trace_id = trace_id_of(traceparent->value());
  rec->http_method.assign(req.method_string());
  // The path only: a query may carry secrets (an access_token a client should not have put there).
  std::string_view path(req.target().data(), req.target().size());
  path = path.substr(0, path.find('?'));
  if (path.size() > 256) path = path.substr(0, 256);
  rec->target.assign(path);
  return rec;
}

std::string trace_id_of(std::string_view tp) {
  // version "-" trace-id (32 lowercase hex, not all zero) "-" parent-id "-" flags
  if (tp.size() < 55 || tp[2] != '-' || tp[35] != '-') return {};
  auto id = tp.substr(3, 32);
  bool nonzero = false;
  for (char ch : id) {
    if (!((ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f'))) return {};
    nonzero = nonzero || ch != '0';
  }
  return nonzero ? std::string(id) : std::string();
}

}  // namespace mcpx::http
