#include "load/checks.hpp"

#include <algorithm>
#include <boost/json.hpp>
#include <charconv>
#include <cstring>
#include <stdexcept>

#include "shapes/shape_text.hpp"

namespace mcpx::bench {

namespace json = boost::json;

shape parse_shape(const std::string& s) {
  if (s == "echo") return shape::echo;
  if (s == "text_100k") return shape::text_100k;
  if (s == "text_1m") return shape::text_1m;
  if (s == "progress_100") return shape::progress_100;
  if (s == "tools_list") return shape::tools_list;
  throw std::invalid_argument("unknown shape '" + s + "' (echo, text_100k, text_1m, progress_100, tools_list)");
}

const char* to_string(shape s) {
  switch (s) {
    case shape::echo: return "echo";
    case shape::text_100k: return "text_100k";
    case shape::text_1m: return "text_1m";
    case shape::progress_100: return "progress_100";
    case shape::tools_list: return "tools_list";
  }
  return "?";
}

std::string_view tool_of(shape s) {
  return s == shape::echo || s == shape::tools_list ? std::string_view() : std::string_view(to_string(s));
}

std::size_t text_size_of(shape s) { return s == shape::text_100k ? shape_100k : s == shape::text_1m ? shape_1m : 0; }

// A fixed first block for the parser: a page of 200 tools (~80 KB of JSON) parses without a
// malloc after the first answer; bigger documents spill into further blocks.
struct check_scratch::impl {
  static constexpr std::size_t arena_size = 256 * 1024;
  // Not zero-filled: only what a parse touches becomes resident (256 connections x 256 KiB).
  std::unique_ptr<unsigned char[]> arena{new unsigned char[arena_size]};
  std::string excised;  // a padded answer without its text
  // tools/list pages checked in full: the text, its id, and what it counted.
  struct known_page {
    std::string text;
    std::uint64_t id = 0;
    std::size_t tools = 0;
    std::vector<unsigned> synthetic;
    std::string next_cursor;
  };
  std::vector<known_page> pages;
};

check_scratch::check_scratch() : impl_(std::make_unique<impl>()) {}
check_scratch::~check_scratch() = default;

namespace {

// Parses `payload` as a JSON-RPC answer for `id` and returns its result object, or null.
const json::object* result_of(json::value& v, std::string_view payload, std::uint64_t id, json::storage_ptr sp,
                              std::string& why) {
  boost::system::error_code ec;
  v = json::parse(payload, ec, std::move(sp));
  if (ec || !v.is_object()) return why = "not json", nullptr;
  auto& o = v.get_object();
  auto* rid = o.if_contains("id");
  if (!rid || !rid->is_number() || rid->to_number<std::uint64_t>(ec) != id || ec)
    return why = o.contains("error") ? "json-rpc error" : "wrong id", nullptr;
  auto* result = o.if_contains("result");
  if (!result || !result->is_object()) return why = "no result", nullptr;
  return &result->get_object();
}

bool call_result_ok(const json::object& result, std::string_view text, std::string& why) {
  if (auto* e = result.if_contains("isError"); e && e->is_bool() && e->get_bool()) return why = "isError", false;
  auto* content = result.if_contains("content");
  if (!content || !content->is_array() || content->get_array().empty() || !content->get_array()[0].is_object())
    return why = "no content", false;
  auto* t = content->get_array()[0].get_object().if_contains("text");
  if (!t || !t->is_string() || t->get_string() != text) return why = "wrong text", false;
  return true;
}

// Calls f(data) for each event of an SSE body, in order; stops when f returns false.
// Events end at a blank line; data lines are joined with '\n'; other fields are skipped. An
// event with empty data is not dispatched (as in the SSE spec): 2025-11-25 servers open a
// stream with one, an event id to resume from and nothing else.
template <class F>
bool for_each_event(std::string_view body, std::string& joined, F f) {
  joined.clear();
  bool has_data = false;
  while (!body.empty()) {
    auto eol = body.find('\n');
    auto line = body.substr(0, eol);
    body.remove_prefix(eol == std::string_view::npos ? body.size() : eol + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty()) {
      if (has_data && !joined.empty() && !f(std::string_view(joined))) return false;
      joined.clear();
      has_data = false;
    } else if (line.starts_with("data:")) {
      line.remove_prefix(5);
      if (!line.empty() && line.front() == ' ') line.remove_prefix(1);
      if (has_data) joined += '\n';
      joined += line;
      has_data = true;
    }
  }
  return !has_data || joined.empty() || f(std::string_view(joined));  // a last event without its blank line
}

}  // namespace

std::string_view answer_payload(std::string_view body, std::string_view content_type) {
  if (!content_type.starts_with("text/event-stream")) return body;
  auto at = body.rfind("data:");
  if (at == std::string_view::npos) return {};
  body = body.substr(at + 5);
  if (!body.empty() && body.front() == ' ') body.remove_prefix(1);
  return body.substr(0, body.find('\n'));
}

bool check_call_result(std::string_view payload, std::uint64_t id, std::string_view text, check_scratch& s,
                       std::string& why) {
  auto& arena = s.get().arena;
  json::monotonic_resource mr(arena.get(), check_scratch::impl::arena_size);
  json::value v;
  auto* result = result_of(v, payload, id, &mr, why);
  return result && call_result_ok(*result, text, why);
}

bool check_padded_result(std::string_view payload, std::uint64_t id, std::string_view prefix, const std::string& fill,
                         check_scratch& s, std::string& why) {
  // The text is the first "text" member with a string value (content[0]'s; "type":"text" is a
  // value, not a member). Compare it in place, then check the rest of the answer as JSON
  // with the text cut out: the answer must then be an ordinary result with an empty text.
  constexpr std::string_view key = R"("text":")";
  auto at = payload.find(key);
  if (at == std::string_view::npos) return why = "no text", false;
  at += key.size();
  auto size = fill.size();
  if (payload.size() < at + size + 1 || payload[at + size] != '"') return why = "wrong text length", false;
  auto n = std::min(prefix.size(), size);
  if (payload.compare(at, n, prefix.substr(0, n)) != 0 ||
      std::memcmp(payload.data() + at + n, fill.data() + n, size - n) != 0)
    return why = "wrong text", false;
  auto& cut = s.get().excised;
  cut.assign(payload.substr(0, at));
  cut.append(payload.substr(at + size));
  return check_call_result(cut, id, {}, s, why);
}

