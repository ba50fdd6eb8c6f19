// libFuzzer target: the QC spec parser (qc::parse_spec: the lexer, check names, parameters
// with units, severities, allowed-value lists). A tapeop::Error is the expected answer to bad
// text; any other exception escaping is a finding.
#include "tapeop/error.hpp"
#include "tapeop/qc/spec.hpp"

#include <cstddef>
#include <cstdint>
#include <string>

extern "C" int LLVMFuzzerInitialize(int*, char***) {
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string text(reinterpret_cast<const char*>(data), size);
    try {
        tapeop::qc::parse_spec(text, "fuzz.spec");
    } catch (const tapeop::Error&) {
    }
    return 0;
}
