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

// One section header, as the rules need it.
struct Section {
  llvm::StringRef name;
  std::uint32_t type = 0;
  std::uint64_t flags = 0;
  std::uint64_t address = 0;
  std::uint64_t size = 0;

  // True for code (SHF_EXECINSTR).
  bool executable() const;
  // True when address lies in the section's memory image.
  bool contains(std::uint64_t addr) const;
};

// One defined symbol from .symtab or .dynsym.
struct Symbol {
  llvm::StringRef name;
  std::uint64_t value = 0;
  std::uint64_t size = 0;
  std::uint8_t type = 0;     // STT_*
  std::uint8_t binding = 0;  // STB_*
};

// One ELF note, from a SHT_NOTE section (or a PT_NOTE segment when the file
// has no section headers).
struct Note {
  llvm::StringRef section;  // the section's name; empty for a segment
  llvm::StringRef owner;
  std::uint32_t type = 0;
  llvm::StringRef desc;  // raw bytes
};

// What the validator knows about an ELF file: a plain model read once by
// LLVM's Object library, so that the rules never touch the bytes. Move-only:
// the strings point into the file's buffer, which the image owns.
class ElfImage {
 public:
  std::string name;                        // the path (or the fuzzer's label), for messages
  std::uint16_t fileType = 0;              // e_type
  std::uint16_t machine = 0;               // e_machine
  std::optional<std::string> interpreter;  // PT_INTERP, without its NUL
  std::vector<Section> sections;
  bool hasSymbolTable = false;         // .symtab present (not stripped)
  std::vector<Symbol> symbols;         // defined symbols of .symtab
  std::vector<Symbol> dynamicSymbols;  // defined symbols of .dynsym
  std::vector<Note> notes;

  ElfImage() = default;
  ElfImage(ElfImage&&) = default;
  ElfImage& operator=(ElfImage&&) = default;
  ElfImage(const ElfImage&) = delete;
  ElfImage& operator=(const ElfImage&) = delete;
  ~ElfImage() = default;

  // The first section with that name.
  const Section* findSection(llvm::StringRef sectionName) const;
  // A defined symbol of that name, from .symtab, else .dynsym.
  const Symbol* findSymbol(llvm::StringRef symbolName) const;

  // Reads an ELF file. Errors name the file and what is wrong with it.
  static llvm::Expected<ElfImage> readFile(llvm::StringRef path);
  // Reads an ELF image held in memory (the fuzzer; tests). `buffer`'s
  // identifier names it in errors.
  static llvm::Expected<ElfImage> read(std::unique_ptr<llvm::MemoryBuffer> buffer);

 private:
  std::unique_ptr<llvm::MemoryBuffer> buffer_;
};

// An error about an input file: "<name>: <what>".
llvm::Error inputError(llvm::StringRef name, const llvm::Twine& what);

// Reads a whole file for the validator: a missing path, a directory and an
// empty file are errors that name it. Text parsers (LLVM's line iterator)
// need a NUL after the last byte; ELF files are mapped without one.
llvm::Expected<std::unique_ptr<llvm::MemoryBuffer>> readInputFile(llvm::StringRef path,
                                                                  bool nullTerminated);

}  // namespace pgokit::validate
