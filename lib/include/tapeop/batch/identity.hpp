#pragma once
// What makes a job's outputs what they are, for incremental re-runs: the job's resolved plan
// (describe_plan of a one-job plan: every step with its final parameter values, the outputs and
// their settings), the texts of the recipe and of the recipes it `use`s, and the content of its
// inputs (hashed separately, per file). Locations are left out of the plan text: inputs appear
// as "input-1", "input-2"..., outputs relative to the output folder, so the same batch run from
// another working folder or machine is still up to date.
#include "tapeop/recipe/runner.hpp"

#include <string>

namespace tapeop::batch {

std::string job_plan_text(const recipe::Recipe& recipe, const recipe::Job& job,
                          const std::string& out_dir);

// XXH3 of the texts of the recipe file and of each recipe it `use`s (a file that cannot be
// read counts by its path).
std::string recipe_texts_hash(const recipe::Recipe& recipe);

// The job's recipe hash: its plan text and the recipe texts.
std::string job_recipe_hash(const std::string& plan_text, const std::string& recipe_texts_hash);

// `path` relative to `dir`, both made absolute and normal first ("out/a.wav" in "out": "a.wav").
std::string path_in(const std::string& dir, const std::string& path);

} // namespace tapeop::batch
