#pragma once
// Delivery presets: the loudness target, true-peak ceiling and (where a format is implied) the
// sample rate and sample format a platform or standard asks for. Values and sources are those
// of docs/references.md "Delivery targets" (see the README's Mastering section); most
// streaming figures come from secondary sources, so check a platform's current page before
// relying on one for a contract.
#include "tapeop/io/format.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tapeop {

struct DeliveryPreset {
    std::string_view name;
    // Integrated loudness target, LUFS; none for `cd` (no loudness standard: the master's own
    // --target is used).
    std::optional<double> target_lufs;
    double ceiling_dbtp = -1.0;
    std::optional<int> sample_rate;       // Hz; none: keep the input's
    std::optional<io::SampleFormat> bits; // none: the input's (or the container's nearest)
    std::string_view source;
};

// Every preset, in the order of the README's table.
const std::vector<DeliveryPreset>& delivery_presets();
// "spotify apple-music ..." for help texts.
std::string preset_names();
// The preset called `name` (case-sensitive); throws UsageError naming it, with a suggestion.
const DeliveryPreset& find_preset(std::string_view name);

} // namespace tapeop
