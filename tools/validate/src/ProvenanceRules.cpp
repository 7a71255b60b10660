// Rules about the provenance note: provenance.note, .arch, .stages, .profile, .manifest.
//
// A note that is present is always checked, asked for or not: a binary that
// carries a false account of itself must not pass. Without a note, only
// --expect provenance makes its absence a failure.
#include "Rules.hpp"

#include "llvm/ADT/StringExtras.h"

namespace pgokit::validate {

namespace {

// The note, or the skip that a rule depending on it reports instead.
const Provenance* noteFor(const RuleContext& context, llvm::StringRef id,
                          std::optional<Finding>& skipped) {
  const Evidence& evidence = context.evidence;
  if (evidence.provenance.value) {
    return &*evidence.provenance.value;
  }
  if (!evidence.provenancePresent) {
    skipped = skip(id, context.expect.provenance ? "no provenance note (see provenance.note)"
                                                 : "no .note.pgokit (provenance not expected)");
  } else {
    skipped = skip(id, "the provenance note is unreadable (see provenance.note)");
  }
  return nullptr;
}

std::string shortSha(llvm::StringRef sha) { return sha.take_front(12).str(); }

}  // namespace

Finding checkProvenanceNote(const RuleContext& context) {
  constexpr llvm::StringRef id = "provenance.note";
  const Evidence& evidence = context.evidence;
  if (!evidence.provenancePresent) {
    return unlessExpected(
        context.expect.provenance, "provenance",
        withHint(fail(id, "no .note.pgokit"), "`pgokit pipeline` adds it in its dist stage"));
  }
  if (!evidence.provenance.value) {
    return fail(id, printable(evidence.provenance.problem));
  }
  const Provenance& note = *evidence.provenance.value;
  std::string reason = printable(note.target) + " for " + printable(note.arch) + "; stages " +
                       printable(llvm::join(note.stages, ">"));
  if (!note.llvmVersion.empty()) {
    reason += "; LLVM " + printable(note.llvmVersion);
  }
  if (!note.sourceCommit.empty()) {
    reason += "; commit " + printable(llvm::StringRef(note.sourceCommit).take_front(12));
  }
  llvm::json::Array stages;
  for (const std::string& stage : note.stages) {
    stages.push_back(stage);
  }
  return pass(id, reason,
              llvm::json::Object{{"format", note.format},
                                 {"target", note.target},
                                 {"arch", note.arch},
                                 {"stages", std::move(stages)},
                                 {"profile_sha256", note.profileSha256},
                                 {"text_profile_sha256", note.textProfileSha256},
                                 {"llvm_version", note.llvmVersion},
                                 {"source_commit", note.sourceCommit}});
}

Finding checkProvenanceArch(const RuleContext& context) {
  constexpr llvm::StringRef id = "provenance.arch";
  std::optional<Finding> skipped;
  const Provenance* note = noteFor(context, id, skipped);
  if (note == nullptr) {
    return std::move(*skipped);
  }
  const llvm::StringRef expected = archName(context.arch);
  const bool alias = expected == "arm64" && note->arch == "aarch64";
  if (note->arch == expected || alias) {
    return pass(id, "the note is for " + expected.str());
  }
  return fail(id, "the note is for " + printable(note->arch) + ", expected " + expected.str());
}

Finding checkProvenanceStages(const RuleContext& context) {
  constexpr llvm::StringRef id = "provenance.stages";
  std::optional<Finding> skipped;
  const Provenance* note = noteFor(context, id, skipped);
  if (note == nullptr) {
    return std::move(*skipped);
  }
  const Evidence& evidence = context.evidence;
  const bool bolted = evidence.boltNote.value && !evidence.boltNote.value->instrumenting;
  std::vector<std::string> problems;
  std::vector<std::string> agreed;
  const auto verify = [&](const char* stage, bool borneOut, const char* otherwise) {
    if (!note->claims(stage)) {
      return;
    }
    if (borneOut) {
      agreed.emplace_back(stage);
    } else {
      problems.push_back(std::string("claims ") + stage + ", but " + otherwise);
    }
  };
  verify("pgo", evidence.hasPgoLayout(), "the binary has no PGO layout");
  verify("bolt", bolted, "the binary has no .note.bolt_info from an optimizing llvm-bolt run");
  const std::pair<bool, const char*> expectedStages[] = {{context.expect.pgo, "pgo"},
                                                         {context.expect.bolt, "bolt"}};
  for (const auto& [expected, stage] : expectedStages) {
    if (expected && !note->claims(stage)) {
      problems.push_back(std::string("does not claim ") + stage + ", which --expect asks for");
    }
  }
  if (context.expect.lto && !note->claims("thinlto") && !note->claims("lto")) {
    problems.emplace_back("does not claim thinlto, which --expect asks for");
  }
  if (!problems.empty()) {
    return fail(id, "the note " + llvm::join(problems, "; "));
  }
  if (agreed.empty()) {
    return pass(id, "the note claims no stage the binary could contradict");
  }
  return pass(id, "the binary bears out the note's " + llvm::join(agreed, ", "));
}

Finding checkProvenanceProfile(const RuleContext& context) {
  constexpr llvm::StringRef id = "provenance.profile";
  std::optional<Finding> skipped;
  const Provenance* note = noteFor(context, id, skipped);
  if (note == nullptr) {
    return std::move(*skipped);
  }
  if (context.profile == nullptr) {
    return skip(id, "no --profile given");
  }
  const HotProfile& profile = *context.profile;
  llvm::json::Object details{{"profile", jsonText(profile.name)}, {"sha256", profile.sha256}};
  if (profile.sha256 == note->profileSha256) {
    return pass(id,
                printable(profile.name) + " (" + shortSha(profile.sha256) +
                    ") is the profile the compiler read",
                std::move(details));
  }
  if (profile.sha256 == note->textProfileSha256) {
    return pass(id,
                printable(profile.name) + " (" + shortSha(profile.sha256) +
                    ") is the committed text profile it was built from",
                std::move(details));
  }
  return withHint(fail(id,
                       printable(profile.name) + " (" + shortSha(profile.sha256) +
                           ") is not what the binary was built from (note: profile " +
                           shortSha(note->profileSha256) + ", text profile " +
                           shortSha(note->textProfileSha256) + ")",
                       std::move(details)),
                  "rebuilt from another profile, or validated against the wrong one");
}

Finding checkProvenanceManifest(const RuleContext& context) {
  constexpr llvm::StringRef id = "provenance.manifest";
  std::optional<Finding> skipped;
  const Provenance* note = noteFor(context, id, skipped);
  if (note == nullptr) {
    return std::move(*skipped);
  }
  if (context.manifest == nullptr) {
    return skip(id, "no --manifest given");
  }
  const Manifest& manifest = *context.manifest;
  llvm::json::Object details{{"manifest", jsonText(manifest.name)},
                             {"text_profile_sha256", manifest.textProfileSha256}};
  if (!manifest.arch.empty() && manifest.arch != archName(context.arch)) {
    return fail(id,
                printable(manifest.name) + " is for " + printable(manifest.arch) + ", expected " +
                    archName(context.arch).str(),
                std::move(details));
  }
  if (manifest.textProfileSha256 != note->textProfileSha256) {
    return fail(id,
                printable(manifest.name) + " names text profile " +
                    shortSha(manifest.textProfileSha256) + ", the binary was built from " +
                    shortSha(note->textProfileSha256),
                std::move(details));
  }
  return pass(id,
              printable(manifest.name) + " names the text profile the binary was built from (" +
                  shortSha(manifest.textProfileSha256) + ")",
              std::move(details));
}

}  // namespace pgokit::validate
