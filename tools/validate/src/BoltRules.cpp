// Rules about BOLT's post-link layout: bolt.note, bolt.hot-text, bolt.hot-functions.
#include "Rules.hpp"

#include "llvm/ADT/StringExtras.h"

namespace pgokit::validate {

Finding checkBoltNote(const RuleContext& context) {
  constexpr llvm::StringRef id = "bolt.note";
  const Evidence& evidence = context.evidence;
  const bool expected = context.expect.bolt;
  if (!evidence.boltNotePresent) {
    return unlessExpected(expected, "bolt",
                          withHint(fail(id, "no .note.bolt_info"), "not rewritten by llvm-bolt"));
  }
  if (!evidence.boltNote.value) {
    return unlessExpected(expected, "bolt", fail(id, printable(evidence.boltNote.problem)));
  }
  const BoltNote& note = *evidence.boltNote.value;
  llvm::json::Object details{{"revision", jsonText(note.revision)},
                             {"command_line", jsonText(note.commandLine)},
                             {"options", jsonText(note.optionsLine())},
                             {"bolt_id", jsonText(note.boltId)},
                             {"instrumenting", note.instrumenting}};
  std::string reason = "BOLT revision " + printable(note.revision);
  if (!note.options.empty()) {
    reason += "; options: " + printable(note.optionsLine());
  }
  if (note.instrumenting) {
    return unlessExpected(
        expected, "bolt",
        withHint(fail(id, "written by llvm-bolt -instrument: " + reason, std::move(details)),
                 "an instrumentation run, not an optimizing one"));
  }
  return pass(id, reason, std::move(details));
}

Finding checkBoltHotText(const RuleContext& context) {
  constexpr llvm::StringRef id = "bolt.hot-text";
  const Found<AddressRange>& hot = context.evidence.boltHotText;
  if (hot.value) {
    const AddressRange range = *hot.value;
    return pass(
        id, range.describe() + ": " + std::to_string(range.end - range.begin) + " B of hot text",
        llvm::json::Object{{"hot_start", hexAddress(range.begin)},
                           {"hot_end", hexAddress(range.end)}});
  }
  if (!context.elf.hasSymbolTable && context.elf.findSymbol("__hot_start") == nullptr) {
    return skip(id, "no .symtab (stripped): __hot_start/__hot_end cannot be read");
  }
  if (!hot.problem.empty()) {
    return unlessExpected(context.expect.bolt, "bolt", fail(id, hot.problem));
  }
  return unlessExpected(context.expect.bolt, "bolt",
                        withHint(fail(id, "__hot_start/__hot_end are not defined"),
                                 "llvm-bolt -reorder-functions defines them around the hot text"));
}

Finding checkBoltHotFunctions(const RuleContext& context) {
  constexpr llvm::StringRef id = "bolt.hot-functions";
  const Found<AddressRange>& hot = context.evidence.boltHotText;
  if (!hot.value) {
    return skip(id, "no BOLT hot text to measure (see bolt.hot-text)");
  }
  // BOLT's own layout: only the functions it rewrote (from __hot_start on).
  return judgeHotFunctions(context, id,
                           HotRegion{"[__hot_start, __hot_end)", {*hot.value}, hot.value->begin});
}

}  // namespace pgokit::validate
