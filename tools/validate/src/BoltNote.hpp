#pragma once

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <string>
#include <vector>

namespace pgokit::validate {

// What llvm-bolt writes into .note.bolt_info (owner "GNU", type
// NT_GNU_GOLD_VERSION): "BOLT revision: <rev>, command line: <argv...>".
struct BoltNote {
  std::string revision;              // "<unknown>" for Debian's BOLT 19
  std::string commandLine;           // the whole argv, as BOLT joined it
  std::vector<std::string> options;  // the argv words that start with '-'
  std::string boltId;                // --bolt-id=..., if given
  bool instrumenting = false;        // -instrument: an instrumentation run

  // The options on one line, without input, output and profile paths.
  std::string optionsLine() const;
};

// Parses a .note.bolt_info descriptor; the error says what is not as BOLT writes it.
llvm::Expected<BoltNote> parseBoltNote(llvm::StringRef desc);

}  // namespace pgokit::validate