bool check_progress_stream(std::string_view sse_body, std::uint64_t id, unsigned events, std::string_view text,
                           check_scratch& s, std::string& why) {
  unsigned seen = 0;
  double last = -1;
  bool answered = false;
  std::string joined;
  auto& arena = s.get().arena;
  for_each_event(sse_body, joined, [&](std::string_view data) {
    if (answered) return why = "a message after the answer", false;
    json::monotonic_resource mr(arena.get(), check_scratch::impl::arena_size);
    if (seen == events) {
      json::value v;
      auto* result = result_of(v, data, id, &mr, why);
      return answered = result && call_result_ok(*result, text, why);
    }
    boost::system::error_code ec;
    auto v = json::parse(data, ec, &mr);
    auto* o = !ec && v.is_object() ? &v.get_object() : nullptr;
    auto* method = o ? o->if_contains("method") : nullptr;
    if (!method || !method->is_string() || method->get_string() != "notifications/progress")
      return why = "expected progress " + std::to_string(seen + 1) + " of " + std::to_string(events), false;
    auto* params = o->if_contains("params");
    auto* p = params && params->is_object() ? &params->get_object() : nullptr;
    auto* token = p ? p->if_contains("progressToken") : nullptr;
    if (!token || !token->is_number() || token->to_number<std::uint64_t>(ec) != id || ec)
      return why = "wrong progressToken", false;
    auto* progress = p->if_contains("progress");
    if (!progress || !progress->is_number()) return why = "progress not a number", false;
    double value = progress->to_number<double>(ec);
    if (ec || value <= last) return why = "progress not increasing", false;
    last = value;
    ++seen;
    return true;
  });
  if (!why.empty()) return false;
  if (!answered) return why = seen < events ? "too few progress events" : "no answer after the progress events", false;
  return true;
}

