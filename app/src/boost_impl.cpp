// The one translation unit that compiles Boost's own sources. Asio and Beast are built with
// BOOST_ASIO_SEPARATE_COMPILATION / BOOST_BEAST_SEPARATE_COMPILATION (set on pgokit_app), and
// Boost.JSON in header-only mode, so their non-template code is compiled once, here, with this
// build's flags (and, in the PGO stages, instrumented and optimized like our own code).

#include <boost/asio/impl/src.hpp>
#include <boost/beast/src.hpp>
#include <boost/json/src.hpp>
