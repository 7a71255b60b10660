// Rules about what the binary runs on: arch.elf, arch.interp, build-id.
#include "Rules.hpp"

#include "llvm/BinaryFormat/ELF.h"

namespace pgokit::validate {

namespace {

std::string archAndMachine(Arch arch) {
  return archName(arch).str() + " (" + machineName(elfMachine(arch)) + ")";
}

}  // namespace

Finding checkElfArch(const RuleContext& context) {
  constexpr llvm::StringRef id = "arch.elf";
  const ElfImage& elf = context.elf;
  llvm::json::Object details{
      {"machine", machineName(elf.machine)}, {"class", "ELF64"}, {"data", "little-endian"}};
  if (elf.fileType != llvm::ELF::ET_EXEC && elf.fileType != llvm::ELF::ET_DYN) {
    return fail(id,
                "not a linked program: e_type " + std::to_string(elf.fileType) +
                    (elf.fileType == llvm::ELF::ET_REL ? " (a relocatable object)" : ""),
                std::move(details));
  }
  const std::optional<Arch> found = archOfMachine(elf.machine);
  if (!found) {
    return fail(
        id, "built for " + machineName(elf.machine) + ", expected " + archAndMachine(context.arch),
        std::move(details));
  }
  details["arch"] = archName(*found);
  if (*found != context.arch) {
    return fail(
        id, "built for " + archAndMachine(*found) + ", expected " + archAndMachine(context.arch),
        std::move(details));
  }
  const char* kind = elf.fileType == llvm::ELF::ET_EXEC ? "executable" : "ET_DYN (PIE)";
  return pass(id, "ELF64 little-endian " + std::string(kind) + ", " + archAndMachine(*found),
              std::move(details));
}

Finding checkInterpreter(const RuleContext& context) {
  constexpr llvm::StringRef id = "arch.interp";
  const llvm::StringRef expected = programInterpreter(context.arch);
  if (!context.elf.interpreter) {
    return skip(id, "no PT_INTERP: statically linked (no loader to check)");
  }
  const std::string& found = *context.elf.interpreter;
  llvm::json::Object details{{"interpreter", jsonText(found)}, {"expected", expected}};
  if (found == expected) {
    return pass(id, found, std::move(details));
  }
  if (const std::optional<Arch> other = archOfInterpreter(found)) {
    return fail(id,
                printable(found) + " is " + archName(*other).str() + "'s loader, expected " +
                    archName(context.arch).str() + "'s " + expected.str(),
                std::move(details));
  }
  return fail(id,
              printable(found) + " is not " + archName(context.arch).str() + "'s glibc loader " +
                  expected.str(),
              std::move(details));
}

Finding checkBuildId(const RuleContext& context) {
  constexpr llvm::StringRef id = "build-id";
  const Found<std::string>& buildId = context.evidence.buildId;
  if (buildId.value) {
    return pass(id, *buildId.value, llvm::json::Object{{"build_id", *buildId.value}});
  }
  if (!buildId.problem.empty()) {
    return fail(id, buildId.problem);
  }
  return withHint(fail(id, "no NT_GNU_BUILD_ID note"),
                  "link with -Wl,--build-id so crashes and profiles can be tied to this binary");
}

}  // namespace pgokit::validate
