// A request's storage: a flat field array and text blocks, in its memory resource.
#include "http/request.hpp"

#include <algorithm>
#include <boost/beast/core/string.hpp>
#include <cstring>
#include <utility>

namespace mcpx::http {

namespace bhttp = boost::beast::http;

namespace {
// Most heads fit the first block and the first array (a client sends 5 to 12 fields).
constexpr std::size_t first_text_block = 1024;
constexpr std::uint32_t first_field_capacity = 16;
}  // namespace

request::request(std::pmr::memory_resource* mr) noexcept : mr_(mr), body_(mr) {}

request::~request() { free_all(); }

request::request(request&& o) noexcept
    : mr_(o.mr_),
      method_(o.method_),
      version_(o.version_),
      method_text_(o.method_text_),
      target_(o.target_),
      fields_(std::exchange(o.fields_, nullptr)),
      count_(std::exchange(o.count_, 0)),
      capacity_(std::exchange(o.capacity_, 0)),
      blocks_(std::exchange(o.blocks_, nullptr)),
      text_at_(std::exchange(o.text_at_, nullptr)),
      text_left_(std::exchange(o.text_left_, 0)),
      body_(std::move(o.body_)) {
  o.method_text_ = o.target_ = {};
}

request& request::operator=(request&& o) noexcept {
  if (this == &o) return *this;
  free_all();
  mr_ = o.mr_;
  method_ = o.method_;
  version_ = o.version_;
  method_text_ = std::exchange(o.method_text_, {});
  target_ = std::exchange(o.target_, {});
  fields_ = std::exchange(o.fields_, nullptr);
  count_ = std::exchange(o.count_, 0);
  capacity_ = std::exchange(o.capacity_, 0);
  blocks_ = std::exchange(o.blocks_, nullptr);
  text_at_ = std::exchange(o.text_at_, nullptr);
  text_left_ = std::exchange(o.text_left_, 0);
  // The body's allocator does not propagate on move assignment: it moves when both use the
  // same resource and copies otherwise, so it is made anew with the other's resource.
  body_type b(std::move(o.body_), mr_);
  body_.~body_type();
  new (&body_) body_type(std::move(b));
  return *this;
}

void request::free_all() noexcept {
  if (fields_) mr_->deallocate(fields_, capacity_ * sizeof(request_field), alignof(request_field));
  while (blocks_) {
    text_block* next = blocks_->next;
    mr_->deallocate(blocks_, sizeof(text_block) + blocks_->size, alignof(text_block));
    blocks_ = next;
  }
  fields_ = nullptr;
  count_ = capacity_ = 0;
  text_at_ = nullptr;
  text_left_ = 0;
}

void request::method(bhttp::verb v) {
  method_ = v;
  method_text_ = bhttp::to_string(v);  // Beast's static text: nothing to keep
}

void request::method_string(std::string_view s) {
  method_ = bhttp::string_to_verb(s);
  // A verb Beast knows matches its text exactly (methods are case-sensitive).
  method_text_ = method_ == bhttp::verb::unknown ? keep(s) : std::string_view(bhttp::to_string(method_));
}

char* request::grow_text(std::size_t n) {
  const std::size_t size = std::max(n, blocks_ ? blocks_->size * 2 : first_text_block);
  auto* b = static_cast<text_block*>(mr_->allocate(sizeof(text_block) + size, alignof(text_block)));
  b->next = blocks_;
  b->size = size;
  blocks_ = b;
  text_at_ = reinterpret_cast<char*>(b + 1);
  text_left_ = size;
  return text_at_;
}

std::string_view request::keep(std::string_view s) {
  if (s.empty()) return {};
  char* at = s.size() <= text_left_ ? text_at_ : grow_text(s.size());
  std::memcpy(at, s.data(), s.size());
  text_at_ = at + s.size();
  text_left_ -= s.size();
  return {at, s.size()};
}

void request::grow_fields() {
  const std::uint32_t cap = capacity_ ? capacity_ * 2 : first_field_capacity;
  auto* f = static_cast<request_field*>(mr_->allocate(cap * sizeof(request_field), alignof(request_field)));
  if (count_) std::memcpy(static_cast<void*>(f), fields_, count_ * sizeof(request_field));
  if (fields_) mr_->deallocate(fields_, capacity_ * sizeof(request_field), alignof(request_field));
  fields_ = f;
  capacity_ = cap;
}

void request::insert(bhttp::field code, std::string_view name, std::string_view value) {
  if (count_ == capacity_) grow_fields();
  // One copy for both: the name and the value sit side by side in the block.
  char* at = name.size() + value.size() <= text_left_ ? text_at_ : grow_text(name.size() + value.size());
  if (!name.empty()) std::memcpy(at, name.data(), name.size());
  if (!value.empty()) std::memcpy(at + name.size(), value.data(), value.size());
  text_at_ = at + name.size() + value.size();
  text_left_ -= name.size() + value.size();
  fields_[count_++] = {code, {at, name.size()}, {at + name.size(), value.size()}};
}

void request::insert(std::string_view name, std::string_view value) {
  insert(bhttp::string_to_field(name), name, value);
}

void request::insert(bhttp::field code, std::string_view value) { insert(code, bhttp::to_string(code), value); }

bool request::same_name(const request_field& f, bhttp::field code, std::string_view name) noexcept {
  if (f.code != code) return false;
  return code != bhttp::field::unknown || boost::beast::iequals(f.name_text, name);
}

void request::set(std::string_view name, std::string_view value) {
  const auto code = bhttp::string_to_field(name);
  auto* kept = std::remove_if(fields_, fields_ + count_,
                              [&](const request_field& f) { return same_name(f, code, name); });
  count_ = static_cast<std::uint32_t>(kept - fields_);
  insert(code, name, value);
}

void request::set(bhttp::field code, std::string_view value) { set(bhttp::to_string(code), value); }

std::string_view request::operator[](bhttp::field code) const noexcept {
  if (code == bhttp::field::unknown) return {};  // not a name: use the text overload
  for (const auto& f : *this)
    if (f.code == code) return f.value_text;
  return {};
}

std::string_view request::operator[](std::string_view name) const noexcept {
  const auto code = bhttp::string_to_field(name);
  for (const auto& f : *this)
    if (same_name(f, code, name)) return f.value_text;
  return {};
}

}  // namespace mcpx::http
