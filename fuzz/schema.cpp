// Fuzz target: the JSON Schema compiler and validator (mcpx::schema::validator).
// Input: a schema on the first line, the instance after the first newline; without a
// newline the schema is validated against itself. Both are parsed with Boost.JSON (input
// that is not JSON is skipped: the registry and the decoder only ever hand over parsed
// values), then the schema is compiled with the default limits and with tight ones, and
// each validator that compiled checks the instance.
// Nothing is caught here: compile() reports every failure through its error string and
// validate() is documented never to throw (validator.hpp), so an exception is a finding.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "common.hpp"
#include "mcpx/schema/validator.hpp"

namespace json = boost::json;
using mcpx::schema::limits;
using mcpx::schema::validator;

namespace {

std::optional<json::value> parse(std::string_view text, std::size_t max_depth) {
  json::parse_options opt;
  opt.max_depth = max_depth;
  boost::system::error_code ec;
  json::value v = json::parse(text, ec, {}, opt);
  if (ec) return std::nullopt;
  return v;
}

void compile_and_validate(const json::value& schema, const json::value& instance, limits lim) {
  std::string error = "unset";
  auto v = validator::compile(schema, &error, lim);
  if (!v) {
    if (error.empty() || error == "unset") mcpx::fuzz::fail("compile() failed without an error message");
    return;
  }
  if (!error.empty()) mcpx::fuzz::fail("compile() succeeded but left an error message", error);
  auto first = v->validate(instance);
  if (first && (first->keyword.empty() || first->message.empty()))
    mcpx::fuzz::fail("a violation without a keyword or message", first->instance_path);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const auto nl = input.find('\n');
  // Schemas nest deeper than the compiler's limit may (64 subschemas, each two JSON levels);
  // instances as deep as a JSON-RPC message may be (jsonrpc::parse stops at 64).
  auto schema = parse(input.substr(0, nl), 256);
  if (!schema) return -1;  // not worth keeping in the corpus
  std::optional<json::value> instance = nl == std::string_view::npos ? schema : parse(input.substr(nl + 1), 64);
  if (!instance) return -1;
  compile_and_validate(*schema, *instance, limits{});
  compile_and_validate(*schema, *instance, limits{.max_depth = 4, .max_subschemas = 16});
  return 0;
}
