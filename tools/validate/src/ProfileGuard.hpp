#pragma once

#include "llvm/Support/Error.h"
#include "llvm/Support/MemoryBuffer.h"

namespace pgokit::validate {

// LLVM 19's profile readers trust some sizes and offsets a file declares:
// the text reader reserves memory for the counters and value sites a record
// declares before it reads them (one corrupt count, terabytes), and the
// indexed reader copies its summary and walks its hash table without
// checking them against the file's end (a truncated .profdata is read past
// its end), and trusts each record's counter and bitmap counts (a huge one
// wraps its bounds check; the reservation that follows throws through frames
// built without exceptions, which leak). These guards check exactly those numbers against the file,
// before LLVM reads it; they read nothing else, so every other defect is
// still LLVM's to report. The fuzzer (fuzz/) is what found them.

// For a text profile (.proftext).
llvm::Error checkTextProfileSizes(const llvm::MemoryBuffer& buffer);

// For an indexed profile (.profdata).
llvm::Error checkIndexedProfileBounds(const llvm::MemoryBuffer& buffer);

}  // namespace pgokit::validate
