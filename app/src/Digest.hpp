#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace pgokit {

// Checksums and encodings behind POST /api/tasks: deliberately plain byte loops, so the
// hot path is CPU work that profile-guided optimization can improve.
class Digest {
 public:
  enum class Encoding { hex, base64 };

  // The work one task asks for.
  struct Spec {
    std::string data;                  // the payload
    unsigned rounds = 1;               // how many times the payload is processed
    Encoding encoding = Encoding::hex; // transform applied each round and to the digest
  };

  // What one task produced.
  struct Result {
    std::uint32_t crc32 = 0;    // CRC-32 over the encoded payload of every round
    std::uint64_t fnv1a64 = 0;  // FNV-1a over the raw payload of every round
    std::string digest;         // encode(fnv1a64 big-endian || crc32 big-endian)
  };

  // CRC-32 (IEEE 802.3, reflected) of `data`, continuing from `crc` (0 to start).
  static std::uint32_t crc32(std::string_view data, std::uint32_t crc = 0) noexcept;

  // FNV-1a 64-bit of `data`, continuing from `hash` (the offset basis to start).
  static std::uint64_t fnv1a64(std::string_view data,
                               std::uint64_t hash = 0xcbf29ce484222325ULL) noexcept;

  // Lower-case hexadecimal of `data`, appended to `out`.
  static void append_hex(std::string& out, std::string_view data);

  // Standard base64 (RFC 4648, padded) of `data`, appended to `out`.
  static void append_base64(std::string& out, std::string_view data);

  // Runs a task: each round encodes the payload, folds it into the CRC and the raw
  // payload into FNV-1a, then encodes the combined digest.
  static Result compute(const Spec& spec);

  // The encoding's name as used in requests ("hex", "base64").
  static std::string_view name(Encoding encoding) noexcept;
};

}  // namespace pgokit
