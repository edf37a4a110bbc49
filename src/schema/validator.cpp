// Public entry points of mcpx_schema. Neither compile() nor validate() lets an exception
// escape: a server must turn a bad schema or a pathological instance into an error
// message, never into a crash.
#include "internal.hpp"

#include <exception>
#include <utility>

namespace mcpx::schema {

validator::validator(std::unique_ptr<impl> p) : impl_(std::move(p)) {}
validator::validator(validator&&) noexcept = default;
validator& validator::operator=(validator&&) noexcept = default;
validator::~validator() = default;

std::optional<validator> validator::compile(const boost::json::value& schema, std::string* error, limits lim) {
  std::string message;
  try {
    auto p = std::make_unique<impl>();
    p->lim = lim;
    p->doc = schema;  // nodes point into this copy, which outlives them
    if (detail::compile_document(*p, message)) {
      if (error) error->clear();
      return validator(std::move(p));
    }
  } catch (const std::exception& e) {
    message = std::string("schema compilation failed: ") + e.what();
  } catch (...) {
    message = "schema compilation failed";
  }
  if (message.empty()) message = "schema compilation failed";
  if (error) *error = std::move(message);
  return std::nullopt;
}

std::optional<violation> validator::validate(const boost::json::value& instance) const {
  if (!impl_) return violation{"", "schema", "the validator is empty (moved from)"};
  try {
    return detail::evaluate_document(*impl_, instance);
  } catch (const std::exception& e) {
    // Only resource exhaustion (std::bad_alloc) gets here.
    return violation{"", "error", std::string("the value could not be validated: ") + e.what()};
  } catch (...) {
    return violation{"", "error", "the value could not be validated"};
  }
}

}  // namespace mcpx::schema