namespace {

// `payload` is `known` with its `"id":<known.id>` replaced by `"id":<id>` (id != known.id), and
// no other byte different.
bool same_but_id(std::string_view payload, std::uint64_t id, const check_scratch::impl::known_page& known) {
  char a[24], b[24];
  const std::string_view old_id(a, static_cast<std::size_t>(std::to_chars(a, a + sizeof a, known.id).ptr - a));
  const std::string_view new_id(b, static_cast<std::size_t>(std::to_chars(b, b + sizeof b, id).ptr - b));
  const std::string_view was = known.text;
  if (id == known.id || payload.size() + old_id.size() != was.size() + new_id.size()) return false;
  std::size_t k = std::mismatch(payload.begin(), payload.end(), was.begin(), was.end()).first - payload.begin();
  auto digit = [](char c) { return c >= '0' && c <= '9'; };
  while (k > 0 && digit(payload[k - 1])) --k;  // back to the start of the number
  constexpr std::string_view key = "\"id\":";
  if (k < key.size() || payload.substr(k - key.size(), key.size()) != key) return false;
  if (payload.substr(k, new_id.size()) != new_id || was.substr(k, old_id.size()) != old_id) return false;
  const auto rest = payload.substr(k + new_id.size());
  const auto was_rest = was.substr(k + old_id.size());
  return rest == was_rest && (rest.empty() || !digit(rest.front()));
}

}  // namespace

bool check_tools_page(std::string_view payload, std::uint64_t id, tools_listing& into, check_scratch& s,
                      std::string& why) {
  for (const auto& known : s.get().pages) {
    if (!same_but_id(payload, id, known)) continue;
    for (unsigned index : known.synthetic) {
      if (index >= into.synthetic.size()) into.synthetic.resize(index + 1, false);
      if (into.synthetic[index]) return why = "a tool listed twice", false;
      into.synthetic[index] = true;
    }
    into.tools += known.tools;
    ++into.pages;
    into.next_cursor = known.next_cursor;
    return true;
  }
  check_scratch::impl::known_page page;
  auto& arena = s.get().arena;
  json::monotonic_resource mr(arena.get(), check_scratch::impl::arena_size);
  json::value v;
  auto* result = result_of(v, payload, id, &mr, why);
  if (!result) return false;
  auto* tools = result->if_contains("tools");
  if (!tools || !tools->is_array()) return why = "no tools", false;
  for (auto& t : tools->get_array()) {
    auto* o = t.if_object();
    auto* name = o ? o->if_contains("name") : nullptr;
    if (!name || !name->is_string()) return why = "a tool without a name", false;
    auto* schema = o->if_contains("inputSchema");
    auto* type = schema && schema->is_object() ? schema->get_object().if_contains("type") : nullptr;
    if (!type || !type->is_string() || type->get_string() != "object") return why = "a tool without inputSchema", false;
    std::string_view n = name->get_string();
    unsigned index = 0;
    if (n.size() == 8 && n.starts_with("tool_") &&
        std::from_chars(n.data() + 5, n.data() + 8, index).ptr == n.data() + 8) {
      if (index >= into.synthetic.size()) into.synthetic.resize(index + 1, false);
      if (into.synthetic[index]) return why = "a tool listed twice", false;
      into.synthetic[index] = true;
      page.synthetic.push_back(index);
    }
    ++into.tools;
    ++page.tools;
  }
  ++into.pages;
  into.next_cursor.clear();
  if (auto* c = result->if_contains("nextCursor"); c && !c->is_null()) {
    if (!c->is_string() || c->get_string().empty()) return why = "bad nextCursor", false;
    into.next_cursor = c->get_string();
  }
  // Kept for the next listings (a listing has a few pages; a bound for servers whose pages vary).
  auto& known = s.get().pages;
  if (known.size() < 16) {
    page.text = payload;
    page.id = id;
    page.next_cursor = into.next_cursor;
    known.push_back(std::move(page));
  }
  return true;
}

bool check_tools_total(const tools_listing& l, std::size_t expected, std::string& why) {
  if (l.tools != expected)
    return why = "listed " + std::to_string(l.tools) + " tools, expected " + std::to_string(expected), false;
  for (bool seen : l.synthetic)
    if (!seen) return why = "a tool_NNN missing", false;
  return true;
}

}  // namespace mcpx::bench
