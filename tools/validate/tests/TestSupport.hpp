#pragma once

#include "CommandLine.hpp"
#include "ElfImage.hpp"
#include "Finding.hpp"
#include "Validator.hpp"

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/raw_ostream.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace pgokit::validate::test {

// Where make_fixtures.py built the fixtures, and the committed corpus.
inline std::string fixturePath(llvm::StringRef name) {
  return std::string(PGOKIT_VALIDATE_FIXTURES) + "/" + name.str();
}

inline std::string corpusPath(llvm::StringRef name) {
  return std::string(PGOKIT_VALIDATE_CORPUS) + "/" + name.str();
}

// The command's exit code and output.
struct CommandResult {
  int code = -1;
  std::string out;
  std::string err;
};

inline CommandResult runValidator(const std::vector<std::string>& args) {
  CommandResult result;
  llvm::raw_string_ostream out(result.out);
  llvm::raw_string_ostream err(result.err);
  result.code = runCommand(args, out, err);
  out.flush();
  err.flush();
  return result;
}

// The finding with that id; fails the test if there is none.
inline const Finding& findingOf(const Report& report, llvm::StringRef id) {
  const Finding* finding = report.find(id);
  if (finding == nullptr) {
    ADD_FAILURE() << "no finding " << id.str();
    static const Finding kMissing{};
    return kMissing;
  }
  return *finding;
}

// "fail: reason": what a failed assertion on a finding should show.
inline std::string describe(const Finding& finding) {
  return finding.id + " " + statusName(finding.status).str() + ": " + finding.reason;
}

}  // namespace pgokit::validate::test
