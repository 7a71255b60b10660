#pragma once

#include "Arch.hpp"
#include "ElfImage.hpp"
#include "Expectation.hpp"
#include "Finding.hpp"
#include "HotProfile.hpp"
#include "Provenance.hpp"

#include "llvm/Support/raw_ostream.h"

#include <cstddef>
#include <string>
#include <vector>

namespace pgokit::validate {

// The command's exit codes.
enum ExitCode : int {
  kExitPass = 0,        // every required check passed
  kExitFailed = 1,      // a check failed
  kExitUsage = 2,       // bad command line
  kExitUnreadable = 3,  // a binary, profile or manifest could not be read
};

// What to validate, and against what.
struct ValidationRequest {
  const ElfImage& elf;
  Arch arch = Arch::X86_64;
  Expectation expect;
  const HotProfile* profile = nullptr;
  const Manifest* manifest = nullptr;
  std::size_t top = 10;
};

// Every rule's finding for one binary.
struct Report {
  std::string binary;
  Arch arch = Arch::X86_64;
  std::vector<std::string> expect;
  std::vector<Finding> findings;
  double seconds = 0;  // reading and checking, for the record

  std::size_t count(Status status) const;
  // kExitFailed if any finding failed, else kExitPass.
  int exitCode() const;
  const Finding* find(llvm::StringRef id) const;
};

// Runs every rule (Rules.hpp) on the binary.
Report validate(const ValidationRequest& request);

// One finding per line: id, verdict, reason; then a verdict line.
void printTable(const Report& report, llvm::raw_ostream& out);
// The report as one JSON object, for CI.
void printJson(const Report& report, llvm::raw_ostream& out);
// An input that could not be read, as the JSON a CI job expects.
void printJsonError(llvm::StringRef message, int exitCode, llvm::raw_ostream& out);

}  // namespace pgokit::validate
