#include "Finding.hpp"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/ConvertUTF.h"

namespace pgokit::validate {

llvm::StringRef statusName(Status status) {
  switch (status) {
    case Status::Pass:
      return "pass";
    case Status::Fail:
      return "fail";
    case Status::Skip:
      return "skip";
  }
  return "skip";
}

llvm::json::Value jsonText(llvm::StringRef text) {
  if (llvm::json::isUTF8(text)) {
    return text.str();
  }
  return llvm::json::fixUTF8(text);
}

std::string hexAddress(std::uint64_t value) {
  return "0x" + llvm::utohexstr(value, /*LowerCase=*/true);
}

std::string printable(llvm::StringRef text) {
  std::string out;
  out.reserve(text.size());
  const auto* bytes = text.bytes_begin();
  const auto* end = text.bytes_end();
  while (bytes < end) {
    const unsigned length = llvm::getNumBytesForUTF8(*bytes);
    const bool control = *bytes < 0x20 || *bytes == 0x7f;
    if (!control && length <= static_cast<unsigned>(end - bytes) &&
        llvm::isLegalUTF8Sequence(bytes, bytes + length)) {
      out.append(reinterpret_cast<const char*>(bytes), length);
      bytes += length;
      continue;
    }
    out += "\\x";
    out += llvm::hexdigit(*bytes >> 4U, /*LowerCase=*/true);
    out += llvm::hexdigit(*bytes & 0xfU, /*LowerCase=*/true);
    ++bytes;
  }
  return out;
}

}  // namespace pgokit::validate
