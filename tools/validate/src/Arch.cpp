#include "Arch.hpp"

#include "llvm/BinaryFormat/ELF.h"

#include <array>
#include <string>

namespace pgokit::validate {

namespace {

struct ArchInfo {
  Arch arch;
  llvm::StringRef name;
  std::uint16_t machine;
  llvm::StringRef machineName;
  llvm::StringRef interpreter;
};

constexpr std::array<ArchInfo, 2> kArches{{
    {Arch::X86_64, "x86_64", llvm::ELF::EM_X86_64, "EM_X86_64", "/lib64/ld-linux-x86-64.so.2"},
    {Arch::Arm64, "arm64", llvm::ELF::EM_AARCH64, "EM_AARCH64", "/lib/ld-linux-aarch64.so.1"},
}};

const ArchInfo& info(Arch arch) { return arch == Arch::X86_64 ? kArches[0] : kArches[1]; }

}  // namespace

llvm::StringRef archName(Arch arch) { return info(arch).name; }

std::optional<Arch> parseArch(llvm::StringRef text) {
  if (text == "aarch64") {
    return Arch::Arm64;
  }
  for (const ArchInfo& candidate : kArches) {
    if (candidate.name == text) {
      return candidate.arch;
    }
  }
  return std::nullopt;
}

std::uint16_t elfMachine(Arch arch) { return info(arch).machine; }

std::optional<Arch> archOfMachine(std::uint16_t machine) {
  for (const ArchInfo& candidate : kArches) {
    if (candidate.machine == machine) {
      return candidate.arch;
    }
  }
  return std::nullopt;
}

std::string machineName(std::uint16_t machine) {
  for (const ArchInfo& candidate : kArches) {
    if (candidate.machine == machine) {
      return candidate.machineName.str();
    }
  }
  return "e_machine " + std::to_string(machine);
}

llvm::StringRef programInterpreter(Arch arch) { return info(arch).interpreter; }

std::optional<Arch> archOfInterpreter(llvm::StringRef path) {
  for (const ArchInfo& candidate : kArches) {
    if (candidate.interpreter == path) {
      return candidate.arch;
    }
  }
  return std::nullopt;
}

}  // namespace pgokit::validate
