// cuda_vectors DIR: writes the extra conformance vectors for the GPU tests
// (verify::export_extra_vectors: awkward sizes, every conv strategy, the
// losses) to DIR/<op>.json.
#include "moonwalk/verify/vectors.hpp"

#include <iostream>

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: cuda_vectors DIR\n"
                 "writes the GPU tests' extra conformance vectors (awkward sizes, losses) to DIR/<op>.json\n";
    return 2;
  }
  try {
    for (const std::string& p : moonwalk::verify::export_extra_vectors(argv[1])) std::cout << "wrote " << p << "\n";
  } catch (const std::exception& e) {
    std::cerr << "cuda_vectors: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
