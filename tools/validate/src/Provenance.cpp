#include "Provenance.hpp"

#include "ElfImage.hpp"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/JSON.h"

#include <algorithm>

namespace pgokit::validate {

namespace {

llvm::Expected<llvm::json::Object> parseObject(llvm::StringRef json) {
  auto value = llvm::json::parse(json);
  if (!value) {
    return llvm::createStringError("invalid JSON: " + llvm::toString(value.takeError()));
  }
  llvm::json::Object* object = value->getAsObject();
  if (object == nullptr) {
    return llvm::createStringError("not a JSON object");
  }
  return std::move(*object);
}

llvm::Error readString(const llvm::json::Object& object, llvm::StringRef key, std::string& out,
                       bool required) {
  const llvm::json::Value* value = object.get(key);
  if (value == nullptr) {
    return required ? llvm::createStringError("no \"" + key + "\" field") : llvm::Error::success();
  }
  auto text = value->getAsString();
  if (!text) {
    return llvm::createStringError("\"" + key + "\" is not a string");
  }
  out = text->str();
  return llvm::Error::success();
}

llvm::Error readSha(const llvm::json::Object& object, llvm::StringRef key, std::string& out) {
  if (llvm::Error err = readString(object, key, out, /*required=*/true)) {
    return err;
  }
  if (!isSha256(out)) {
    return llvm::createStringError("\"" + key + "\" is not a sha256 (64 hex digits): '" + out +
                                   "'");
  }
  out = llvm::StringRef(out).lower();
  return llvm::Error::success();
}

}  // namespace

bool Provenance::claims(llvm::StringRef stage) const {
  return std::find(stages.begin(), stages.end(), stage) != stages.end();
}

bool isSha256(llvm::StringRef text) {
  return text.size() == 64 && llvm::all_of(text, llvm::isHexDigit);
}

llvm::Expected<Provenance> parseProvenance(llvm::StringRef json) {
  auto object = parseObject(json);
  if (!object) {
    return object.takeError();
  }
  Provenance note;
  auto format = object->getInteger("format");
  if (!format) {
    return llvm::createStringError("no integer \"format\" field");
  }
  note.format = *format;
  if (note.format != kProvenanceFormat) {
    return llvm::createStringError("format " + llvm::Twine(note.format) +
                                   " is not one this validator reads (" +
                                   llvm::Twine(kProvenanceFormat) + ")");
  }
  for (auto [key, out] : {std::pair{"target", &note.target}, std::pair{"arch", &note.arch}}) {
    if (llvm::Error err = readString(*object, key, *out, /*required=*/true)) {
      return std::move(err);
    }
  }
  for (auto [key, out] : {std::pair{"llvm_version", &note.llvmVersion},
                          std::pair{"source_commit", &note.sourceCommit}}) {
    if (llvm::Error err = readString(*object, key, *out, /*required=*/false)) {
      return std::move(err);
    }
  }
  for (auto [key, out] : {std::pair{"profile_sha256", &note.profileSha256},
                          std::pair{"text_profile_sha256", &note.textProfileSha256}}) {
    if (llvm::Error err = readSha(*object, key, *out)) {
      return std::move(err);
    }
  }
  const llvm::json::Array* stages = object->getArray("stages");
  if (stages == nullptr) {
    return llvm::createStringError("no \"stages\" array");
  }
  for (const llvm::json::Value& stage : *stages) {
    auto text = stage.getAsString();
    if (!text) {
      return llvm::createStringError("\"stages\" holds a non-string");
    }
    note.stages.push_back(text->str());
  }
  return note;
}

llvm::Expected<Manifest> readManifestFile(llvm::StringRef path) {
  auto buffer = readInputFile(path, /*nullTerminated=*/false);
  if (!buffer) {
    return buffer.takeError();
  }
  return parseManifest((*buffer)->getBuffer(), path);
}

llvm::Expected<Manifest> parseManifest(llvm::StringRef json, llvm::StringRef name) {
  auto object = parseObject(json);
  if (!object) {
    return inputError(name, "is not a profile manifest: " + llvm::toString(object.takeError()));
  }
  Manifest manifest;
  manifest.name = name.str();
  llvm::Error err = readString(*object, "arch", manifest.arch, /*required=*/false);
  if (!err) {
    err = readSha(*object, "profile_sha256", manifest.profileSha256);
  }
  if (!err) {
    err = readSha(*object, "text_profile_sha256", manifest.textProfileSha256);
  }
  if (err) {
    return inputError(name, "is not a profile manifest: " + llvm::toString(std::move(err)));
  }
  return manifest;
}

}  // namespace pgokit::validate
