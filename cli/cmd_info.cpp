// tapeop info FILE...: what each file is (container, sample format, rate, channels, length).
#include "common.hpp"

#include "tapeop/error.hpp"
#include "tapeop/io/reader.hpp"
#include "tapeop/units.hpp"

#include <cstdio>
#include <iostream>

namespace tapeop::cli {
namespace {

struct InfoOptions {
    std::vector<std::string> files;
};

int run_info(const InfoOptions& o, const GlobalOptions& g) {
    auto out = json_envelope();
    out["files"] = Json::array();
    int failed = 0;
    for (const auto& path : o.files) {
        try {
            const io::FileInfo fi = io::probe(path);
            if (g.json) {
                out["files"].push_back({{"path", fi.path},
                                        {"format", fi.format},
                                        {"subtype", fi.subtype},
                                        {"sample_rate", fi.sample_rate},
                                        {"channels", fi.channels},
                                        {"frames", fi.frames},
                                        {"duration_s", fi.duration_s()}});
            } else if (!g.quiet) {
                std::printf("%s: %s %s, %d Hz, %d ch, %lld frames, %s\n", fi.path.c_str(),
                            fi.format.c_str(), fi.subtype.c_str(), fi.sample_rate, fi.channels,
                            static_cast<long long>(fi.frames),
                            format_timestamp(fi.duration_s()).c_str());
            }
        } catch (const Error& e) {
            std::cerr << "tapeop: " << e.what() << "\n";
            ++failed;
            if (g.json)
                out["files"].push_back({{"path", path}, {"error", e.message()}});
        }
    }
    if (g.json)
        print_json(out);
    if (failed == 0)
        return 0;
    return failed == static_cast<int>(o.files.size()) ? 2 : 1;
}

} // namespace

void register_info(CLI::App& app, Context& ctx) {
    auto opts = std::make_shared<InfoOptions>();
    auto* sub = app.add_subcommand("info", "Show format, sample format, rate, channels and length");
    sub->add_option("files", opts->files, "Audio files")->required();
    sub->callback(
        [opts, &ctx] { ctx.action = [opts, &ctx] { return run_info(*opts, ctx.global); }; });
}

} // namespace tapeop::cli
