#include "protocol/dispatcher.hpp"

#include "protocol/handler_context.hpp"
#include "util/base64.hpp"

namespace mcpx::protocol {

using code = jsonrpc::code;

dispatcher::dispatcher(const registry& reg, server_info info, dispatcher_config cfg,
                       std::shared_ptr<state::task_store> tasks, std::shared_ptr<state::message_bus> bus)
    : reg_(reg),
      info_(std::move(info)),
      cfg_(std::move(cfg)),
      state_codec_(cfg_.state_secret, cfg_.request_state_ttl),
      tasks_(std::make_unique<task_registry>(cfg_.task_ttl, cfg_.task_poll_interval, std::move(tasks), std::move(bus))),
      modern_capabilities_(server_capabilities(true)) {
  // What finish_result adds to a result that has neither member, as text: `"k":v,...`.
  const auto text = json::serialize(finish_result(json::object{}, true, false, {}));
  modern_tail_ = text.substr(1, text.size() - 2);
}

bool dispatcher::runs_user_code(std::string_view m) noexcept {
  return m == "tools/call" || m == "resources/read" || m == "prompts/get" || m == "completion/complete";
}

const json::object& empty_object() noexcept {
  static const json::object empty;
  return empty;
}

namespace {

// The "_meta" object of params `v`; null when there is none.
const json::object* meta_of(const json::value& v) {
  auto* m = v.is_object() ? v.get_object().if_contains("_meta") : nullptr;
  return m && m->is_object() ? &m->get_object() : nullptr;
}

// Where `target` sits in `om` (the original's "_meta": that object, or an object member of
// it), the object at the same place in `cm` (the copy's); null when it is not there.
const json::object* same_place(const json::object* om, const json::object* cm, const json::object* target) {
  if (!om || !cm) return nullptr;
  if (om == target) return cm;
  for (const auto& kv : *om) {
    if (!kv.value().is_object() || &kv.value().get_object() != target) continue;
    auto* v = cm->if_contains(kv.key());
    return v && v->is_object() ? &v->get_object() : nullptr;
  }
  return nullptr;
}

}  // namespace

call call::copy_to_heap() const {
  call o;  // default storage: each assignment below copies into it
  o.msg.type = msg.type;
  o.msg.id = msg.id;
  o.msg.method = msg.method;
  o.msg.params = msg.params;
  o.msg.result = msg.result;
  o.msg.error = msg.error;
  o.rev = rev;
  // A reference that owns its object (a legacy session's client declarations) is shared; an
  // empty one needs no copy; a view into the request's "_meta" (a 2026 call's declarations)
  // becomes a view of the same place in the params just copied, whose objects keep their
  // addresses when the call moves (nothing changes params after decoding). Other views are copied.
  const json::object *om = meta_of(msg.params), *cm = meta_of(o.msg.params);  // once, not per view
  auto heap_copy = [&](const object_ref& r) -> object_ref {
    if (r.use_count() > 0) return r;
    if (r->empty()) return view_of(empty_object());
    if (auto* at = same_place(om, cm, r.get())) return view_of(*at);
    return std::make_shared<const json::object>(*r, json::storage_ptr());
  };
  o.client_capabilities = heap_copy(client_capabilities);
  o.client_info = heap_copy(client_info);
  o.min_log_level = min_log_level;
  o.session_id = session_id;
  o.meta = heap_copy(meta);
  o.who = who;
  o.session = session;
  o.tool = tool;
  o.task = task;
  o.on_io_thread = on_io_thread;
  return o;
}

const tool_def* dispatcher::tool_of(const call& c) const {
  if (c.tool) return c.tool;
  if (c.msg.method != "tools/call" || !c.msg.params.is_object()) return nullptr;
  auto* name = c.msg.params.get_object().if_contains("name");
  return name && name->is_string() ? reg_.find_tool(name->get_string()) : nullptr;
}

bool dispatcher::runs_on_io_thread(const call& c, const tool_def* tool) const {
  if (!runs_user_code(c.msg.method)) return true;
  return tool && tool->runs_on == execution::io_thread;
}

outcome dispatcher::timed_out(const call& c, const tool_def& tool, std::chrono::milliseconds limit) const {
  return ok(c, timeout_error_result(tool.name, limit));  // ok() builds where the result is: the heap
}

outcome_kind kind_of_error(int c) noexcept {
  if (c == code::method_not_found) return outcome_kind::not_found;
  if (c == code::internal_error) return outcome_kind::failed;
  return outcome_kind::invalid;
}

outcome dispatcher::error(const json::value& id, int c, std::string_view message, json::value data) {
  return outcome{jsonrpc::make_error(id, c, message, data), kind_of_error(c)};
}

json::object dispatcher::finish_result(json::object result, bool modern, bool cacheable,
                                       const json::storage_ptr& sp) const {
  if (!modern) return result;
  result.reserve(result.size() + 4);
  if (!result.contains("resultType")) result["resultType"] = "complete";
  if (cacheable) {
    if (!result.contains("ttlMs")) result["ttlMs"] = cfg_.list_ttl.count();
    if (!result.contains("cacheScope")) result["cacheScope"] = "public";
  }
  auto& meta = result["_meta"];
  if (!meta.is_object()) meta = json::object(sp);
  json::object si(2, sp);
  si.emplace("name", info_.name);
  si.emplace("version", info_.version);
  meta.as_object()["io.modelcontextprotocol/serverInfo"] = std::move(si);
  return result;
}

outcome dispatcher::ok(const call& c, json::object result, bool cacheable) const {
  // Built where the result is, so it moves in without a copy: the call's storage (the request
  // arena on the I/O thread) for nearly every result, the heap for a large tool result
  // (encode_tool_result). A moved-from object keeps its storage, so `sp` stays valid below.
  const json::storage_ptr& sp = result.storage();
  json::object msg(3, sp);
  msg.emplace("jsonrpc", "2.0");
  msg.emplace("id", c.msg.id);
  // Most 2026-07-28 results (a tool's, an acknowledgment) have neither member: the fixed ones are
  // then written as text after the result, not built and serialized for every call (4k of a call's
  // 59k instructions, docs/performance.md). "result" is the envelope's last member.
  const bool modern = is_modern(c.rev);
  if (modern && !cacheable && !result.contains("resultType") && !result.contains("_meta")) {
    msg.emplace("result", std::move(result));
    outcome o{json::value(std::move(msg)), outcome_kind::ok};
    o.result_tail = modern_tail_;
    return o;
  }
  msg.emplace("result", finish_result(std::move(result), modern, cacheable, sp));
  return outcome{json::value(std::move(msg)), outcome_kind::ok};
}

std::string serialize(const outcome& o) {
  if (!o.result_tail.empty()) {
    // `{"jsonrpc":"2.0","id":…,"result":{…}}`: the members go before the result's brace.
    std::string text = jsonrpc::to_text(o.message, o.result_tail.size() + 1);
    if (text.size() < 4 || text.compare(text.size() - 2, 2, "}}") != 0) return text;
    const bool empty = text[text.size() - 3] == '{';
    text.resize(text.size() - 2);
    if (!empty) text += ',';  // after the result's own members
    text.append(o.result_tail).append("}}");
    return text;
  }
  std::string text = jsonrpc::to_text(o.message);
  if (!o.result_text || text.empty() || text.back() != '}') return text;
  text.pop_back();  // the envelope's closing brace: the result goes in before it
  text.reserve(text.size() + o.result_text->size() + 12);
  text.append(R"(,"result":)").append(*o.result_text).push_back('}');
  return text;
}

void materialize(outcome& o) {
  if (o.result_text && o.message.is_object())
    o.message.get_object()["result"] = json::parse(*o.result_text, o.message.storage());
  o.result_text.reset();
  if (o.result_tail.empty()) return;
  if (auto* r = o.message.is_object() ? o.message.get_object().if_contains("result") : nullptr; r && r->is_object()) {
    std::string text;
    text.reserve(o.result_tail.size() + 2);
    text.append("{").append(o.result_tail).append("}");
    auto tail = json::parse(text, o.message.storage()).get_object();
    for (auto& kv : tail) r->get_object()[kv.key()] = std::move(kv.value());
  }
  o.result_tail = {};
}

json::object dispatcher::server_capabilities(bool modern) const {
  json::object caps;
  caps["tools"] = json::object{{"listChanged", true}};
  caps["resources"] = modern ? json::object{{"listChanged", true}}
                             : json::object{{"subscribe", true}, {"listChanged", true}};
  caps["prompts"] = json::object{{"listChanged", true}};
  caps["completions"] = json::object{};
  caps["logging"] = json::object{};
  if (modern) caps["extensions"] = json::object{{tasks_extension, json::object{}}};
  return caps;
}

json::object dispatcher::initialize_result(std::string_view version) const {
  json::object r;
  r["protocolVersion"] = version;
  r["capabilities"] = server_capabilities(false);
  json::object si{{"name", info_.name}, {"version", info_.version}};
  if (!info_.title.empty()) si["title"] = info_.title;
  r["serverInfo"] = std::move(si);
  if (!info_.instructions.empty()) r["instructions"] = info_.instructions;
  return r;
}

outcome dispatcher::discover(const call& c) const {
  json::object r(4, c.storage());
  json::array versions(c.storage());
  for (auto v : supported_versions) versions.emplace_back(v);
  r["supportedVersions"] = std::move(versions);
  r["capabilities"] = modern_capabilities_;  // copied into the call's storage
  if (!info_.instructions.empty()) r["instructions"] = info_.instructions;
  return ok(c, std::move(r), true);
}

namespace {

std::optional<std::size_t> decode_cursor(const json::value& params, bool& bad) {
  bad = false;
  auto* p = params.is_object() ? params.get_object().if_contains("cursor") : nullptr;
  if (!p || p->is_null()) return 0;
  if (!p->is_string()) return bad = true, std::nullopt;
  auto text = util::base64url_decode(p->get_string());
  if (!text || text->rfind("o:", 0) != 0) return bad = true, std::nullopt;
  try {
    return std::stoul(text->substr(2));
  } catch (...) {
    return bad = true, std::nullopt;
  }
}

}  // namespace

template <class V>
void dispatcher::share_pages(const V& items, std::string_view key, shared_pages& pages) const {
  const std::size_t size = page_limit();
  for (std::size_t start = 0, end = 0; start < items.size(); start = end) {
    end = start + std::min(size, items.size() - start);
    bool per_caller = false;
    for (std::size_t i = start; i < end && cfg_.filter_lists; ++i)
      per_caller = per_caller || !items[i]->access.scopes.empty();
    if (per_caller) {  // filtered by the caller's scopes: made per request
      pages.legacy.push_back(nullptr);
      pages.modern.push_back(nullptr);
      continue;
    }
    json::array page;
    page.reserve(end - start);
    for (std::size_t i = start; i < end; ++i) page.push_back(items[i]->wire);
    json::object r;
    r[key] = std::move(page);
    if (end < items.size()) r["nextCursor"] = util::base64url_encode("o:" + std::to_string(end));
    pages.legacy.push_back(std::make_shared<const std::string>(json::serialize(finish_result(r, false, true, {}))));
    pages.modern.push_back(
        std::make_shared<const std::string>(json::serialize(finish_result(std::move(r), true, true, {}))));
  }
}

template <class V>
outcome dispatcher::paginate(const call& c, const V& items, std::string_view key, shared_pages& pages) const {
  bool bad = false;
  auto start = decode_cursor(c.msg.params, bad);
  if (bad || *start > items.size()) return error(c.msg.id, code::invalid_params, "Invalid params: unknown cursor");
  // A page every caller sees the same: its text made once, not a copy of each offering's
  // JSON and a serialization per request (tools/list of 200 tools was mostly that).
  const std::size_t size = page_limit();
  if (*start % size == 0) {
    std::call_once(pages.once, [&] { share_pages(items, key, pages); });
    const auto& by_page = is_modern(c.rev) ? pages.modern : pages.legacy;
    if (const std::size_t n = *start / size; n < by_page.size() && by_page[n]) {
      json::object msg(2, c.storage());
      msg.emplace("jsonrpc", "2.0");
      msg.emplace("id", c.msg.id);
      return outcome{json::value(std::move(msg)), outcome_kind::ok, by_page[n]};
    }
  }
  json::array page;
  std::size_t end = *start;
  // With filtering a page holds page_size offerings the caller may use; the cursor still
  // indexes the whole list, so pages stay stable while the caller's scopes do.
  for (; end < items.size() && page.size() < size; ++end) {
    const auto& scopes = items[end]->access.scopes;
    if (cfg_.filter_lists && !scopes.empty() && !(c.who && c.who->has_scopes(scopes))) continue;
    page.push_back(items[end]->wire);
  }
  json::object r;
  r[key] = std::move(page);
  if (end < items.size()) r["nextCursor"] = util::base64url_encode("o:" + std::to_string(end));
  return ok(c, std::move(r), true);
}

outcome dispatcher::list_tools(const call& c) const { return paginate(c, reg_.tools(), "tools", tool_pages_); }
outcome dispatcher::list_resources(const call& c) const {
  return paginate(c, reg_.resources(), "resources", resource_pages_);
}
outcome dispatcher::list_templates(const call& c) const {
  return paginate(c, reg_.templates(), "resourceTemplates", template_pages_);
}
outcome dispatcher::list_prompts(const call& c) const { return paginate(c, reg_.prompts(), "prompts", prompt_pages_); }
outcome dispatcher::set_level(call& c) const {
  auto* lv = c.msg.params.is_object() ? c.msg.params.get_object().if_contains("level") : nullptr;
  auto level = lv && lv->is_string() ? parse_log_level(lv->get_string()) : std::nullopt;
  if (!level)
    return error(c.msg.id, code::invalid_params,
                 "Invalid params: \"level\" must be one of debug, info, notice, warning, error, critical, alert, "
                 "emergency");
  if (c.session) c.session->set_log_level(*level);
  return ok(c, json::object{});
}

outcome dispatcher::subscribe(call& c, bool on) const {
  auto* uri = c.msg.params.is_object() ? c.msg.params.get_object().if_contains("uri") : nullptr;
  if (!uri || !uri->is_string())
    return error(c.msg.id, code::invalid_params, "Invalid params: \"uri\" must be a string");
  if (!c.session)
    return error(c.msg.id, code::method_not_found, "Method not found: resources/subscribe needs a session");
  std::string u(uri->get_string());
  if (!on) c.session->unsubscribe(u);
  else if (!c.session->subscribe(u))
    return error(c.msg.id, code::invalid_params,
                 "Invalid params: this session has too many subscriptions; unsubscribe from some first");
  return ok(c, json::object{});
}

outcome dispatcher::dispatch(call& c, outbound& out) const {
  const std::string& m = c.msg.method;
  if (c.msg.type == jsonrpc::kind::notification) return outcome{nullptr, outcome_kind::accepted};
  if (m == "tools/list") return list_tools(c);
  if (m == "tools/call") return call_tool(c, out);
  if (m == "resources/list") return list_resources(c);
  if (m == "resources/templates/list") return list_templates(c);
  if (m == "resources/read") return read_resource(c, out);
  if (m == "prompts/list") return list_prompts(c);
  if (m == "prompts/get") return get_prompt(c, out);
  if (m == "completion/complete") return complete(c);
  if (is_modern(c.rev)) {
    if (m == "server/discover") return discover(c);
    if (m == "tasks/get" || m == "tasks/update" || m == "tasks/cancel") return task_method(c);
  } else {
    if (m == "ping") return ok(c, json::object{});
    if (m == "logging/setLevel") return set_level(c);
    if (m == "resources/subscribe") return subscribe(c, true);
    if (m == "resources/unsubscribe") return subscribe(c, false);
  }
  return error(c.msg.id, code::method_not_found, "Method not found: " + m);
}

}  // namespace mcpx::protocol
