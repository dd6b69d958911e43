// The device gradient methods (backprop, checkpointed, moonwalk_mixed with
// and without depth anchors) on the networks of the conformance vectors, on
// the GPU: loss and gradients against 50 digits with the self-calibrating
// criterion, and the arena's peak bytes per category against the reference
// ledger's formula (check/crosscheck.hpp). CUDA, Eigen and nlohmann-json only.
// With no device the program exits 77, which ctest reports as skipped.
//
//   cuda_methods_test --precision float|double DIR
#include "moonwalk/cuda/check/crosscheck.hpp"

#include <iostream>

using namespace moonwalk::cuda;

int main(int argc, char** argv) {
  std::string precision, dir;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--precision" && i + 1 < argc) precision = argv[++i];
    else dir = a;
  }
  if ((precision != "float" && precision != "double") || dir.empty()) {
    std::cerr << "usage: cuda_methods_test --precision float|double DIR\n";
    return 2;
  }
  try {
    Context ctx;
    const check::json doc = check::read_vectors(dir + "/networks.json", "moonwalk-network-vectors");
    check::Table t;
    if (precision == "float") check::check_networks<float>(ctx, doc, t);
    else check::check_networks<double>(ctx, doc, t);
    const auto rows = t.rows();
    check::print_table(rows, ctx.device().name, std::cout);
    return t.failures() == 0 && !rows.empty() ? 0 : 1;
  } catch (const NoDevice& e) {
    std::cout << "skipped: " << e.what() << "\n";
    return kSkipReturnCode;
  } catch (const std::exception& e) {
    std::cout << "FAIL  " << e.what() << "\n";
    return 1;
  }
}
