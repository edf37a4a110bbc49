// Boost.JSON compiled into mcpx from the installed headers, instead of linked from
// libboost_json.so: a third of a call's instructions are Boost.JSON's, and from the shared
// library every call into it, and within it, goes through the PLT and none inlines
// (docs/performance.md, session 22). This is Boost.JSON's own header-only mode; nothing of
// its source is copied here.
#include <boost/json/src.hpp>
