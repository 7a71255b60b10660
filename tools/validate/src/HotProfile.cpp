#include "HotProfile.hpp"

#include "ElfImage.hpp"
#include "ProfileGuard.hpp"

#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/IR/ProfileSummary.h"
#include "llvm/ProfileData/InstrProf.h"
#include "llvm/ProfileData/InstrProfReader.h"
#include "llvm/ProfileData/ProfileCommon.h"
#include "llvm/Support/SHA256.h"

#include <algorithm>
#include <new>
#include <stdexcept>

namespace pgokit::validate {

namespace {

// LLVM's default hot cutoff (-profile-summary-cutoff-hot): counts that
// together make 99% of the total.
constexpr std::uint32_t kHotCutoff = 990000;

std::optional<std::uint64_t> hotThreshold(const llvm::SummaryEntryVector& entries) {
  // Entries are ordered by cutoff; LLVM's getEntryForPercentile, without its
  // assumption that a matching entry exists (an all-zero profile has none).
  for (const llvm::ProfileSummaryEntry& entry : entries) {
    if (entry.Cutoff >= kHotCutoff && entry.MinCount > 0) {
      return entry.MinCount;
    }
  }
  return std::nullopt;
}

llvm::StringRef formatOf(const llvm::MemoryBuffer& buffer) {
  if (llvm::IndexedInstrProfReader::hasFormat(buffer)) {
    return "indexed";
  }
  if (llvm::RawInstrProfReader64::hasFormat(buffer) ||
      llvm::RawInstrProfReader32::hasFormat(buffer)) {
    return "raw";
  }
  return "text";
}

// The next record, false at the end; errors other than the end are returned.
llvm::Expected<bool> nextRecord(llvm::InstrProfReader& reader, llvm::NamedInstrProfRecord& record) {
  llvm::Error err = reader.readNextRecord(record);
  if (!err) {
    return true;
  }
  bool atEnd = false;
  llvm::Error rest = llvm::handleErrors(
      std::move(err), [&](std::unique_ptr<llvm::InstrProfError> error) -> llvm::Error {
        if (error->get() == llvm::instrprof_error::eof) {
          atEnd = true;
          return llvm::Error::success();
        }
        return llvm::Error(std::move(error));
      });
  if (rest) {
    return std::move(rest);
  }
  return !atEnd;
}

llvm::Expected<HotProfile> readProfile(std::unique_ptr<llvm::MemoryBuffer> buffer) {
  HotProfile profile;
  profile.name = buffer->getBufferIdentifier().str();
  if (buffer->getBufferSize() == 0) {
    return inputError(profile.name, "is empty");
  }
  profile.sha256 = sha256Hex(buffer->getBuffer());
  profile.format = formatOf(*buffer).str();
  if (profile.format == "raw") {
    // A raw profile is the runtime's dump, tied to one binary; pgokit merges
    // it first (and LLVM's raw reader trusts the sizes in its header).
    return inputError(profile.name,
                      "is a raw profile (.profraw): merge it with llvm-profdata first");
  }

  llvm::Error guard = profile.format == "text" ? checkTextProfileSizes(*buffer)
                                               : checkIndexedProfileBounds(*buffer);
  if (guard) {
    return inputError(profile.name, "is malformed: " + llvm::toString(std::move(guard)));
  }

  auto reader = llvm::InstrProfReader::create(std::move(buffer));
  if (!reader) {
    return inputError(profile.name, "is not a readable LLVM instrumentation profile: " +
                                        llvm::toString(reader.takeError()));
  }
  profile.irLevel = (*reader)->isIRLevelProfile();
  // IR profiles count edges; their first counter is the entry count only
  // when the entry block is instrumented.
  const bool firstCounterIsEntry = !profile.irLevel || (*reader)->instrEntryBBEnabled();

  llvm::InstrProfSummaryBuilder summary(llvm::ProfileSummaryBuilder::DefaultCutoffs);
  // The same function may appear once per hash (e.g. two builds merged).
  llvm::StringMap<std::size_t> byName;
  llvm::NamedInstrProfRecord record;
  while (true) {
    auto more = nextRecord(**reader, record);
    if (!more) {
      return inputError(profile.name, "is malformed: " + llvm::toString(more.takeError()));
    }
    if (!*more) {
      break;
    }
    if (record.Counts.empty()) {
      continue;
    }
    summary.addRecord(record);
    const std::uint64_t entry = firstCounterIsEntry ? record.Counts.front() : 0;
    const std::uint64_t max = *std::max_element(record.Counts.begin(), record.Counts.end());
    const std::uint64_t heat = firstCounterIsEntry ? entry : max;
    auto [slot, added] = byName.try_emplace(record.Name, profile.functions.size());
    if (added) {
      profile.functions.push_back(
          ProfiledFunction{record.Name.str(), linkageNameOf(record.Name).str(), entry, max, heat});
    } else {
      ProfiledFunction& known = profile.functions[slot->second];
      known.entryCount = std::max(known.entryCount, entry);
      known.maxCount = std::max(known.maxCount, max);
      known.heat = std::max(known.heat, heat);
    }
  }
  profile.hotCountThreshold = hotThreshold(summary.getSummary()->getDetailedSummary());
  // A total order (names are unique by now): the same profile always ranks the same.
  std::sort(profile.functions.begin(), profile.functions.end(),
            [](const ProfiledFunction& a, const ProfiledFunction& b) {
              if (a.heat != b.heat) {
                return a.heat > b.heat;
              }
              if (a.maxCount != b.maxCount) {
                return a.maxCount > b.maxCount;
              }
              return a.profileName < b.profileName;
            });
  return profile;
}

}  // namespace

llvm::StringRef linkageNameOf(llvm::StringRef profileName) {
  // Neither ';' nor ':' occurs in a mangled or C name; both end the file prefix.
  const std::size_t cut = profileName.find_last_of(";:");
  return cut == llvm::StringRef::npos ? profileName : profileName.drop_front(cut + 1);
}

std::string sha256Hex(llvm::StringRef bytes) {
  const auto digest = llvm::SHA256::hash(llvm::arrayRefFromStringRef(bytes));
  return llvm::toHex(digest, /*LowerCase=*/true);
}

std::vector<const ProfiledFunction*> HotProfile::hot() const {
  std::vector<const ProfiledFunction*> out;
  if (!hotCountThreshold) {
    return out;
  }
  for (const ProfiledFunction& function : functions) {
    if (function.heat < *hotCountThreshold) {
      break;
    }
    out.push_back(&function);
  }
  return out;
}

llvm::Expected<HotProfile> HotProfile::readFile(llvm::StringRef path) {
  // The text reader walks lines up to a NUL terminator.
  auto buffer = readInputFile(path, /*nullTerminated=*/true);
  if (!buffer) {
    return buffer.takeError();
  }
  return read(std::move(*buffer));
}

llvm::Expected<HotProfile> HotProfile::read(std::unique_ptr<llvm::MemoryBuffer> buffer) {
  const std::string name = buffer->getBufferIdentifier().str();
  // Declared sizes LLVM trusts are checked first (ProfileGuard.hpp); if an
  // allocation still fails, that is an input error, not a crash. (LLVM is
  // built without exceptions but with unwind tables, so the exception
  // reaches this frame; the reader it leaves half-done is discarded.)
  try {
    return readProfile(std::move(buffer));
  } catch (const std::bad_alloc&) {
    return inputError(name, "is malformed: it declares more data than memory can hold");
  } catch (const std::length_error&) {
    return inputError(name, "is malformed: it declares more data than memory can hold");
  }
}

}  // namespace pgokit::validate
