#include "redis/reply.hpp"

#include <cstdio>

namespace mcpx::redis {

reply reply::array(std::vector<reply> elements) {
  reply r;
  r.kind_ = kind::array;
  r.elements_ = std::move(elements);
  return r;
}

bool reply::operator==(const reply& o) const {
  return kind_ == o.kind_ && int_ == o.int_ && str_ == o.str_ && elements_ == o.elements_;
}

namespace {

void quote(std::string& out, std::string_view s) {
  out += '"';
  for (unsigned char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c == '\r') {
      out += "\\r";
    } else if (c == '\n') {
      out += "\\n";
    } else if (c < 0x20 || c >= 0x7f) {
      char hex[5];
      std::snprintf(hex, sizeof hex, "\\x%02x", c);
      out += hex;
    } else {
      out += static_cast<char>(c);
    }
  }
  out += '"';
}

void append(std::string& out, const reply& r) {
  switch (r.type()) {
    case reply::kind::nil: out += "(nil)"; break;
    case reply::kind::integer: out += "(integer) " + std::to_string(r.as_integer()); break;
    case reply::kind::simple:
    case reply::kind::bulk: quote(out, r.str()); break;
    case reply::kind::error: out.append("(error) ").append(r.str()); break;
    case reply::kind::array: {
      out += '[';
      for (std::size_t i = 0; i < r.elements().size(); ++i) {
        if (i) out += ", ";
        append(out, r.elements()[i]);
      }
      out += ']';
      break;
    }
  }
}

}  // namespace

std::string to_string(const reply& r) {
  std::string out;
  append(out, r);
  return out;
}

std::string_view to_string(reply::kind k) noexcept {
  switch (k) {
    case reply::kind::nil: return "nil";
    case reply::kind::integer: return "integer";
    case reply::kind::simple: return "simple";
    case reply::kind::bulk: return "bulk";
    case reply::kind::error: return "error";
    case reply::kind::array: return "array";
  }
  return "unknown";
}

}  // namespace mcpx::redis
