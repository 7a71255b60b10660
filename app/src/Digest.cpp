#include "Digest.hpp"

#include <array>

namespace pgokit {

namespace {

constexpr std::array<std::uint32_t, 256> make_crc_table() {
  std::array<std::uint32_t, 256> table{};
  for (std::uint32_t i = 0; i < 256; ++i) {
    std::uint32_t value = i;
    for (int bit = 0; bit < 8; ++bit) {
      value = (value & 1U) != 0 ? 0xEDB88320U ^ (value >> 1) : value >> 1;
    }
    table[i] = value;
  }
  return table;
}

constexpr auto kCrcTable = make_crc_table();

void append_encoded(std::string& out, std::string_view data, Digest::Encoding encoding) {
  if (encoding == Digest::Encoding::hex) {
    Digest::append_hex(out, data);
  } else {
    Digest::append_base64(out, data);
  }
}

}  // namespace

std::uint32_t Digest::crc32(std::string_view data, std::uint32_t crc) noexcept {
  crc = ~crc;
  for (const char c : data) {
    crc = kCrcTable[(crc ^ static_cast<unsigned char>(c)) & 0xffU] ^ (crc >> 8);
  }
  return ~crc;
}

std::uint64_t Digest::fnv1a64(std::string_view data, std::uint64_t hash) noexcept {
  for (const char c : data) {
    hash ^= static_cast<unsigned char>(c);
    hash *= 0x100000001b3ULL;
  }
  return hash;
}

void Digest::append_hex(std::string& out, std::string_view data) {
  static constexpr char kDigits[] = "0123456789abcdef";
  const std::size_t start = out.size();
  out.resize(start + data.size() * 2);
  char* dst = out.data() + start;
  for (const char c : data) {
    const auto byte = static_cast<unsigned char>(c);
    *dst++ = kDigits[byte >> 4];
    *dst++ = kDigits[byte & 0x0f];
  }
}

void Digest::append_base64(std::string& out, std::string_view data) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  const std::size_t start = out.size();
  out.resize(start + (data.size() + 2) / 3 * 4);
  char* dst = out.data() + start;
  const auto* src = reinterpret_cast<const unsigned char*>(data.data());
  std::size_t remaining = data.size();
  while (remaining >= 3) {
    const std::uint32_t triple = (std::uint32_t{src[0]} << 16) | (std::uint32_t{src[1]} << 8) | src[2];
    *dst++ = kAlphabet[(triple >> 18) & 0x3f];
    *dst++ = kAlphabet[(triple >> 12) & 0x3f];
    *dst++ = kAlphabet[(triple >> 6) & 0x3f];
    *dst++ = kAlphabet[triple & 0x3f];
    src += 3;
    remaining -= 3;
  }
  if (remaining > 0) {
    std::uint32_t triple = std::uint32_t{src[0]} << 16;
    if (remaining == 2) {
      triple |= std::uint32_t{src[1]} << 8;
    }
    *dst++ = kAlphabet[(triple >> 18) & 0x3f];
    *dst++ = kAlphabet[(triple >> 12) & 0x3f];
    *dst++ = remaining == 2 ? kAlphabet[(triple >> 6) & 0x3f] : '=';
    *dst++ = '=';
  }
}

Digest::Result Digest::compute(const Spec& spec) {
  Result result;
  result.fnv1a64 = 0xcbf29ce484222325ULL;
  std::string scratch;
  scratch.reserve(spec.data.size() * 2 + 4);
  for (unsigned round = 0; round < spec.rounds; ++round) {
    // Reusing one buffer keeps each round to encoding work rather than allocation.
    scratch.clear();
    append_encoded(scratch, spec.data, spec.encoding);
    result.crc32 = crc32(scratch, result.crc32);
    result.fnv1a64 = fnv1a64(spec.data, result.fnv1a64 ^ round);
  }
  std::array<char, 12> combined{};
  for (int i = 0; i < 8; ++i) {
    combined[static_cast<std::size_t>(i)] = static_cast<char>(result.fnv1a64 >> (56 - 8 * i));
  }
  for (int i = 0; i < 4; ++i) {
    combined[static_cast<std::size_t>(8 + i)] = static_cast<char>(result.crc32 >> (24 - 8 * i));
  }
  append_encoded(result.digest, std::string_view(combined.data(), combined.size()), spec.encoding);
  return result;
}

std::string_view Digest::name(Encoding encoding) noexcept {
  return encoding == Encoding::hex ? "hex" : "base64";
}

}  // namespace pgokit
