#include "CommandLine.hpp"

#include "ElfImage.hpp"
#include "HotProfile.hpp"
#include "Provenance.hpp"
#include "Rules.hpp"
#include "Validator.hpp"

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Format.h"

#include <chrono>
#include <optional>

namespace pgokit::validate {

namespace {

constexpr std::size_t kMaxTop = 100000;

llvm::Error usageError(const llvm::Twine& message) { return llvm::createStringError(message); }

// "--name=value" or "--name value": the value, advancing past it.
llvm::Expected<std::string> valueOf(llvm::StringRef option, llvm::ArrayRef<std::string> args,
                                    std::size_t& index) {
  llvm::StringRef arg = args[index];
  if (arg.consume_front(option) && arg.consume_front("=")) {
    return arg.str();
  }
  if (index + 1 >= args.size()) {
    return usageError(option + " needs a value");
  }
  return args[++index];
}

// The options that take a value.
constexpr llvm::StringRef kValueOptions[] = {"--arch", "--expect", "--profile", "--manifest",
                                             "--top"};

// The value option `arg` names, as "--name" or "--name=value".
std::optional<llvm::StringRef> valueOption(llvm::StringRef arg) {
  for (llvm::StringRef option : kValueOptions) {
    if (arg == option ||
        (arg.starts_with(option) && arg.drop_front(option.size()).starts_with("="))) {
      return option;
    }
  }
  return std::nullopt;
}

llvm::Error apply(llvm::StringRef option, const std::string& value, Options& options) {
  if (option == "--arch") {
    const std::optional<Arch> arch = parseArch(value);
    if (!arch) {
      return usageError("--arch: unknown arch '" + value + "' (x86_64 or arm64)");
    }
    options.arch = *arch;
  } else if (option == "--expect") {
    auto expect = parseExpectation(value);
    if (!expect) {
      return expect.takeError();
    }
    options.expect = *expect;
  } else if (option == "--profile") {
    options.profile = value;
  } else if (option == "--manifest") {
    options.manifest = value;
  } else if (option == "--top") {
    unsigned long long top = 0;
    if (llvm::StringRef(value).getAsInteger(10, top) || top == 0 || top > kMaxTop) {
      return usageError("--top: '" + value + "' is not a count from 1 to " + llvm::Twine(kMaxTop));
    }
    options.top = static_cast<std::size_t>(top);
  }
  return llvm::Error::success();
}

}  // namespace

void printUsage(llvm::raw_ostream& out) {
  out << "usage: pgokit-validate --arch {x86_64|arm64} [--expect LIST] [--profile FILE]\n"
         "                       [--manifest FILE] [--top N] [--json] BINARY\n"
         "\n"
         "Checks that an ELF binary is what a pgokit stage claims: arch, loader, build id,\n"
         "instrumentation, PGO layout, ThinLTO, BOLT layout and the provenance note.\n"
         "\n"
         "  --arch ARCH      the arch the binary must be built for\n"
         "  --expect LIST    comma list of pgo, lto, bolt, provenance, instrumented, release\n"
         "                   or stages: release, instrumented, optimized (=pgo,lto),\n"
         "                   bolt (=pgo,lto,bolt), dist (=pgo,lto,bolt,provenance);\n"
         "                   anything that ships implies release (default: release)\n"
         "  --profile FILE   the .profdata/.proftext the binary was built from: its hottest\n"
         "                   functions must lie in the hot text, its sha256 in the note\n"
         "  --manifest FILE  the profile's manifest: its text_profile_sha256 must be the note's\n"
         "  --top N          how many of the profile's hottest functions to place (default 10)\n"
         "  --json           one JSON object on stdout instead of the table\n"
         "\n"
         "exit codes: 0 every check passed, 1 a check failed, 2 usage error,\n"
         "            3 a binary, profile or manifest could not be read\n"
         "\n"
         "rules:\n";
  for (const Rule& rule : allRules()) {
    out << "  " << llvm::left_justify(rule.id, 20) << rule.checks << "\n";
  }
}

llvm::Expected<Options> parseOptions(llvm::ArrayRef<std::string> args) {
  Options options;
  options.expect = *parseExpectation("release");  // what ships, unless told otherwise
  bool archGiven = false;
  std::optional<std::string> binary;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const llvm::StringRef arg = args[i];
    if (arg == "-h" || arg == "--help") {
      options.help = true;
      return options;
    }
    if (arg == "--json") {
      options.json = true;
    } else if (const std::optional<llvm::StringRef> option = valueOption(arg)) {
      auto value = valueOf(*option, args, i);
      if (!value) {
        return value.takeError();
      }
      if (llvm::Error err = apply(*option, *value, options)) {
        return std::move(err);
      }
      archGiven = archGiven || *option == "--arch";
    } else if (arg.starts_with("-") && arg != "-") {
      return usageError("unknown option '" + arg + "'");
    } else if (binary) {
      return usageError("one BINARY only (got '" + *binary + "' and '" + arg + "')");
    } else {
      binary = arg.str();
    }
  }
  if (!archGiven) {
    return usageError("--arch is required (x86_64 or arm64)");
  }
  if (!binary) {
    return usageError("no BINARY given");
  }
  options.binary = *binary;
  return options;
}

int runCommand(llvm::ArrayRef<std::string> args, llvm::raw_ostream& out, llvm::raw_ostream& err) {
  auto options = parseOptions(args);
  if (!options) {
    err << "pgokit-validate: error: " << llvm::toString(options.takeError()) << "\n";
    err << "usage: pgokit-validate --arch {x86_64|arm64} [--expect LIST] [--profile FILE] "
           "[--manifest FILE] [--top N] [--json] BINARY (see --help)\n";
    return kExitUsage;
  }
  if (options->help) {
    printUsage(out);
    return kExitPass;
  }
  const auto started = std::chrono::steady_clock::now();
  const auto unreadable = [&](llvm::Error error) {
    const std::string message = llvm::toString(std::move(error));
    err << "pgokit-validate: error: " << message << "\n";
    if (options->json) {
      printJsonError(message, kExitUnreadable, out);
    }
    return kExitUnreadable;
  };

  auto elf = ElfImage::readFile(options->binary);
  if (!elf) {
    return unreadable(elf.takeError());
  }
  std::optional<HotProfile> profile;
  if (options->profile) {
    auto read = HotProfile::readFile(*options->profile);
    if (!read) {
      return unreadable(read.takeError());
    }
    profile = std::move(*read);
  }
  std::optional<Manifest> manifest;
  if (options->manifest) {
    auto read = readManifestFile(*options->manifest);
    if (!read) {
      return unreadable(read.takeError());
    }
    manifest = std::move(*read);
  }

  Report report = validate(ValidationRequest{*elf, options->arch, options->expect,
                                             profile ? &*profile : nullptr,
                                             manifest ? &*manifest : nullptr, options->top});
  report.seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  if (options->json) {
    printJson(report, out);
  } else {
    printTable(report, out);
  }
  return report.exitCode();
}

}  // namespace pgokit::validate
