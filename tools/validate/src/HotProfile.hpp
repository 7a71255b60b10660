#pragma once

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"
#include "llvm/Support/MemoryBuffer.h"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace pgokit::validate {

// One function of a clang instrumentation profile.
struct ProfiledFunction {
  std::string profileName;  // as in the profile: "file.cpp;_ZL3foov" for locals
  std::string linkageName;  // the symbol it was compiled to: "_ZL3foov"
  std::uint64_t entryCount = 0;
  std::uint64_t maxCount = 0;
  // The count the function is ranked by: its entry count (front-end and
  // entry-instrumented IR profiles), else its largest counter.
  std::uint64_t heat = 0;
};

// A .profdata (indexed), .proftext (text) or .profraw file, reduced to what
// the placement rules need: its functions hottest first and LLVM's hot count.
struct HotProfile {
  std::string name;    // the path, for messages
  std::string sha256;  // of the file's bytes, lower-case hex
  std::string format;  // "indexed", "text" or "raw"
  bool irLevel = false;
  // The count LLVM calls hot (ProfileSummaryInfo::isHotCount): the smallest
  // count among those covering 99% of all counts. Absent for an all-zero profile.
  std::optional<std::uint64_t> hotCountThreshold;
  std::vector<ProfiledFunction> functions;  // by heat, hottest first

  // The functions whose heat LLVM calls hot, hottest first.
  std::vector<const ProfiledFunction*> hot() const;

  // Reads a profile file; errors (missing, empty, truncated, another format
  // version, not a profile) name the file.
  static llvm::Expected<HotProfile> readFile(llvm::StringRef path);
  // Reads a profile held in memory; the buffer's identifier names it. The
  // buffer must be NUL-terminated (MemoryBuffer::getMemBufferCopy is).
  static llvm::Expected<HotProfile> read(std::unique_ptr<llvm::MemoryBuffer> buffer);
};

// The symbol name a profile's function name compiles to: local functions are
// recorded as "<file>;<name>" (or "<file>:<name>" by clang's front end).
llvm::StringRef linkageNameOf(llvm::StringRef profileName);

// Lower-case hex SHA-256 of bytes.
std::string sha256Hex(llvm::StringRef bytes);

}  // namespace pgokit::validate
