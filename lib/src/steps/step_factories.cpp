// Processor factories of the built-in steps: how each processing step's parameters become a
// dsp::Processor. Declarations (names, units, ranges) are in builtin_steps.cpp.
#include "tapeop/steps/registry.hpp"

namespace tapeop::steps {

void add_processor_factories(Registry& registry) {
    (void)registry; // wired to the DSP processors as they land
}

} // namespace tapeop::steps
