#pragma once
// libmpg123 (the MP3 decoder inside libsndfile) prints its own diagnostics to stderr
// ("[src/libmpg123/parse.c:...] error: Giving up searching valid MPEG header", "Note: Illegal
// Audio-MPEG-Header ... Trying to resync", "Warning: Xing stream size off") unless its handle
// carries the MPG123_QUIET flag, and libsndfile sets no such flag and exposes no option for it.
//
// tapeop therefore defines mpg123_new itself (see mpeg_quiet.cpp): libsndfile's call binds to
// the executable's definition (the linker exports it, CMake's --export-dynamic-symbol), which
// calls the real mpg123_new (dlsym RTLD_NEXT) and sets MPG123_QUIET on the new handle. Every
// handle is quiet from its creation, in every thread, with no stderr redirection. A damaged
// MP3 then yields tapeop's one error line (or, when the decoder resyncs, none).

namespace tapeop::io {

// Makes sure the interposer is linked into the executable; returns whether the real
// mpg123_new was found (false when libsndfile was built without MP3 support).
bool quiet_mpeg_decoder();

} // namespace tapeop::io
