#include "Rules.hpp"

namespace pgokit::validate {

namespace {

const Rule kRules[] = {
    {"arch.elf", "ELF class, data encoding, file type and e_machine match --arch", checkElfArch},
    {"arch.interp", "PT_INTERP is the --arch glibc loader", checkInterpreter},
    {"build-id", "an NT_GNU_BUILD_ID note is present", checkBuildId},
    {"instrumentation",
     "release binaries carry no LLVM/BOLT/gcov instrumentation; instrumented ones do",
     checkInstrumentation},
    {"pgo.sections", ".text.hot/.text.unlikely (pre-BOLT) or BOLT's hot text (post-BOLT)",
     checkPgoSections},
    {"pgo.hot-functions", "the profile's hottest functions lie in the hot text",
     checkPgoHotFunctions},
    {"lto", "ThinLTO evidence: promoted .llvm.<hash> locals or the provenance note", checkLto},
    {"bolt.note", ".note.bolt_info is present and parses", checkBoltNote},
    {"bolt.hot-text", "__hot_start/__hot_end bound a range of code", checkBoltHotText},
    {"bolt.hot-functions", "the hottest functions BOLT laid out lie in [__hot_start, __hot_end)",
     checkBoltHotFunctions},
    {"provenance.note", ".note.pgokit is present and well-formed", checkProvenanceNote},
    {"provenance.arch", "the note's arch is --arch", checkProvenanceArch},
    {"provenance.stages", "the note's pgo/bolt stages agree with the binary's evidence",
     checkProvenanceStages},
    {"provenance.profile", "sha256 of --profile is the note's profile or text profile",
     checkProvenanceProfile},
    {"provenance.manifest", "the manifest's text_profile_sha256 is the note's",
     checkProvenanceManifest},
};

Finding make(llvm::StringRef id, Status status, std::string reason, llvm::json::Object details) {
  return Finding{id.str(), status, std::move(reason), std::string(), std::move(details)};
}

}  // namespace

llvm::ArrayRef<Rule> allRules() { return kRules; }

Finding pass(llvm::StringRef id, std::string reason, llvm::json::Object details) {
  return make(id, Status::Pass, std::move(reason), std::move(details));
}

Finding fail(llvm::StringRef id, std::string reason, llvm::json::Object details) {
  return make(id, Status::Fail, std::move(reason), std::move(details));
}

Finding skip(llvm::StringRef id, std::string reason, llvm::json::Object details) {
  return make(id, Status::Skip, std::move(reason), std::move(details));
}

Finding withHint(Finding finding, std::string hint) {
  finding.hint = std::move(hint);
  return finding;
}

Finding unlessExpected(bool expected, llvm::StringRef item, Finding finding) {
  if (!expected && finding.status == Status::Fail) {
    finding.status = Status::Skip;
    finding.reason = "not expected (" + item.str() + "): " + finding.reason;
    finding.hint.clear();
  }
  return finding;
}

}  // namespace pgokit::validate
