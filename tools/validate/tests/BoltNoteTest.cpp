#include "BoltNote.hpp"

#include <gtest/gtest.h>

#include <string>

namespace pgokit::validate {
namespace {

// As llvm-bolt 19 writes it (see make_fixtures.py's BOLT step).
constexpr llvm::StringRef kOptimizing =
    "BOLT revision: <unknown>, command line: /usr/lib/llvm-19/bin/llvm-bolt pgo -o pgo.bolt "
    "-data=pgo.fdata -reorder-blocks=ext-tsp -reorder-functions=cdsort -split-functions "
    "--bolt-id=pgokit:server:arm64:0123abcd";

TEST(BoltNote, ParsesRevisionAndOptions) {
  auto note = parseBoltNote(kOptimizing);
  ASSERT_TRUE(static_cast<bool>(note)) << llvm::toString(note.takeError());
  EXPECT_EQ(note->revision, "<unknown>");
  EXPECT_EQ(note->boltId, "pgokit:server:arm64:0123abcd");
  EXPECT_FALSE(note->instrumenting);
  EXPECT_EQ(note->optionsLine(),
            "-reorder-blocks=ext-tsp -reorder-functions=cdsort -split-functions "
            "--bolt-id=pgokit:server:arm64:0123abcd");
}

TEST(BoltNote, RecognizesInstrumentationRuns) {
  std::string desc =
      "BOLT revision: <unknown>, command line: llvm-bolt a -o b -instrument "
      "-instrumentation-file=/tmp/x.fdata";
  desc.append(3, '\0');  // padding to the note alignment
  auto note = parseBoltNote(desc);
  ASSERT_TRUE(static_cast<bool>(note)) << llvm::toString(note.takeError());
  EXPECT_TRUE(note->instrumenting);
  EXPECT_EQ(note->optionsLine(), "-instrument");
}

TEST(BoltNote, AcceptsARevisionWithoutCommandLine) {
  auto note = parseBoltNote("BOLT revision: 1a2b3c");
  ASSERT_TRUE(static_cast<bool>(note)) << llvm::toString(note.takeError());
  EXPECT_EQ(note->revision, "1a2b3c");
  EXPECT_TRUE(note->options.empty());
}

TEST(BoltNote, RejectsOtherText) {
  auto note = parseBoltNote("gold 1.16");
  ASSERT_FALSE(static_cast<bool>(note));
  EXPECT_EQ(llvm::toString(note.takeError()), "does not start with \"BOLT revision: \"");
}

}  // namespace
}  // namespace pgokit::validate
