#include "tapeop/numbers.hpp"

#include <cmath>
#include <cstdio>

namespace tapeop {

std::optional<double> rounded(double value, int decimals) {
    if (!std::isfinite(value))
        return std::nullopt;
    // Multiply and divide by an exact power of ten: the result is the double nearest to the
    // decimal, which JSON then prints short ("-14.21", not "-14.210000000000001").
    const double scale = std::pow(10.0, decimals);
    return std::round(value * scale) / scale;
}

std::string fixed(double value, int decimals, bool sign) {
    if (std::isnan(value))
        return "n/a";
    if (std::isinf(value))
        return value < 0 ? "-inf" : "+inf";
    char buf[48];
    std::snprintf(buf, sizeof buf, sign ? "%+.*f" : "%.*f", decimals, value);
    return buf;
}

} // namespace tapeop
