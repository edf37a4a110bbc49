#pragma once
// Schema compiler. Compilation runs in two phases so that $ref cycles cost nothing:
//  1. index: an iterative walk over every subschema position assigns node ids and
//     registers schema resources ($id) and anchors ($anchor, $dynamicAnchor);
//  2. compile: each indexed subschema becomes a `node`; $ref resolves to the id of an
//     already indexed value (a target outside the usual keyword positions, such as
//     "#/x-defs/a", is indexed on demand and compiled later in the same loop).
#include "internal.hpp"

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace mcpx::schema::detail {

class compiler {
 public:
  compiler(validator::impl& out, std::string& error) : out_(out), error_(error) {}

  bool run();

  /// Records `message` as the compile error (first one wins) and returns false.
  bool fail(std::string message);

  /// Node id of the subschema `v` found under node `from` at `suffix` (e.g. "/properties/a").
  /// Indexes it first when needed. Returns no_node after fail().
  node_id child(const json::value& v, node_id from, std::string_view suffix);

  /// Resolves a $ref/$dynamicRef written in node `from`. On success sets `target`; for
  /// a $dynamicRef whose target declares a matching $dynamicAnchor, sets `dynamic_name`.
  bool resolve_ref(std::string_view ref, node_id from, node_id& target, std::string* dynamic_name);

  /// "#/properties/a": where node `id` sits, for compile errors.
  std::string pointer_of(node_id id) const { return pending_[id].pointer; }

 private:
  struct pending {
    const json::value* value = nullptr;
    std::uint32_t resource = 0;
    std::uint32_t depth = 0;
    dialect d = dialect::draft2020_12;
    std::string pointer;
  };
  struct resource {
    std::string uri;
    const json::value* root = nullptr;
    dialect d = dialect::draft2020_12;
    std::map<std::string, node_id, std::less<>> anchors;
  };

  bool index(pending start);
  bool enter_object(pending& w, const json::object& o);
  bool push_children(const pending& w, const json::object& o, std::vector<pending>& stack);
  bool add_anchor(std::uint32_t resource, std::string_view name, node_id id, bool dynamic);
  bool compile_node(node_id id, node& n);

  validator::impl& out_;
  std::string& error_;
  std::vector<pending> pending_;
  std::unordered_map<const json::value*, node_id> ids_;
  std::vector<resource> resources_;
  std::unordered_map<std::string, std::uint32_t> resource_by_uri_;
};

/// Compiles the keywords of the object schema `o` (node `id`) into `n`.
bool compile_keywords(compiler& c, node_id id, const json::object& o, node& n);

}  // namespace mcpx::schema::detail
