// `moonwalk crosscheck`: every CUDA operator and device method against the
// 50-digit reference on the GPU (cuda/include/moonwalk/cuda/check/crosscheck.hpp):
// the conformance vectors plus --cases random shapes per operator and
// --networks random networks from --seed, and the extra vectors at awkward
// sizes, exported to a temporary directory and checked in float and double. Prints a table, or JSON with --json.
// Exit codes: 0 every row passes, 1 a row fails, 2 an error, 69 (sysexits'
// EX_UNAVAILABLE) no CUDA device or no CUDA path in this build: nothing was
// checked. --export DIR only writes the vectors, for moonwalk_crosscheck on a
// GPU machine that cannot build the reference (docs/cuda.md).
#include "commands.hpp"

#include "moonwalk/verify/vectors.hpp"

#ifdef MOONWALK_WITH_CUDA
#include "moonwalk/cuda/check/crosscheck.hpp"
#endif

#include <filesystem>
#include <iostream>
#include <memory>
#include <unistd.h>

namespace moonwalk::tools {

namespace {

struct CrosscheckOptions {
  verify::ExportOptions generated{3, 5, 1};
  bool as_json = false;
  std::vector<std::string> vectors;
  std::string export_dir;
};

// The conformance vectors with the generated cases in dir, the extra ones
// (awkward sizes, losses) in dir/extra, which the crosscheck reads too.
std::vector<std::string> export_all(const std::string& dir, const verify::ExportOptions& generated) {
  std::vector<std::string> written = verify::export_vectors(dir, generated);
  for (const auto& p : verify::export_extra_vectors(dir + "/extra")) written.push_back(p);
  return written;
}

int crosscheck(const CrosscheckOptions& o) {
  if (!o.export_dir.empty()) {
    for (const auto& p : export_all(o.export_dir, o.generated)) std::cout << "wrote " << p << "\n";
    return 0;
  }
#ifdef MOONWALK_WITH_CUDA
  static_assert(cuda::check::kNoDeviceExitCode == kUnavailableExitCode);
  const cuda::DeviceInfo info = cuda::query_device();
  if (!info.available) {
    std::cerr << "crosscheck: no CUDA device (" << info.reason << "); nothing was checked\n";
    return kUnavailableExitCode;
  }
  std::vector<std::string> dirs = o.vectors;
  std::filesystem::path tmp;
  if (dirs.empty()) {
    tmp = std::filesystem::temp_directory_path() / ("moonwalk-crosscheck-" + std::to_string(::getpid()));
    export_all(tmp.string(), o.generated);
    dirs.push_back(tmp.string());
  }
  const int rc = cuda::check::run_crosscheck(dirs, o.as_json, std::cout, std::cerr);
  if (!tmp.empty()) std::filesystem::remove_all(tmp);
  return rc;
#else
  std::cerr << "crosscheck: this build has no CUDA path (configure with MOONWALK_CUDA=ON where nvcc is installed); "
               "nothing was checked\n";
  return kUnavailableExitCode;
#endif
}

}  // namespace

void add_crosscheck_command(CLI::App& app) {
  auto o = std::make_shared<CrosscheckOptions>();
  auto* sub = app.add_subcommand("crosscheck", "every CUDA operator and device method against the 50-digit reference");
  sub->add_option("--cases", o->generated.cases, "random shapes per operator beyond the conformance vectors")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  sub->add_option("--networks", o->generated.networks, "random networks beyond the conformance vectors' networks")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  sub->add_option("--seed", o->generated.seed, "seed of the random shapes and networks")->capture_default_str();
  sub->add_flag("--json", o->as_json, "print the table as JSON");
  sub->add_option("--vectors", o->vectors, "check these vector directories instead of generating them");
  sub->add_option("--export", o->export_dir, "write the vectors (conformance and generated; the extra ones in DIR/extra) to DIR and stop");
  run_with_exit_code(sub, [o] { return crosscheck(*o); });
}

}  // namespace moonwalk::tools
