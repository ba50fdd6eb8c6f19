// JUnit XML for CI systems, and the atomic text write it goes through.
#include "tapeop/error.hpp"
#include "tapeop/qc/check.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <string>
#include <sys/stat.h>
#include <unistd.h>

namespace tapeop::qc {
namespace {

std::string xml_escape(const std::string& s) {
    std::string out;
    out.reserve(s.size());
    for (char ch : s) {
        switch (ch) {
        case '&':
            out += "&amp;";
            break;
        case '<':
            out += "&lt;";
            break;
        case '>':
            out += "&gt;";
            break;
        case '"':
            out += "&quot;";
            break;
        case '\'':
            out += "&apos;";
            break;
        default:
            // XML 1.0 allows no control characters but tab, LF, CR.
            if (static_cast<unsigned char>(ch) < 0x20 && ch != '\t' && ch != '\n' && ch != '\r')
                out += ' ';
            else
                out += ch;
        }
    }
    return out;
}

} // namespace

std::string junit_xml(const std::vector<FileReport>& reports, const Spec& spec) {
    std::size_t tests = 0, failures = 0, errors = 0;
    std::string cases;
    for (const auto& rep : reports) {
        const std::string cls = xml_escape(rep.path);
        if (!rep.readable()) {
            ++tests;
            ++errors;
            cases += "    <testcase classname=\"" + cls +
                     "\" name=\"read\">\n      <error message=\"" + xml_escape(rep.error) +
                     "\" type=\"unreadable\"/>\n    </testcase>\n";
            continue;
        }
        for (const auto& check : rep.checks) {
            ++tests;
            std::string fail, out;
            for (const auto& f : rep.findings) {
                if (f.check != check)
                    continue;
                if (f.severity == Severity::error)
                    fail += (fail.empty() ? "" : "\n") + f.message;
                else
                    out += (out.empty() ? "" : "\n") + ("warning: " + f.message);
            }
            cases += "    <testcase classname=\"" + cls + "\" name=\"" + xml_escape(check) + "\"";
            if (fail.empty() && out.empty()) {
                cases += "/>\n";
                continue;
            }
            cases += ">\n";
            if (!fail.empty()) {
                ++failures;
                const std::string first = fail.substr(0, fail.find('\n'));
                cases += "      <failure message=\"" + xml_escape(first) + "\" type=\"" +
                         xml_escape(check) + "\">" + xml_escape(fail) + "</failure>\n";
            }
            if (!out.empty())
                cases += "      <system-out>" + xml_escape(out) + "</system-out>\n";
            cases += "    </testcase>\n";
        }
    }
    const std::string name = xml_escape("tapeop check --spec " + spec.name);
    const std::string counts = " tests=\"" + std::to_string(tests) + "\" failures=\"" +
                               std::to_string(failures) + "\" errors=\"" + std::to_string(errors) +
                               "\"";
    return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"" + name + "\"" +
           counts + ">\n  <testsuite name=\"" + name + "\"" + counts + " skipped=\"0\">\n" + cases +
           "  </testsuite>\n</testsuites>\n";
}

} // namespace tapeop::qc
