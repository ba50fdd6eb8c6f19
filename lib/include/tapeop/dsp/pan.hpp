#pragma once
// Pan laws and pan positions.
//
// A position p runs from -1 (hard left, "L100") through 0 ("C") to +1 (hard right, "R100").
// Mono source into stereo, with theta = (p + 1) pi / 4:
//   -3 dB (constant power, default)  L = cos theta, R = sin theta; centre 1/sqrt(2) (-3.01 dB)
//   -6 dB (constant voltage)         L = (1 - p) / 2, R = (1 + p) / 2; centre 0.5 (-6.02 dB)
//   -4.5 dB (compromise)             the geometric mean of the two: sqrt(cos theta (1 - p) / 2);
//                                    centre 2^-0.75 (-4.52 dB)
//   0 dB                             L = min(1, 1 - p), R = min(1, 1 + p); centre unity
// Every law gives 1 on the near side at the extremes (L100: L = 1, R = 0).
// Stereo source into stereo (balance, not pan): the law divided by its centre value and capped
// at 1, so the centre is unity on both sides and one side fades to 0 as the other stays at 1.
#include <string>
#include <string_view>

namespace tapeop::dsp {

enum class PanLaw { minus3, minus4_5, minus6, zero };

// "-3" | "-4.5" | "-6" | "0" (also with "dB"). Throws UsageError.
PanLaw parse_pan_law(std::string_view text);

// "C", "L30", "R100", "L", "R" (case-insensitive; also a plain number -100..100, negative left)
// to a position in [-1, 1]. Throws UsageError naming the text.
double parse_pan(std::string_view text);
// "L30", "C", "R100".
std::string pan_name(double position);

struct PanGains {
    double left = 1.0;
    double right = 1.0;
};

// Mono source: per the law.
PanGains pan_gains(double position, PanLaw law);
// Stereo source: balance (unity at the centre).
PanGains balance_gains(double position, PanLaw law);

} // namespace tapeop::dsp
