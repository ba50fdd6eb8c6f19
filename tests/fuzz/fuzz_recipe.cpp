// libFuzzer target: the recipe parser and validator (recipe::parse_text: the lexer, params,
// step parameters from the registry, stems, outputs, checks, the validation rules). A
// RecipeError (file:line:col) or another tapeop::Error is the expected answer to bad text;
// any other exception escaping (std::out_of_range from a number parser, say) is a finding.
#include "tapeop/error.hpp"
#include "tapeop/recipe/recipe.hpp"
#include "tapeop/steps/registry.hpp"

#include <cstddef>
#include <cstdint>
#include <string>

extern "C" int LLVMFuzzerInitialize(int*, char***) {
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string text(reinterpret_cast<const char*>(data), size);
    // No search path: `use NAME` finds nothing; `use PATH` still reads what the path names,
    // as in a real run.
    const tapeop::recipe::ParseOptions options;
    try {
        tapeop::recipe::parse_text(text, "fuzz.recipe", tapeop::steps::builtin_registry(), options);
    } catch (const tapeop::Error&) {
    }
    return 0;
}
