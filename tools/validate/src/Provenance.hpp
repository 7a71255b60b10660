#pragma once

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <cstdint>
#include <string>
#include <vector>

namespace pgokit::validate {

// The provenance note the pipeline adds with llvm-objcopy: section
// .note.pgokit (SHT_NOTE), owner "pgokit", type 1, desc a UTF-8 JSON object.
inline constexpr llvm::StringRef kProvenanceSection = ".note.pgokit";
inline constexpr llvm::StringRef kProvenanceOwner = "pgokit";
inline constexpr std::uint32_t kProvenanceNoteType = 1;
inline constexpr std::int64_t kProvenanceFormat = 1;

// The fields of the note the validator checks (others are allowed and kept
// out of the way).
struct Provenance {
  std::int64_t format = 0;
  std::string target;
  std::string arch;
  std::vector<std::string> stages;  // e.g. instrumented, trained, pgo, thinlto, bolt
  std::string profileSha256;        // the .profdata the compiler read
  std::string textProfileSha256;    // the committed .proftext
  std::string llvmVersion;
  std::string sourceCommit;

  bool claims(llvm::StringRef stage) const;
};

// Parses the note's JSON; the error says which field is missing or wrong.
llvm::Expected<Provenance> parseProvenance(llvm::StringRef json);

// A profile manifest (profiles/<arch>/*.json, written by `pgokit merge`).
struct Manifest {
  std::string name;  // the path, for messages
  std::string arch;  // may be empty: older manifests have none
  std::string profileSha256;
  std::string textProfileSha256;
};

// Reads a manifest file; errors name it.
llvm::Expected<Manifest> readManifestFile(llvm::StringRef path);
// Parses manifest JSON; `name` names it in errors.
llvm::Expected<Manifest> parseManifest(llvm::StringRef json, llvm::StringRef name);

// True for 64 lower- or upper-case hex digits.
bool isSha256(llvm::StringRef text);

}  // namespace pgokit::validate
