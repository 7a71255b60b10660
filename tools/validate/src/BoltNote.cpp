#include "BoltNote.hpp"

#include "llvm/ADT/SmallVector.h"

namespace pgokit::validate {

std::string BoltNote::optionsLine() const {
  std::string line;
  for (const std::string& option : options) {
    llvm::StringRef text(option);
    // Paths differ between machines and say nothing about the layout.
    if (text.starts_with("-o") || text.starts_with("-data") || text.starts_with("--data") ||
        text.starts_with("-instrumentation-file") || text.starts_with("--instrumentation-file") ||
        text.starts_with("-runtime-instrumentation-lib")) {
      continue;
    }
    if (!line.empty()) {
      line += ' ';
    }
    line += option;
  }
  return line;
}

llvm::Expected<BoltNote> parseBoltNote(llvm::StringRef desc) {
  // BOLT pads the descriptor with NULs to the note alignment.
  desc = desc.rtrim('\0');
  constexpr llvm::StringRef kRevision = "BOLT revision: ";
  constexpr llvm::StringRef kCommandLine = ", command line:";
  if (!desc.consume_front(kRevision)) {
    return llvm::createStringError("does not start with \"BOLT revision: \"");
  }
  BoltNote note;
  const std::size_t split = desc.find(kCommandLine);
  note.revision = desc.take_front(split).trim().str();
  if (split == llvm::StringRef::npos) {
    return note;  // a revision only: BOLT without its command line
  }
  const llvm::StringRef argv = desc.drop_front(split + kCommandLine.size()).trim();
  note.commandLine = argv.str();
  llvm::SmallVector<llvm::StringRef, 32> words;
  argv.split(words, ' ', /*MaxSplit=*/-1, /*KeepEmpty=*/false);
  for (llvm::StringRef word : words) {
    if (!word.starts_with("-")) {
      continue;
    }
    note.options.push_back(word.str());
    llvm::StringRef name = word.ltrim('-');
    if (name == "instrument") {
      note.instrumenting = true;
    }
    if (name.consume_front("bolt-id=")) {
      note.boltId = name.str();
    }
  }
  return note;
}

}  // namespace pgokit::validate
