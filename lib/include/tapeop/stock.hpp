#pragma once
// Where stock recipes and delivery specs are found, in order:
//   $TAPEOP_DATA_DIR/<sub>            (an explicit override)
//   <executable dir>/../share/tapeop/<sub>   (an installed tapeop)
//   <source tree>/recipes/<sub>       (a build tree: make demo, make test)
#include <string>
#include <vector>

namespace tapeop {

// `sub` is "" for recipes, "specs" for delivery specs. Only existing folders are returned.
std::vector<std::string> stock_dirs(const std::string& sub);

} // namespace tapeop
