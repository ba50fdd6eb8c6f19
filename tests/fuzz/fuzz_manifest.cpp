// libFuzzer target: the batch manifest reader (batch::read_manifest, the JSON a re-run and
// `manifest merge` trust). A tapeop::Error is the expected answer to a bad manifest; any other
// exception (nlohmann's type_error from an unchecked access, say) is a finding. A manifest that
// reads must survive a write-read round trip unchanged.
#include "memfile.hpp"

#include "tapeop/batch/manifest.hpp"
#include "tapeop/error.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>

extern "C" int LLVMFuzzerInitialize(int*, char***) {
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const tapeop::fuzz::MemFile file(data, size);
    tapeop::batch::Manifest m;
    try {
        m = tapeop::batch::read_manifest(file.path());
    } catch (const tapeop::Error&) {
        return 0;
    }
    const auto once = tapeop::batch::to_json(m);
    const auto twice =
        tapeop::batch::to_json(tapeop::batch::manifest_from_json(once, "round trip"));
    if (once != twice) {
        std::fprintf(stderr, "manifest round trip differs:\n%s\n%s\n", once.dump().c_str(),
                     twice.dump().c_str());
        std::abort();
    }
    return 0;
}
