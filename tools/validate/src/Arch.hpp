#pragma once

#include "llvm/ADT/StringRef.h"

#include <cstdint>
#include <optional>

namespace pgokit::validate {

// The architectures pgokit builds for.
enum class Arch { X86_64, Arm64 };

// pgokit's name for the arch: "x86_64" or "arm64".
llvm::StringRef archName(Arch arch);

// Parses --arch: "x86_64" or "arm64" ("aarch64" is accepted for arm64).
std::optional<Arch> parseArch(llvm::StringRef text);

// The ELF e_machine of the arch (EM_X86_64, EM_AARCH64).
std::uint16_t elfMachine(Arch arch);

// The arch an ELF e_machine belongs to, if pgokit builds for it.
std::optional<Arch> archOfMachine(std::uint16_t machine);

// "EM_X86_64", "EM_AARCH64", or "e_machine 40" for the rest.
std::string machineName(std::uint16_t machine);

// glibc's program interpreter (PT_INTERP) on the arch's Debian.
llvm::StringRef programInterpreter(Arch arch);

// The arch whose glibc loader lives at path, if any.
std::optional<Arch> archOfInterpreter(llvm::StringRef path);

}  // namespace pgokit::validate
