// Boost.JSON compiled into the fuzzers, instrumented like the code under test, so that
// libFuzzer sees its coverage (and comparisons) while it mutates JSON text. The fuzzers'
// definitions take precedence over the system's shared libboost_json at link time.
#include <boost/json/src.hpp>
