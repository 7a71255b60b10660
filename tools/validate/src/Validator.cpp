#include "Validator.hpp"

#include "Evidence.hpp"
#include "Rules.hpp"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/JSON.h"

#include <algorithm>

namespace pgokit::validate {

std::size_t Report::count(Status status) const {
  return static_cast<std::size_t>(std::count_if(
      findings.begin(), findings.end(), [&](const Finding& f) { return f.status == status; }));
}

int Report::exitCode() const { return count(Status::Fail) > 0 ? kExitFailed : kExitPass; }

const Finding* Report::find(llvm::StringRef id) const {
  for (const Finding& finding : findings) {
    if (finding.id == id) {
      return &finding;
    }
  }
  return nullptr;
}

Report validate(const ValidationRequest& request) {
  const Evidence evidence = Evidence::gather(request.elf);
  const RuleContext context{request.elf,     evidence,         request.arch, request.expect,
                            request.profile, request.manifest, request.top};
  Report report;
  report.binary = request.elf.name;
  report.arch = request.arch;
  report.expect = request.expect.items();
  for (const Rule& rule : allRules()) {
    report.findings.push_back(rule.check(context));
  }
  return report;
}

void printTable(const Report& report, llvm::raw_ostream& out) {
  std::size_t width = 0;
  for (const Finding& finding : report.findings) {
    width = std::max(width, finding.id.size());
  }
  out << "pgokit-validate " << printable(report.binary) << " (arch " << archName(report.arch)
      << "; expect " << llvm::join(report.expect, ",") << ")\n";
  for (const Finding& finding : report.findings) {
    out << "  " << llvm::left_justify(finding.id, width) << "  "
        << llvm::left_justify(statusName(finding.status), 4) << "  " << printable(finding.reason);
    if (!finding.hint.empty()) {
      out << " (" << printable(finding.hint) << ")";
    }
    out << "\n";
  }
  out << (report.exitCode() == kExitPass ? "PASS" : "FAIL") << ": " << report.count(Status::Pass)
      << " passed, " << report.count(Status::Fail) << " failed, " << report.count(Status::Skip)
      << " skipped in " << llvm::format("%.0f", report.seconds * 1000) << " ms\n";
}

void printJson(const Report& report, llvm::raw_ostream& out) {
  llvm::json::Array findings;
  for (const Finding& finding : report.findings) {
    llvm::json::Object entry{{"id", finding.id},
                             {"status", statusName(finding.status)},
                             {"reason", jsonText(finding.reason)},
                             {"details", llvm::json::Object(finding.details)}};
    if (!finding.hint.empty()) {
      entry["hint"] = jsonText(finding.hint);
    }
    findings.push_back(std::move(entry));
  }
  llvm::json::Array expect;
  for (const std::string& item : report.expect) {
    expect.push_back(item);
  }
  const llvm::json::Value document = llvm::json::Object{
      {"binary", jsonText(report.binary)},
      {"arch", archName(report.arch)},
      {"expect", std::move(expect)},
      {"result", report.exitCode() == kExitPass ? "pass" : "fail"},
      {"exit_code", report.exitCode()},
      {"passed", static_cast<std::int64_t>(report.count(Status::Pass))},
      {"failed", static_cast<std::int64_t>(report.count(Status::Fail))},
      {"skipped", static_cast<std::int64_t>(report.count(Status::Skip))},
      {"seconds", report.seconds},
      {"findings", std::move(findings)},
  };
  out << llvm::formatv("{0:2}", document) << "\n";
}

void printJsonError(llvm::StringRef message, int exitCode, llvm::raw_ostream& out) {
  const llvm::json::Value document = llvm::json::Object{
      {"result", "error"}, {"exit_code", exitCode}, {"error", jsonText(message)}};
  out << llvm::formatv("{0:2}", document) << "\n";
}

}  // namespace pgokit::validate
