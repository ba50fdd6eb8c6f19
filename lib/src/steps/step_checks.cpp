// Rules between a step's parameters, or on values a range cannot express, next to the steps
// (their ranges are in builtin_steps.cpp). Where a pass reads its settings from the values
// (passes::*_settings_from), the check is that reading itself, so what validation accepts is
// exactly what the run accepts.
#include "tapeop/error.hpp"
#include "tapeop/limits.hpp"
#include "tapeop/passes/gainstage.hpp"
#include "tapeop/passes/mix.hpp"
#include "tapeop/passes/trim.hpp"
#include "tapeop/steps/registry.hpp"

#include <cmath>
#include <string>

namespace tapeop::steps {
namespace {

// A sample rate parameter: 0 (keep) or a whole number of Hz a reader and writer support.
void check_rate(const ParamValues& v, const std::string& key) {
    const double hz = v.number(key);
    if (hz == 0)
        return;
    if (hz != std::floor(hz) || hz < limits::min_sample_rate_hz || hz > limits::max_sample_rate_hz)
        throw UsageError(key + "=" + std::to_string(static_cast<long long>(std::llround(hz))) +
                         " Hz is not a sample rate: expected a whole number of Hz from " +
                         std::to_string(limits::min_sample_rate_hz) + " to " +
                         std::to_string(limits::max_sample_rate_hz) + " (0: keep)");
}

} // namespace

void add_value_checks(Registry& r) {
    r.set_check("trim", [](const ParamValues& v) {
        const passes::TrimSettings s = passes::trim_settings_from(v);
        if (s.start_s && s.end_s && *s.end_s <= *s.start_s)
            throw UsageError("trim end must be after its start");
    });
    r.set_check("gainstage", [](const ParamValues& v) { passes::gainstage_settings_from(v); });
    r.set_check("stem", [](const ParamValues& v) { passes::stem_from_params("", v); });
    r.set_check("mix", [](const ParamValues& v) {
        check_rate(v, "rate");
        passes::mix_settings_from(v);
    });
    r.set_check("convert", [](const ParamValues& v) { check_rate(v, "rate"); });
    r.set_check("output", [](const ParamValues& v) { check_rate(v, "rate"); });
}

} // namespace tapeop::steps
