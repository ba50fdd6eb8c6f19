// libFuzzer target: tapeop's metadata readers (io::read_metadata): bext, iXML, LIST/INFO,
// cue/adtl, smpl/inst and ID3 chunks of WAV/RF64/W64/AIFF/CAF, and the TagLib tags of FLAC,
// Ogg Vorbis, Opus, MP3 and MP4/M4A (pictures included). read_metadata picks its reader by
// the file's extension, so the first byte chooses one and the rest is the file. It promises to
// turn an unreadable or untagged file into empty metadata or a tapeop::Error: anything else
// escaping, a sanitizer report, a hang or an out-of-memory is a finding.
#include "memfile.hpp"

#include "tapeop/error.hpp"
#include "tapeop/io/metadata.hpp"

#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <iterator>
#include <string>

namespace {

// The extensions read_metadata tells apart (make_corpus.sh writes seeds with the same index;
// new ones go at the end, so the inputs in regressions/metadata keep theirs).
const char* const extensions[] = {"wav",  "rf64", "w64",  "aiff", "caf",
                                  "flac", "ogg",  "opus", "mp3",  "m4a"};

// A folder of our own for the named link to the in-memory file (the link, not the data, is on
// disk: a few bytes in $TMPDIR, removed at exit).
std::string& link_dir() {
    static std::string dir;
    return dir;
}

void remove_link_dir() {
    for (const char* e : extensions)
        ::unlink((link_dir() + "/in." + e).c_str());
    ::rmdir(link_dir().c_str());
}

} // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
    const char* tmp = std::getenv("TMPDIR");
    std::string templ = std::string(tmp && *tmp ? tmp : "/tmp") + "/tapeop-fuzz-meta-XXXXXX";
    if (!::mkdtemp(templ.data()))
        std::abort(); // the harness itself is broken: not a finding
    link_dir() = templ;
    std::atexit(remove_link_dir);
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 1)
        return 0;
    if (link_dir().empty())
        LLVMFuzzerInitialize(nullptr, nullptr);
    const char* ext = extensions[data[0] % std::size(extensions)];
    const tapeop::fuzz::MemFile file(data + 1, size - 1);
    const std::string name = link_dir() + "/in." + ext;
    ::unlink(name.c_str());
    if (::symlink(file.path().c_str(), name.c_str()) != 0)
        std::abort();
    try {
        const tapeop::io::Metadata m = tapeop::io::read_metadata(name);
        (void)m.empty();
    } catch (const tapeop::Error&) {
    }
    ::unlink(name.c_str());
    return 0;
}
