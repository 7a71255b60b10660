#include "ElfImage.hpp"

#include "llvm/BinaryFormat/ELF.h"
#include "llvm/Object/Binary.h"
#include "llvm/Object/ELF.h"
#include "llvm/Object/ELFObjectFile.h"
#include "llvm/Support/FileSystem.h"

#include <algorithm>

namespace pgokit::validate {

namespace {

using llvm::object::ELF64LE;
using ElfFile = llvm::object::ELFFile<ELF64LE>;
using Shdr = ELF64LE::Shdr;

// The note alignment LLVM's iterator uses for a section or segment.
std::size_t noteAlignment(std::uint64_t declared) { return std::max<std::uint64_t>(declared, 4); }

// offset + size lies inside the file, without the overflow that
// ELFFile::notes_begin's own check (offset + size > file size) misses.
bool insideFile(const ElfFile& file, std::uint64_t offset, std::uint64_t size) {
  const std::uint64_t fileSize = file.getBufSize();
  return offset <= fileSize && size <= fileSize - offset;
}

template <typename Header>
llvm::Error readNotes(const ElfFile& file, const Header& header, std::uint64_t offset,
                      std::uint64_t size, llvm::StringRef where, std::uint64_t declaredAlign,
                      llvm::StringRef name, std::vector<Note>& out) {
  const std::string place = where.empty() ? std::string("segment") : where.str();
  if (!insideFile(file, offset, size)) {
    return inputError(name, "note " + place + " (offset 0x" + llvm::Twine::utohexstr(offset) +
                                ", size 0x" + llvm::Twine::utohexstr(size) +
                                ") lies outside the file");
  }
  llvm::Error err = llvm::Error::success();
  for (const auto& note : file.notes(header, err)) {
    out.push_back(Note{where, note.getName(), note.getType(),
                       note.getDescAsStringRef(noteAlignment(declaredAlign))});
  }
  if (err) {
    return inputError(name, "note " + place + " is malformed: " + llvm::toString(std::move(err)));
  }
  return llvm::Error::success();
}

llvm::Error readSymbols(const ElfFile& file, const Shdr& table, ElfFile::Elf_Shdr_Range sections,
                        llvm::StringRef tableName, llvm::StringRef name, std::vector<Symbol>& out) {
  auto symbols = file.symbols(&table);
  if (!symbols) {
    return inputError(name, tableName + ": " + llvm::toString(symbols.takeError()));
  }
  auto strings = file.getStringTableForSymtab(table, sections);
  if (!strings) {
    return inputError(name, tableName + " string table: " + llvm::toString(strings.takeError()));
  }
  out.reserve(symbols->size());
  for (const auto& symbol : *symbols) {
    if (symbol.st_shndx == llvm::ELF::SHN_UNDEF) {
      continue;
    }
    auto symbolName = symbol.getName(*strings);
    if (!symbolName) {
      return inputError(name, tableName + ": " + llvm::toString(symbolName.takeError()));
    }
    out.push_back(Symbol{*symbolName, symbol.st_value, symbol.st_size, symbol.getType(),
                         symbol.getBinding()});
  }
  return llvm::Error::success();
}

llvm::Error readInterpreter(const ElfFile& file, const ELF64LE::Phdr& header, llvm::StringRef name,
                            std::optional<std::string>& out) {
  if (!insideFile(file, header.p_offset, header.p_filesz)) {
    return inputError(name, "PT_INTERP (offset 0x" + llvm::Twine::utohexstr(header.p_offset) +
                                ", size 0x" + llvm::Twine::utohexstr(header.p_filesz) +
                                ") lies outside the file");
  }
  llvm::StringRef bytes(reinterpret_cast<const char*>(file.base()) + header.p_offset,
                        header.p_filesz);
  out = bytes.take_until([](char c) { return c == '\0'; }).str();
  return llvm::Error::success();
}

llvm::Expected<ElfImage> readElf64(const ElfFile& file, llvm::StringRef name) {
  ElfImage image;
  image.name = name.str();
  image.fileType = file.getHeader().e_type;
  image.machine = file.getHeader().e_machine;

  auto segments = file.program_headers();
  if (!segments) {
    return inputError(name, "program headers: " + llvm::toString(segments.takeError()));
  }
  for (const auto& segment : *segments) {
    if (segment.p_type == llvm::ELF::PT_INTERP) {
      if (llvm::Error err = readInterpreter(file, segment, name, image.interpreter)) {
        return std::move(err);
      }
    }
  }

  auto sections = file.sections();
  if (!sections) {
    return inputError(name, "section headers: " + llvm::toString(sections.takeError()));
  }
  auto names = file.getSectionStringTable(*sections);
  if (!names) {
    return inputError(name, "section names: " + llvm::toString(names.takeError()));
  }
  for (const Shdr& header : *sections) {
    auto sectionName = file.getSectionName(header, *names);
    if (!sectionName) {
      return inputError(name, "section name: " + llvm::toString(sectionName.takeError()));
    }
    image.sections.push_back(
        Section{*sectionName, header.sh_type, header.sh_flags, header.sh_addr, header.sh_size});
  }

  // Notes and symbols, section by section; a file whose section headers
  // were removed still has its notes in PT_NOTE segments.
  for (std::size_t i = 0; i < sections->size(); ++i) {
    const Shdr& header = (*sections)[i];
    const llvm::StringRef sectionName = image.sections[i].name;
    const auto readSection = [&]() -> llvm::Error {
      switch (header.sh_type) {
        case llvm::ELF::SHT_NOTE:
          return readNotes(file, header, header.sh_offset, header.sh_size, sectionName,
                           header.sh_addralign, name, image.notes);
        case llvm::ELF::SHT_SYMTAB:
          image.hasSymbolTable = true;
          return readSymbols(file, header, *sections, sectionName, name, image.symbols);
        case llvm::ELF::SHT_DYNSYM:
          return readSymbols(file, header, *sections, sectionName, name, image.dynamicSymbols);
        default:
          return llvm::Error::success();
      }
    };
    if (llvm::Error err = readSection()) {
      return std::move(err);
    }
  }
  if (sections->empty()) {
    for (const auto& segment : *segments) {
      if (segment.p_type == llvm::ELF::PT_NOTE) {
        if (llvm::Error err = readNotes(file, segment, segment.p_offset, segment.p_filesz, "",
                                        segment.p_align, name, image.notes)) {
          return std::move(err);
        }
      }
    }
  }
  return image;
}

}  // namespace

bool Section::executable() const { return (flags & llvm::ELF::SHF_EXECINSTR) != 0; }

bool Section::contains(std::uint64_t addr) const {
  return (flags & llvm::ELF::SHF_ALLOC) != 0 && addr >= address && addr - address < size;
}

const Section* ElfImage::findSection(llvm::StringRef sectionName) const {
  for (const Section& section : sections) {
    if (section.name == sectionName) {
      return &section;
    }
  }
  return nullptr;
}

const Symbol* ElfImage::findSymbol(llvm::StringRef symbolName) const {
  for (const auto* table : {&symbols, &dynamicSymbols}) {
    for (const Symbol& symbol : *table) {
      if (symbol.name == symbolName) {
        return &symbol;
      }
    }
  }
  return nullptr;
}

llvm::Error inputError(llvm::StringRef name, const llvm::Twine& what) {
  return llvm::createStringError(llvm::Twine(name) + ": " + what);
}

llvm::Expected<std::unique_ptr<llvm::MemoryBuffer>> readInputFile(llvm::StringRef path,
                                                                  bool nullTerminated) {
  llvm::sys::fs::file_status status;
  if (std::error_code ec = llvm::sys::fs::status(path, status)) {
    return inputError(path, "cannot read: " + ec.message());
  }
  if (status.type() == llvm::sys::fs::file_type::directory_file) {
    return inputError(path, "is a directory, not a file");
  }
  auto buffer = llvm::MemoryBuffer::getFile(path, /*IsText=*/false, nullTerminated);
  if (!buffer) {
    return inputError(path, "cannot read: " + buffer.getError().message());
  }
  if ((*buffer)->getBufferSize() == 0) {
    return inputError(path, "is empty");
  }
  return std::move(*buffer);
}

llvm::Expected<ElfImage> ElfImage::readFile(llvm::StringRef path) {
  // No NUL needed: a large binary is mapped, not copied.
  auto buffer = readInputFile(path, /*nullTerminated=*/false);
  if (!buffer) {
    return buffer.takeError();
  }
  return read(std::move(*buffer));
}

llvm::Expected<ElfImage> ElfImage::read(std::unique_ptr<llvm::MemoryBuffer> buffer) {
  const std::string name = buffer->getBufferIdentifier().str();
  const llvm::StringRef bytes = buffer->getBuffer();
  if (bytes.empty()) {
    return inputError(name, "is empty");
  }
  if (!bytes.starts_with(llvm::ELF::ElfMagic)) {
    return inputError(name, "is not an ELF file (no \\x7fELF magic)");
  }
  // Only 64-bit little-endian files are pgokit's (x86_64, arm64); say so
  // before LLVM reads further.
  const auto [elfClass, elfData] = llvm::object::getElfArchType(bytes);
  if (elfClass == llvm::ELF::ELFCLASS32) {
    return inputError(name,
                      "is a 32-bit ELF file (ELFCLASS32); pgokit validates 64-bit "
                      "x86_64 and arm64 binaries");
  }
  if (elfClass != llvm::ELF::ELFCLASS64) {
    return inputError(name, "has an invalid ELF class (" + llvm::Twine(elfClass) + ")");
  }
  if (elfData == llvm::ELF::ELFDATA2MSB) {
    return inputError(name,
                      "is a big-endian ELF file (ELFDATA2MSB); pgokit validates "
                      "little-endian x86_64 and arm64 binaries");
  }
  if (elfData != llvm::ELF::ELFDATA2LSB) {
    return inputError(name, "has an invalid ELF data encoding (" + llvm::Twine(elfData) + ")");
  }

  auto binary = llvm::object::createBinary(buffer->getMemBufferRef());
  if (!binary) {
    return inputError(name, "is not a readable ELF file: " + llvm::toString(binary.takeError()));
  }
  const auto* object = llvm::dyn_cast<llvm::object::ELF64LEObjectFile>(binary->get());
  if (object == nullptr) {
    return inputError(name, "is not a 64-bit little-endian ELF file");
  }
  auto image = readElf64(object->getELFFile(), name);
  if (!image) {
    return image.takeError();
  }
  image->buffer_ = std::move(buffer);
  return image;
}

}  // namespace pgokit::validate
