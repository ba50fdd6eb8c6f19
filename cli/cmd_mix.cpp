// tapeop mix STEM[:key=value...]... -o OUT: mix-down (passes/mix.hpp). Each stem's settings are
// the registry's `stem` parameters; the mix options are the `mix` step's.
#include "common.hpp"
#include "stems_common.hpp"

#include "tapeop/error.hpp"
#include "tapeop/io/folders.hpp"
#include "tapeop/io/reader.hpp"
#include "tapeop/passes/mix.hpp"

#include <cstdio>
#include <filesystem>
#include <iostream>

namespace tapeop::cli {
namespace {

struct MixOptions {
    std::vector<std::string> stems;
    std::string output;
    std::optional<std::string> rate, headroom, pan_law, channels;
    bool no_trim = false;
    OutputOptions out;
};

// "vox.wav:gain=-2dB:pan=L20:polarity=invert" -> path and the stem step's words. A path that
// exists as written is taken whole (it may contain colons).
passes::MixStem parse_stem(const std::string& arg) {
    const steps::Registry& registry = steps::builtin_registry();
    std::error_code ec;
    if (std::filesystem::exists(arg, ec))
        return passes::stem_from_params(arg, steps::parse_params(registry.get("stem"), {}));
    std::vector<std::string> parts;
    std::size_t at = 0;
    while (true) {
        const auto colon = arg.find(':', at);
        parts.push_back(
            arg.substr(at, colon == std::string::npos ? std::string::npos : colon - at));
        if (colon == std::string::npos)
            break;
        at = colon + 1;
    }
    // The path runs up to the first part that is a setting.
    std::size_t first = 1;
    auto is_setting = [](const std::string& p) {
        return p.find('=') != std::string::npos || p == "mute" || p == "solo";
    };
    while (first < parts.size() && !is_setting(parts[first]))
        ++first;
    std::string path = parts[0];
    for (std::size_t i = 1; i < first; ++i)
        path += ":" + parts[i];
    std::vector<std::string> words(parts.begin() + static_cast<std::ptrdiff_t>(first), parts.end());
    try {
        return passes::stem_from_params(path, steps::parse_params(registry.get("stem"), words));
    } catch (const UsageError& e) {
        throw UsageError(e.message(), path);
    }
}

int run_mix(const MixOptions& o, const GlobalOptions& g) {
    const passes::MixSettings m = passes::mix_settings_from(
        step_params("mix", {{"headroom", o.headroom},
                            {"pan_law", o.pan_law},
                            {"channels", o.channels},
                            {"trim", o.no_trim ? std::optional<std::string>("no") : std::nullopt},
                            {"rate", o.rate}}));
    std::vector<passes::MixStem> stems;
    for (const auto& a : o.stems)
        stems.push_back(parse_stem(a));
    const passes::OutputSettings out = o.out.settings();

    double seconds = 0.0;
    int rate = m.rate;
    for (const auto& s : stems) {
        const io::FileInfo fi = io::probe(s.path); // an unreadable stem: exit 2, nothing written
        if (rate == 0)
            rate = fi.sample_rate;
        seconds = std::max(seconds, fi.duration_s());
    }
    io::ensure_parent_folder(o.output);
    Progress progress(g, 1, seconds);
    std::int64_t last = 0;
    const passes::MixResult r = passes::mix(stems, m, o.output, out, {}, [&](std::int64_t done) {
        if (done < last)
            last = 0; // second pass
        progress.advance(o.output, double(done - last) / rate);
        last = done;
    });
    progress.job_done(o.output, true);
    progress.finish();

    if (g.json) {
        Json j = json_envelope();
        Json st = Json::array();
        for (const auto& s : stems)
            st.push_back({{"path", s.path},
                          {"gain_db", s.gain_db},
                          {"pan", dsp::pan_name(s.pan)},
                          {"mute", s.mute},
                          {"solo", s.solo},
                          {"polarity", s.invert ? "invert" : "normal"}});
        j["inputs"] = st;
        j["output"] = r.render.path;
        j["sample_rate"] = r.render.spec.sample_rate;
        j["channels"] = r.render.spec.channels;
        j["subtype"] = std::string(io::sample_format_name(r.render.spec.sample_format));
        j["frames"] = r.render.frames;
        j["mix_rate"] = r.mix_rate;
        j["stems_mixed"] = r.stems_mixed;
        j["resampled"] = r.resampled;
        j["bus_peak_dbfs"] = json_level(r.bus_peak_dbfs);
        j["trimmed"] = r.trimmed;
        j["trim_db"] = r.trim_db;
        j["passes"] = r.passes;
        j["clipped_samples"] = r.render.clipped_samples;
        print_json(j);
    } else if (!g.quiet) {
        std::printf("%s: %zu stems, %d Hz %s, %s; bus peak %s dBFS", r.render.path.c_str(),
                    r.stems_mixed, r.render.spec.sample_rate,
                    r.render.spec.channels == 1 ? "mono" : "stereo",
                    format_timestamp(double(r.mix_frames) / r.mix_rate).c_str(),
                    text_level(r.bus_peak_dbfs).c_str());
        if (r.trimmed)
            std::printf("; trimmed %s dB to %s dBFS", text_gain(r.trim_db).c_str(),
                        text_level(m.headroom_dbfs).c_str());
        std::printf("\n");
        for (const auto& p : r.resampled)
            std::printf("  %s: resampled to %d Hz\n", p.c_str(), r.mix_rate);
    }
    if (r.render.clipped_samples > 0)
        std::cerr << "tapeop: warning: " << r.render.path << ": " << r.render.clipped_samples
                  << " samples clipped at full scale" << (m.trim ? "" : " (--no-trim)") << "\n";
    return 0;
}

} // namespace

void register_mix(CLI::App& app, Context& ctx) {
    auto o = std::make_shared<MixOptions>();
    auto* sub = app.add_subcommand("mix", "Mix mono and stereo stems down to stereo or mono");
    sub->add_option("stems", o->stems,
                    "Stems, each with optional settings after colons: "
                    "vox.wav:gain=-2dB:pan=L20:polarity=invert "
                    "(gain, pan=L100..C..R100, mute, solo, polarity=invert, offset=25ms or "
                    "offset=480samples)")
        ->required();
    sub->add_option("-o,--output", o->output, "Output file")->required();
    sub->add_option("--rate", o->rate,
                    "Mix rate (default: the first stem's); other stems are resampled (libsoxr)");
    sub->add_option("--channels", o->channels, "stereo (default) or mono");
    sub->add_option("--pan-law", o->pan_law,
                    "Centre attenuation of a mono stem: -3 (default, constant power), -4.5, -6, 0");
    sub->add_option("--headroom", o->headroom,
                    "Peak level, dBFS, the bus is trimmed to when it would clip (default -1)");
    sub->add_flag("--no-trim", o->no_trim,
                  "Write the mix as is, even when it clips (the clipped samples are reported)");
    add_output_options(sub, o->out, out_bits | out_dither);
    sub->footer("Summing is in float. Stereo stems are balanced by pan, not folded to mono. Stems "
                "are padded to the longest.\n"
                "Example: tapeop mix drums.wav bass.wav:gain=-3dB gtr.wav:pan=L35 "
                "vox.wav:gain=-2dB -o mix.wav");
    sub->callback([o, &ctx] { ctx.action = [o, &ctx] { return run_mix(*o, ctx.global); }; });
}

} // namespace tapeop::cli
