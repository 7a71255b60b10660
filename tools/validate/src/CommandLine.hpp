#pragma once

#include "Arch.hpp"
#include "Expectation.hpp"

#include "llvm/ADT/ArrayRef.h"
#include "llvm/Support/Error.h"
#include "llvm/Support/raw_ostream.h"

#include <cstddef>
#include <optional>
#include <string>

namespace pgokit::validate {

// pgokit-validate's command line.
struct Options {
  Arch arch = Arch::X86_64;
  Expectation expect;  // --expect, default "release"
  std::optional<std::string> profile;
  std::optional<std::string> manifest;
  std::size_t top = 10;
  bool json = false;
  bool help = false;
  std::string binary;
};

// Parses the arguments after the program name; errors are usage errors.
llvm::Expected<Options> parseOptions(llvm::ArrayRef<std::string> args);

// The --help text.
void printUsage(llvm::raw_ostream& out);

// The whole command: parse, read, validate, report. Returns the exit code.
int runCommand(llvm::ArrayRef<std::string> args, llvm::raw_ostream& out, llvm::raw_ostream& err);

}  // namespace pgokit::validate
