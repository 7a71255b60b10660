#include "csvstat/Generator.hpp"

#include <array>
#include <string_view>

#include "csvstat/Numbers.hpp"

namespace csvstat {

namespace {

// SplitMix64: tiny, fast, and the same sequence everywhere (the standard
// library's distributions are not specified bit for bit).
class Random {
 public:
  explicit Random(std::uint64_t seed) noexcept : state_(seed) {}

  std::uint64_t next() noexcept {
    std::uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }

  // Uniform in [0, bound), bound small next to 2^64.
  std::uint64_t below(std::uint64_t bound) noexcept { return next() % bound; }

  // Skewed toward 0 in [0, bound): the square of a uniform fraction, like sales
  // concentrated on a few regions and best-selling products.
  std::uint64_t skewed(std::uint64_t bound) noexcept {
    const std::uint64_t u = next() >> 32;  // a fraction in units of 2^-32
    return (u * u >> 32) * bound >> 32;
  }

 private:
  std::uint64_t state_;
};

constexpr std::array<std::string_view, 8> kRegions = {
    "eu-west", "us-east", "ap-northeast", "eu-central", "us-west", "ap-south", "sa-east", "af-south"};

constexpr std::array<std::string_view, 6> kAdjectives = {"classic", "organic", "premium", "compact", "wireless",
                                                         "vintage"};
constexpr std::array<std::string_view, 8> kNouns = {"kettle",   "lamp", "backpack", "headphones",
                                                    "notebook", "mug",  "teapot",   "charger"};
constexpr std::size_t kProducts = kAdjectives.size() * kNouns.size();

constexpr std::array<std::string_view, 5> kPlainNotes = {"gift", "express", "repeat-customer", "pickup",
                                                         "backorder"};
// Already CSV-quoted, as they appear in the file.
constexpr std::array<std::string_view, 6> kQuotedNotes = {
    R"("leave at door, ring twice")",
    R"("deliver after 6pm, not before")",
    R"("customer wrote ""fragile"", pack well")",
    R"("invoice to ""Accounts, 3rd floor""")",
    "\"two parcels:\nship together\"",
    R"("price matched, see ticket ""PM-1182""")"};

// 2024-01-01T00:00:00Z.
constexpr std::int64_t kStart = 1'704'067'200;

// A product's list price in cents: spread from 3.99 to a few hundred.
std::int64_t list_price_cents(std::size_t product) noexcept {
  return 399 + static_cast<std::int64_t>((product * 7'919) % 251) * 100 + static_cast<std::int64_t>(product % 7) * 10;
}

void append_cents(std::string& out, std::int64_t cents) {
  append_int(out, cents / 100);
  out += '.';
  out += static_cast<char>('0' + cents / 10 % 10);
  out += static_cast<char>('0' + cents % 10);
}

}  // namespace

std::string generate_orders(const GeneratorOptions& options) {
  Random random(options.seed);
  std::string out;
  // About 90 bytes a row; one allocation for the usual case.
  out.reserve(64 + static_cast<std::size_t>(options.rows > 0 ? options.rows : 0) * 96);
  out += "id,timestamp,region,product,quantity,price,note\n";
  std::int64_t time = kStart;
  for (std::int64_t id = 1; id <= options.rows; ++id) {
    time += static_cast<std::int64_t>(random.below(30));
    const std::size_t region = random.skewed(kRegions.size());
    const std::size_t product = random.skewed(kProducts);
    const std::uint64_t roll = random.below(1'000);
    // Mostly a few items, sometimes bulk, now and then a return.
    std::int64_t quantity = 1 + static_cast<std::int64_t>(random.below(6));
    if (roll < 20) {
      quantity = -quantity;
    } else if (roll >= 980) {
      quantity = 50 + static_cast<std::int64_t>(random.below(450));
    }
    // Within +-10% of the list price.
    const std::int64_t list = list_price_cents(product);
    const std::int64_t cents = list - list / 10 + static_cast<std::int64_t>(random.below(static_cast<std::uint64_t>(list / 5 + 1)));

    append_int(out, id);
    out += ',';
    append_timestamp(out, time);
    out += ',';
    out += kRegions[region];
    out += ',';
    out += kAdjectives[product / kNouns.size()];
    out += '-';
    out += kNouns[product % kNouns.size()];
    out += ',';
    append_int(out, quantity);
    out += ',';
    append_cents(out, cents);
    out += ',';
    const std::uint64_t note = random.below(100);
    if (note < 35) {
      out += kPlainNotes[note % kPlainNotes.size()];
    } else if (note < 60) {
      out += kQuotedNotes[note % kQuotedNotes.size()];
    }  // else no note
    out += '\n';
  }
  return out;
}

}  // namespace csvstat
