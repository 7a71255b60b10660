#include "Expectation.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace pgokit::validate {
namespace {

std::vector<std::string> itemsOf(llvm::StringRef list) {
  auto expect = parseExpectation(list);
  if (!expect) {
    ADD_FAILURE() << llvm::toString(expect.takeError());
    return {};
  }
  return expect->items();
}

std::string errorOf(llvm::StringRef list) {
  auto expect = parseExpectation(list);
  if (expect) {
    ADD_FAILURE() << "'" << list.str() << "' was accepted";
    return "";
  }
  return llvm::toString(expect.takeError());
}

using Items = std::vector<std::string>;

TEST(Expectation, ExpandsStageNames) {
  EXPECT_EQ(itemsOf("release"), (Items{"release"}));
  EXPECT_EQ(itemsOf("instrumented"), (Items{"instrumented"}));
  EXPECT_EQ(itemsOf("optimized"), (Items{"pgo", "lto", "release"}));
  EXPECT_EQ(itemsOf("bolt"), (Items{"pgo", "lto", "bolt", "release"}));
  EXPECT_EQ(itemsOf("dist"), (Items{"pgo", "lto", "bolt", "provenance", "release"}));
}

TEST(Expectation, WhatShipsImpliesRelease) {
  EXPECT_EQ(itemsOf("pgo"), (Items{"pgo", "release"}));
  EXPECT_EQ(itemsOf("provenance"), (Items{"provenance", "release"}));
  EXPECT_EQ(itemsOf(" pgo , lto "), (Items{"pgo", "lto", "release"}));
}

TEST(Expectation, InstrumentedPgoIsNotRelease) {
  // A BOLT-instrumented PGO binary: PGO layout and instrumentation.
  EXPECT_EQ(itemsOf("instrumented,pgo"), (Items{"pgo", "instrumented"}));
}

TEST(Expectation, RejectsReleaseWithInstrumented) {
  EXPECT_NE(errorOf("release,instrumented").find("exclude each other"), std::string::npos);
  EXPECT_NE(errorOf("dist,instrumented,release").find("exclude each other"), std::string::npos);
}

TEST(Expectation, RejectsUnknownItemsByName) {
  const std::string error = errorOf("pgo,fast");
  EXPECT_NE(error.find("unknown item 'fast'"), std::string::npos) << error;
  EXPECT_NE(error.find("stages: release, instrumented, optimized, bolt, dist"), std::string::npos);
}

TEST(Expectation, RejectsEmptyItems) {
  EXPECT_NE(errorOf("pgo,,lto").find("unknown item ''"), std::string::npos);
  EXPECT_NE(errorOf("").find("unknown item ''"), std::string::npos);
}

}  // namespace
}  // namespace pgokit::validate
