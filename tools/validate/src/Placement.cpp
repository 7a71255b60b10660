#include "Placement.hpp"

#include "Finding.hpp"

#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/BinaryFormat/ELF.h"
#include "llvm/Demangle/Demangle.h"

#include <cmath>

namespace pgokit::validate {

namespace {

using Where = PlacedFunction::Where;

// "_Z3foov.llvm.123" -> "_Z3foov": compilers and BOLT add suffixes after a dot.
llvm::StringRef baseName(llvm::StringRef symbol) {
  return symbol.starts_with(".") ? symbol : symbol.take_until([](char c) { return c == '.'; });
}

bool isColdFragment(llvm::StringRef symbol) { return symbol.contains(".cold"); }

llvm::StringRef whereName(Where where) {
  switch (where) {
    case Where::Hot:
      return "hot";
    case Where::Elsewhere:
      return "elsewhere";
    case Where::Absent:
      return "absent";
    case Where::LeftInPlace:
      return "left in place";
  }
  return "absent";
}

// Better evidence wins when a function has several symbols.
int rank(Where where) {
  switch (where) {
    case Where::Hot:
      return 3;
    case Where::Elsewhere:
      return 2;
    case Where::LeftInPlace:
      return 1;
    case Where::Absent:
      return 0;
  }
  return 0;
}

}  // namespace

double Placement::fraction() const {
  return judged() == 0 ? 0.0 : static_cast<double>(hot) / static_cast<double>(judged());
}

std::string Placement::share() const {
  return std::to_string(hot) + "/" + std::to_string(judged()) + " (" +
         std::to_string(static_cast<int>(std::lround(fraction() * 100))) + "%)";
}

llvm::json::Array Placement::toJson() const {
  llvm::json::Array out;
  for (const PlacedFunction& placed : functions) {
    llvm::json::Object entry{
        {"function", jsonText(displayName(placed.function->linkageName))},
        {"profile_name", jsonText(placed.function->profileName)},
        {"entry_count", static_cast<std::int64_t>(placed.function->entryCount)},
        {"max_count", static_cast<std::int64_t>(placed.function->maxCount)},
        {"placement", whereName(placed.where)},
    };
    if (placed.where != Where::Absent) {
      entry["symbol"] = jsonText(placed.symbol);
      entry["address"] = hexAddress(placed.address);
    }
    out.push_back(std::move(entry));
  }
  return out;
}

Placement placeHotFunctions(const ElfImage& elf, const std::vector<const ProfiledFunction*>& ranked,
                            const HotRegion& region, std::size_t top) {
  std::vector<PlacedFunction> all;
  all.reserve(ranked.size());
  // Two locals of the same name in different files share a linkage name.
  llvm::StringMap<llvm::SmallVector<std::size_t, 1>> wanted;
  for (const ProfiledFunction* function : ranked) {
    wanted[function->linkageName].push_back(all.size());
    all.push_back(PlacedFunction{function, Where::Absent, llvm::StringRef(), 0});
  }
  // One pass over the symbol table; a function may have several symbols
  // (a local in two files, a clone): the best placed one speaks for it.
  for (const Symbol& symbol : elf.symbols) {
    if (symbol.type != llvm::ELF::STT_FUNC || isColdFragment(symbol.name)) {
      continue;
    }
    auto it = wanted.find(baseName(symbol.name));
    if (it == wanted.end()) {
      continue;
    }
    Where where = Where::Elsewhere;
    if (region.judgedFrom && symbol.value < *region.judgedFrom) {
      where = Where::LeftInPlace;
    } else if (llvm::any_of(region.ranges, [&](const AddressRange& range) {
                 return range.contains(symbol.value);
               })) {
      where = Where::Hot;
    }
    for (std::size_t index : it->second) {
      PlacedFunction& placed = all[index];
      if (rank(where) > rank(placed.where)) {
        placed.where = where;
        placed.symbol = symbol.name;
        placed.address = symbol.value;
      }
    }
  }
  Placement placement;
  for (const PlacedFunction& placed : all) {
    if (placement.judged() == top) {
      break;
    }
    placement.functions.push_back(placed);
    switch (placed.where) {
      case Where::Hot:
        ++placement.hot;
        break;
      case Where::Elsewhere:
        ++placement.elsewhere;
        break;
      case Where::Absent:
        ++placement.absent;
        break;
      case Where::LeftInPlace:
        ++placement.leftInPlace;
        break;
    }
  }
  return placement;
}

std::string displayName(llvm::StringRef linkageName) { return llvm::demangle(linkageName.str()); }

}  // namespace pgokit::validate
