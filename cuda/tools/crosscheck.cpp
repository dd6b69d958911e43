// moonwalk_crosscheck: `moonwalk crosscheck` for a GPU machine that has only
// CUDA and Eigen (docs/cuda.md): the same checks and table, on vectors that
// `moonwalk crosscheck --export DIR` wrote where the reference builds.
//
//   moonwalk_crosscheck [--json] DIR...
//
// Exit codes as `moonwalk crosscheck`: 0 every row passes, 1 a row fails,
// 2 an error (usage, unreadable vectors), 69 no CUDA device.
#include "moonwalk/cuda/check/crosscheck.hpp"

#include <iostream>

int main(int argc, char** argv) {
  bool as_json = false;
  std::vector<std::string> dirs;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--json") as_json = true;
    else if (!a.empty() && a[0] != '-') dirs.push_back(a);
    else dirs.clear(), i = argc;
  }
  if (dirs.empty()) {
    std::cerr << "usage: moonwalk_crosscheck [--json] DIR...\n";
    return 2;
  }
  try {
    return moonwalk::cuda::check::run_crosscheck(dirs, as_json, std::cout, std::cerr);
  } catch (const std::exception& e) {
    std::cerr << "crosscheck: " << e.what() << "\n";
    return 2;
  }
}
