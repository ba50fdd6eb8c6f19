#pragma once
// Human-readable descriptions of steps and parameters, for `tapeop steps` and --help texts.
#include "tapeop/steps/registry.hpp"

#include <string>

namespace tapeop::steps {

// "threshold=-20dBFS  (-80..0 dBFS)  level where compression starts"
std::string describe_param(const ParamSpec& p);
// The step's usage line and one line per parameter, indented.
std::string describe_step(const StepSpec& s);

} // namespace tapeop::steps
