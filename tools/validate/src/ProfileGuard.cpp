#include "ProfileGuard.hpp"

#include "llvm/ProfileData/InstrProf.h"
#include "llvm/Support/Endian.h"
#include "llvm/Support/LineIterator.h"

#include <cstdint>
#include <optional>

namespace pgokit::validate {

namespace {

// a + b <= limit, without overflow.
bool fits(std::uint64_t a, std::uint64_t b, std::uint64_t limit) {
  return a <= limit && b <= limit - a;
}

llvm::Error truncated(const llvm::Twine& what) {
  return llvm::createStringError("truncated: " + what);
}

// The records in one hash table entry's data, walked as LLVM 19's
// InstrProfLookupTrait::ReadData does: a hash, a counter count and the
// counters, a bitmap byte count and the bytes (version 11 on, 64 bits each),
// then value profile data (version 3 on) that starts with its own 32-bit
// size. ReadData checks a declared count as `D + count * 8 > End`, which wraps
// for a huge count; the vector it then reserves throws, and the frames LLVM
// built without exceptions leak what they hold. So every count must fit the
// data that is left. Anything else malformed stays LLVM's to report.
llvm::Error checkRecords(const unsigned char* data, std::uint64_t length, std::uint64_t version,
                         std::uint64_t entry) {
  namespace endian = llvm::support::endian;
  using llvm::IndexedInstrProf::ProfVersion;
  std::uint64_t at = 0;
  auto left = [&] { return length - at; };
  // A count of 64-bit words, then the words: true when they fit, false when
  // the data ends before the count (LLVM stops there too), an error when the
  // count is more than the data left.
  auto words = [&](const char* what) -> llvm::Expected<bool> {
    if (left() < sizeof(std::uint64_t)) {
      return false;
    }
    const std::uint64_t declared = endian::read64le(data + at);
    at += sizeof(std::uint64_t);
    if (declared > left() / sizeof(std::uint64_t)) {
      return truncated("hash table entry " + llvm::Twine(entry) + " declares " + llvm::Twine(declared) +
                       " " + what + ", but only " + llvm::Twine(left()) + " bytes of its data follow");
    }
    at += declared * sizeof(std::uint64_t);
    return true;
  };
  while (left() > sizeof(std::uint64_t)) {
    at += sizeof(std::uint64_t);  // the function's hash
    // Version 1 has no counter count: the counters fill the entry.
    auto counters = version == ProfVersion::Version1 ? llvm::Expected<bool>(false) : words("counters");
    if (!counters) {
      return counters.takeError();
    }
    if (!*counters) {
      break;
    }
    if (version > ProfVersion::Version10) {
      auto bitmap = words("bitmap bytes");
      if (!bitmap) {
        return bitmap.takeError();
      }
      if (!*bitmap) {
        break;
      }
    }
    if (version > ProfVersion::Version2) {
      // ValueProfData: a 32-bit total size (header included), which LLVM checks itself.
      if (left() < 2 * sizeof(std::uint32_t)) {
        break;
      }
      const std::uint32_t total = endian::read32le(data + at);
      if (total < 2 * sizeof(std::uint32_t) || total > left()) {
        break;
      }
      at += total;
    }
  }
  return llvm::Error::success();
}

}  // namespace

llvm::Error checkTextProfileSizes(const llvm::MemoryBuffer& buffer) {
  // The same line iterator as TextInstrProfReader: blank lines and lines
  // starting with '#' are skipped, and the rest walked in the reader's order.
  std::uint64_t total = 0;
  for (llvm::line_iterator it(buffer, /*SkipBlanks=*/true, '#'); !it.is_at_end(); ++it) {
    ++total;
  }
  llvm::line_iterator line(buffer, /*SkipBlanks=*/true, '#');
  std::uint64_t index = 0;
  const auto advance = [&] {
    ++line;
    ++index;
  };
  // The next line as a number; nothing where the reader would stop anyway.
  const auto number = [&]() -> std::optional<std::uint64_t> {
    std::uint64_t value = 0;
    if (line.is_at_end() || line->getAsInteger(10, value)) {
      return std::nullopt;
    }
    advance();
    return value;
  };
  const auto skip = [&](std::uint64_t lines) {
    for (std::uint64_t i = 0; i < lines && !line.is_at_end(); ++i) {
      advance();
    }
  };
  const auto declared = [&](std::uint64_t size, const char* what) -> llvm::Error {
    if (size <= total - index) {
      return llvm::Error::success();
    }
    return llvm::createStringError("line " + llvm::Twine(line.line_number() - 1) + " declares " +
                                   llvm::Twine(size) + " " + what + ", but only " +
                                   llvm::Twine(total - index) + " lines follow");
  };

  // Header flags (":fe", ":ir", ...); temporal traces carry a count, a
  // stream size, then a weight line and a names line per trace.
  while (!line.is_at_end() && line->starts_with(":")) {
    const bool traces = line->drop_front().equals_insensitive("temporal_prof_traces");
    advance();
    if (traces) {
      const auto count = number();
      if (!count || !number()) {
        return llvm::Error::success();
      }
      skip(*count);
      skip(*count);
    }
  }
  // Records: name, hash, counter count, counters, then optional value
  // profile data (kinds; per kind: its id, site count, per site a value
  // count and that many values).
  while (!line.is_at_end()) {
    skip(2);
    const auto counters = number();
    if (!counters) {
      return llvm::Error::success();
    }
    if (llvm::Error err = declared(*counters, "counters")) {
      return err;
    }
    skip(*counters);
    const auto kinds = number();
    if (!kinds) {
      continue;
    }
    for (std::uint64_t kind = 0; kind < *kinds && kind <= llvm::IPVK_Last; ++kind) {
      const auto id = number();
      const auto sites = number();
      if (!id || !sites) {
        return llvm::Error::success();
      }
      if (llvm::Error err = declared(*sites, "value sites")) {
        return err;
      }
      for (std::uint64_t site = 0; site < *sites; ++site) {
        const auto values = number();
        if (!values) {
          return llvm::Error::success();
        }
        skip(*values);
      }
    }
  }
  return llvm::Error::success();
}

llvm::Error checkIndexedProfileBounds(const llvm::MemoryBuffer& buffer) {
  namespace endian = llvm::support::endian;
  using llvm::IndexedInstrProf::Header;
  using llvm::IndexedInstrProf::Summary;
  const auto* start = reinterpret_cast<const unsigned char*>(buffer.getBufferStart());
  const std::uint64_t size = buffer.getBufferSize();
  // Header::readFromBuffer reads the latest header's fields whatever the
  // version says; no valid profile is shorter than that.
  if (size < sizeof(Header)) {
    return truncated(llvm::Twine(size) + " bytes, shorter than an indexed profile header");
  }
  auto header = Header::readFromBuffer(start);
  if (!header) {
    llvm::consumeError(header.takeError());  // LLVM reports it, with its own words
    return llvm::Error::success();
  }
  const std::uint64_t version = header->getIndexedProfileVersion();
  if (version > llvm::IndexedInstrProf::ProfVersion::CurrentVersion) {
    return llvm::Error::success();  // LLVM reports the unsupported version
  }

  // The summaries (version 4 on; a second one for context-sensitive
  // profiles) follow the header; the hash table's payload follows them.
  std::uint64_t at = header->size();
  if (at > size) {
    return truncated("the header runs past the end of the file");
  }
  if (version >= llvm::IndexedInstrProf::ProfVersion::Version4) {
    const int summaries = (header->Version & VARIANT_MASK_CSIR_PROF) != 0 ? 2 : 1;
    for (int i = 0; i < summaries; ++i) {
      if (!fits(at, 2 * sizeof(std::uint64_t), size)) {
        return truncated("the profile summary runs past the end of the file");
      }
      const std::uint64_t fields = endian::read64le(start + at);
      const std::uint64_t entries = endian::read64le(start + at + 8);
      const std::uint64_t room = size - at;
      if (fields > room / sizeof(std::uint64_t) || entries > room / sizeof(Summary::Entry) ||
          !fits(sizeof(Summary), fields * sizeof(std::uint64_t) + entries * sizeof(Summary::Entry),
                room)) {
        return truncated("the profile summary runs past the end of the file");
      }
      at += sizeof(Summary) + fields * sizeof(std::uint64_t) + entries * sizeof(Summary::Entry);
    }
  }

  // LLVM 19's memory-profile reader trusts the record counts and offsets it
  // finds (the fuzzer crashed it); pgokit never writes MemProf data, so a
  // profile that claims some is refused rather than handed to that reader.
  if ((header->Version & VARIANT_MASK_MEMPROF) != 0) {
    return llvm::createStringError(
        "it carries a memory profile (MemProf) section, which pgokit-validate does not read "
        "(pgokit never writes one); pass an instrumentation profile without it");
  }

  // Every section the header points at starts inside the file.
  const std::pair<std::uint64_t, const char*> sections[] = {
      {header->HashOffset, "hash table"},
      {header->MemProfOffset, "memory profile"},
      {header->BinaryIdOffset, "binary ids"},
      {header->TemporalProfTracesOffset, "temporal profile"},
      {header->VTableNamesOffset, "vtable names"},
  };
  for (const auto& [offset, what] : sections) {
    if (offset > size) {
      return truncated(llvm::Twine("the ") + what + " offset lies past the end of the file");
    }
  }

  // The hash table: its bucket count and entry count at HashOffset, the
  // bucket array after them, and before them its payload, which LLVM's
  // iterator walks from the end of the summaries: per bucket an item count
  // (16 bits), per item a hash, a key length, a data length (64 bits each),
  // the key and the data.
  const std::uint64_t table = header->HashOffset;
  if (table < at || !fits(table, 2 * sizeof(std::uint64_t), size)) {
    return truncated("the hash table lies outside the file");
  }
  const std::uint64_t buckets = endian::read64le(start + table);
  const std::uint64_t entries = endian::read64le(start + table + 8);
  if (buckets > (size - table - 16) / sizeof(std::uint64_t)) {
    return truncated("the hash table's " + llvm::Twine(buckets) + " buckets run past the end");
  }
  std::uint64_t item = at;
  std::uint16_t itemsLeftInBucket = 0;  // 16 bits and wrapping, as in LLVM's iterator
  for (std::uint64_t i = 0; i < entries; ++i) {
    if (itemsLeftInBucket == 0) {
      if (!fits(item, sizeof(std::uint16_t), table)) {
        return truncated("the hash table declares " + llvm::Twine(entries) + " entries; only " +
                         llvm::Twine(i) + " fit before its end");
      }
      itemsLeftInBucket = endian::read16le(start + item);
      item += sizeof(std::uint16_t);
    }
    if (!fits(item, 3 * sizeof(std::uint64_t), table)) {
      return truncated("the hash table declares " + llvm::Twine(entries) + " entries; only " +
                       llvm::Twine(i) + " fit before its end");
    }
    const std::uint64_t keyLength = endian::read64le(start + item + 8);
    const std::uint64_t dataLength = endian::read64le(start + item + 16);
    item += 3 * sizeof(std::uint64_t);
    if (!fits(item, keyLength, table) || !fits(item + keyLength, dataLength, table)) {
      return truncated("hash table entry " + llvm::Twine(i) + " runs past the table's end");
    }
    if (llvm::Error err = checkRecords(start + item + keyLength, dataLength, version, i)) {
      return err;
    }
    item += keyLength + dataLength;
    --itemsLeftInBucket;
  }
  return llvm::Error::success();
}

}  // namespace pgokit::validate
