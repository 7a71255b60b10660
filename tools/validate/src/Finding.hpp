#pragma once

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/JSON.h"

#include <cstdint>
#include <string>

namespace pgokit::validate {

// A rule's verdict. A skip says why the evidence could not be examined (or
// was not asked for); it never fails the gate.
enum class Status { Pass, Fail, Skip };

// "pass", "fail", "skip".
llvm::StringRef statusName(Status status);

// One line of the report: a rule's id, its verdict and a one-line reason,
// with the facts behind it for --json.
struct Finding {
  std::string id;
  Status status = Status::Skip;
  std::string reason;
  std::string hint;  // for a failure: what usually causes it, or how to fix it
  llvm::json::Object details;
};

// Text from the binary or a profile, safe to put in JSON (invalid UTF-8 is
// replaced, as LLVM's JSON writer requires).
llvm::json::Value jsonText(llvm::StringRef text);

// "0x2003e2": an address or size as reports show it.
std::string hexAddress(std::uint64_t value);

// Text from the binary, safe to print on a terminal: control bytes and
// invalid UTF-8 are escaped as \xNN.
std::string printable(llvm::StringRef text);

}  // namespace pgokit::validate
