// pgokit-validate: the release gate. All logic is in the library (CommandLine.cpp).
#include "CommandLine.hpp"

#include "llvm/Support/raw_ostream.h"

#include <string>
#include <vector>

int main(int argc, char** argv) {
  const std::vector<std::string> args(argv + 1, argv + argc);
  const int code = pgokit::validate::runCommand(args, llvm::outs(), llvm::errs());
  llvm::outs().flush();
  return code;
}
