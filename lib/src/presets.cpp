#include "tapeop/presets.hpp"

#include "tapeop/error.hpp"
#include "tapeop/steps/registry.hpp"

namespace tapeop {

const std::vector<DeliveryPreset>& delivery_presets() {
    using io::SampleFormat;
    static const std::vector<DeliveryPreset> presets = {
        {"spotify",
         -14.0,
         -1.0,
         {},
         {},
         "Spotify for Artists (loudness normalization), as quoted by vendors"},
        {"apple-music", -16.0, -1.0, {}, {}, "Apple Sound Check, secondary sources"},
        {"youtube", -14.0, -1.0, {}, {}, "secondary sources"},
        {"amazon-music", -14.0, -2.0, {}, {}, "secondary sources"},
        {"tidal", -14.0, -1.0, {}, {}, "secondary sources"},
        {"deezer", -15.0, -1.0, {}, {}, "secondary sources"},
        {"ebu-r128", -23.0, -1.0, {}, {}, "EBU R 128 v4.0 (2020), tech.ebu.ch/publications/r128"},
        {"atsc-a85", -24.0, -2.0, {}, {}, "ATSC A/85, secondary sources"},
        {"apple-podcasts", -16.0, -1.0, 44100, {}, "Apple Podcasts technical specifications"},
        {"cd", std::nullopt, -1.0, 44100, SampleFormat::pcm16,
         "Red Book: 44.1 kHz, 16-bit, dithered"},
    };
    return presets;
}

std::string preset_names() {
    std::string s;
    for (const auto& p : delivery_presets()) {
        if (!s.empty())
            s += ' ';
        s += p.name;
    }
    return s;
}

const DeliveryPreset& find_preset(std::string_view name) {
    std::vector<std::string> names;
    for (const auto& p : delivery_presets()) {
        if (p.name == name)
            return p;
        names.emplace_back(p.name);
    }
    const std::string near = steps::suggest(std::string(name), names);
    throw UsageError("unknown preset '" + std::string(name) + "'" +
                     (near.empty() ? "" : " (did you mean '" + near + "'?)") +
                     "; known: " + preset_names());
}

} // namespace tapeop
