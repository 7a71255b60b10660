#include "Arch.hpp"

#include "llvm/BinaryFormat/ELF.h"

#include <gtest/gtest.h>

namespace pgokit::validate {
namespace {

TEST(Arch, ParsesNamesAndTheAarch64Alias) {
  EXPECT_EQ(parseArch("x86_64"), Arch::X86_64);
  EXPECT_EQ(parseArch("arm64"), Arch::Arm64);
  EXPECT_EQ(parseArch("aarch64"), Arch::Arm64);
}

TEST(Arch, RejectsUnknownNames) {
  EXPECT_FALSE(parseArch("amd64"));
  EXPECT_FALSE(parseArch(""));
  EXPECT_FALSE(parseArch("ARM64"));
}

TEST(Arch, MapsMachinesBothWays) {
  EXPECT_EQ(elfMachine(Arch::X86_64), llvm::ELF::EM_X86_64);
  EXPECT_EQ(elfMachine(Arch::Arm64), llvm::ELF::EM_AARCH64);
  EXPECT_EQ(archOfMachine(llvm::ELF::EM_AARCH64), Arch::Arm64);
  EXPECT_FALSE(archOfMachine(llvm::ELF::EM_RISCV));
  EXPECT_EQ(machineName(llvm::ELF::EM_X86_64), "EM_X86_64");
  EXPECT_EQ(machineName(llvm::ELF::EM_RISCV), "e_machine 243");
}

TEST(Arch, KnowsEachGlibcLoader) {
  EXPECT_EQ(programInterpreter(Arch::X86_64), "/lib64/ld-linux-x86-64.so.2");
  EXPECT_EQ(programInterpreter(Arch::Arm64), "/lib/ld-linux-aarch64.so.1");
  EXPECT_EQ(archOfInterpreter("/lib/ld-linux-aarch64.so.1"), Arch::Arm64);
  EXPECT_FALSE(archOfInterpreter("/lib/ld-musl-x86_64.so.1"));
}

}  // namespace
}  // namespace pgokit::validate
