// Processor factories of the built-in steps: how each processing step's parameters become a
// dsp::Processor. Declarations (names, units, ranges) are in builtin_steps.cpp.
#include "tapeop/dsp/compressor.hpp"
#include "tapeop/dsp/fade.hpp"
#include "tapeop/dsp/filters.hpp"
#include "tapeop/dsp/gain.hpp"
#include "tapeop/dsp/leveler.hpp"
#include "tapeop/dsp/limiter.hpp"
#include "tapeop/error.hpp"
#include "tapeop/steps/registry.hpp"

#include <cmath>

namespace tapeop::steps {
namespace {

dsp::Slope slope_of(const ParamValues& v) {
    const std::string& s = v.text("slope");
    return s == "48" ? dsp::Slope::db48 : s == "24" ? dsp::Slope::db24 : dsp::Slope::db12;
}

dsp::FadeCurve curve_of(const std::string& c) {
    if (c == "linear")
        return dsp::FadeCurve::linear;
    if (c == "log")
        return dsp::FadeCurve::logarithmic;
    return dsp::FadeCurve::equal_power;
}

// Zero-latency processors in series (a fade in and a fade out from one `fade` step).
class Series : public dsp::Processor {
  public:
    void add(std::unique_ptr<dsp::Processor> p) { parts_.push_back(std::move(p)); }
    void prepare(const dsp::StreamSpec& spec, std::size_t max_block) override {
        for (auto& p : parts_)
            p->prepare(spec, max_block);
    }
    void reset() override {
        for (auto& p : parts_)
            p->reset();
    }
    void process(AudioView io) override {
        for (auto& p : parts_)
            p->process(io);
    }
    // No part (fade in=0 out=0) or only parts that change nothing.
    bool is_identity() const override {
        for (const auto& p : parts_)
            if (!p->is_identity())
                return false;
        return true;
    }

  private:
    std::vector<std::unique_ptr<dsp::Processor>> parts_;
};

} // namespace

void add_processor_factories(Registry& r) {
    r.set_factory("gain", [](const ParamValues& v, const StepContext&) {
        return std::make_unique<dsp::Gain>(v.number("db"));
    });
    r.set_factory("highpass", [](const ParamValues& v, const StepContext&) {
        return std::make_unique<dsp::FilterCascade>(
            dsp::make_highpass(v.number("freq"), slope_of(v)));
    });
    r.set_factory("lowpass", [](const ParamValues& v, const StepContext&) {
        return std::make_unique<dsp::FilterCascade>(
            dsp::make_lowpass(v.number("freq"), slope_of(v)));
    });
    r.set_factory("eq", [](const ParamValues& v, const StepContext&) {
        const std::string& t = v.text("type");
        const dsp::BiquadType type = t == "lowshelf"    ? dsp::BiquadType::low_shelf
                                     : t == "highshelf" ? dsp::BiquadType::high_shelf
                                     : t == "notch"     ? dsp::BiquadType::notch
                                                        : dsp::BiquadType::peaking;
        return std::make_unique<dsp::FilterCascade>(
            dsp::make_eq_band(type, v.number("freq"), v.number("gain"), v.number("q")));
    });
    r.set_factory("compress", [](const ParamValues& v, const StepContext&) {
        dsp::CompressorSettings s;
        s.threshold_db = v.number("threshold");
        s.ratio = v.number("ratio");
        s.knee_db = v.number("knee");
        s.attack_ms = v.number("attack");
        s.release_ms = v.number("release");
        s.makeup_db = v.number("makeup");
        return std::make_unique<dsp::Compressor>(s);
    });
    r.set_factory("limit", [](const ParamValues& v, const StepContext&) {
        dsp::LimiterSettings s;
        s.ceiling_dbtp = v.number("ceiling");
        s.lookahead_ms = v.number("lookahead");
        s.release_ms = v.number("release");
        return std::make_unique<dsp::Limiter>(s);
    });
    r.set_factory("level", [](const ParamValues& v, const StepContext&) {
        dsp::LevelerSettings s;
        s.target_lufs = v.number("target");
        s.max_gain_db = v.number("max_gain");
        s.max_cut_db = v.number("max_cut");
        s.gate_lufs = v.number("gate");
        s.speed_s = v.number("speed");
        s.window_s = v.number("window");
        return std::make_unique<dsp::Leveler>(s);
    });
    r.set_factory(
        "fade",
        [](const ParamValues& v, const StepContext& ctx) -> std::unique_ptr<dsp::Processor> {
            auto series = std::make_unique<Series>();
            const double rate = ctx.stream.sample_rate;
            if (v.number("in") > 0) {
                dsp::FadeSettings s;
                s.direction = dsp::FadeDirection::in;
                s.curve = curve_of(v.text("curve"));
                s.length_frames = static_cast<std::uint64_t>(std::llround(v.number("in") * rate));
                series->add(std::make_unique<dsp::Fade>(s));
            }
            if (v.number("out") > 0) {
                if (ctx.total_frames < 0)
                    throw UsageError(
                        "fade out needs the length of the audio, which is not known here");
                dsp::FadeSettings s;
                s.direction = dsp::FadeDirection::out;
                s.curve = curve_of(v.text("curve"));
                s.length_frames = static_cast<std::uint64_t>(std::llround(v.number("out") * rate));
                s.total_frames = static_cast<std::uint64_t>(ctx.total_frames);
                series->add(std::make_unique<dsp::Fade>(s));
            }
            return series;
        });
}

} // namespace tapeop::steps
