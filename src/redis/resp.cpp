#include "redis/resp.hpp"

#include <hiredis/hiredis.h>

#include <charconv>
#include <new>
#include <utility>

namespace mcpx::redis {

namespace {

void append_prefixed(std::string& out, char type, std::size_t n) {
  char digits[24];
  auto end = std::to_chars(digits, digits + sizeof digits, n).ptr;
  out += type;
  out.append(digits, end);
  out += "\r\n";
}

// hiredis calls these while parsing; each places its value into the parent array's slot
// (sized by create_array) or, for the root, into reader::root_ (the privdata), and returns
// where it went. Nothing here may throw into C: a failed allocation returns null, which
// hiredis reports as "Out of memory".
void* place(const redisReadTask* t, reply&& value) noexcept {
  reply* at = t->parent ? &static_cast<reply*>(t->parent->obj)->elements()[static_cast<std::size_t>(t->idx)]
                        : static_cast<reply*>(t->privdata);
  *at = std::move(value);
  return at;
}

void* create_string(const redisReadTask* t, char* s, size_t len) {
  try {
    std::string bytes(s, len);
    switch (t->type) {
      case REDIS_REPLY_ERROR: return place(t, reply::error(std::move(bytes)));
      case REDIS_REPLY_STATUS: return place(t, reply::simple(std::move(bytes)));
      default: return place(t, reply::bulk(std::move(bytes)));
    }
  } catch (...) {
    return nullptr;
  }
}

void* create_array(const redisReadTask* t, int elements) {
  try {
    return place(t, reply::array(std::vector<reply>(static_cast<std::size_t>(elements))));
  } catch (...) {
    return nullptr;
  }
}

void* create_integer(const redisReadTask* t, long long v) { return place(t, reply::integer(v)); }
void* create_nil(const redisReadTask* t) { return place(t, reply::nil()); }
// Only ever the root (hiredis frees r->reply on a protocol error); children belong to it.
void free_object(void* obj) { *static_cast<reply*>(obj) = reply::nil(); }

redisReplyObjectFunctions functions = {create_string, create_array, create_integer, create_nil, free_object};

}  // namespace

void append_array_header(std::string& out, std::size_t elements) { append_prefixed(out, '*', elements); }

void append_bulk(std::string& out, std::string_view bytes) {
  append_prefixed(out, '$', bytes.size());
  out.append(bytes);
  out += "\r\n";
}

void encode_command(std::string& out, std::span<const std::string_view> args) {
  std::size_t need = 16;
  for (auto a : args) need += a.size() + 16;
  out.reserve(out.size() + need);
  append_array_header(out, args.size());
  for (auto a : args) append_bulk(out, a);
}

reader::reader() : r_(redisReaderCreateWithFunctions(&functions)) {
  if (!r_) throw std::bad_alloc();
  r_->privdata = &root_;
}

reader::~reader() { redisReaderFree(r_); }

bool reader::feed(std::string_view bytes) { return redisReaderFeed(r_, bytes.data(), bytes.size()) == REDIS_OK; }

reader::status reader::next(reply& out) {
  void* got = nullptr;
  if (redisReaderGetReply(r_, &got) != REDIS_OK) return status::error;
  if (!got) return status::need_more;
  out = std::exchange(root_, reply::nil());
  return status::reply;
}

std::string_view reader::error_message() const noexcept { return r_->errstr; }

}  // namespace mcpx::redis
