#pragma once
// Text outputs (report pages, CSV series) written like every output (DESIGN.md §2): to a
// temporary beside the target (io::temporary_template_for, cleaned up on SIGINT/SIGTERM), then
// renamed over it, so no reader ever sees a partial page and a failure leaves the old file.
#include <string>
#include <string_view>

namespace tapeop::io {

// Writes `text` to `path` atomically; a missing parent folder is not created (see
// io/folders.hpp). Throws Error naming the path.
void write_text_file(const std::string& path, std::string_view text);

} // namespace tapeop::io
