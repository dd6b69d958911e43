// export_extra_vectors (vectors.hpp): conformance vectors for the GPU beyond
// what `moonwalk vectors export` writes — sizes that sit just off the kernels'
// tiles (64-bit mask words, 256-thread blocks, the blocked strategy's B),
// size 1, odd sizes, batch 1, rank-deficient weights, every conv1d and conv2d
// strategy at sizes the generators do not reach, and the two losses. Same format
// (docs/porting.md): inputs exactly representable in float, 50-digit
// expectations, the reference's own float and double errors, tolerances;
// for the losses the expectations are "value" (1 × 1) and "gradient", the
// prediction is "x" and the config carries the loss scale.
#include "moonwalk/verify/vectors.hpp"

#include "vector_case.hpp"

#include <filesystem>

namespace moonwalk::verify {

using namespace moonwalk::reference;
using detail::conv1d_op;
using detail::conv2d_op;
using detail::weight_shift;
using detail::write_vector_file;

namespace {

template <template <class> class Op>
nlohmann::json vector_case(const std::string& name, const Op<double>& op, ExactRng& r, Mat<double> x) {
  return detail::explicit_vector<Op>(name, op, r, std::move(x));
}

nlohmann::json dense_cases() {
  nlohmann::json cases = nlohmann::json::array();
  // (out, in, batch, repeat the first row in the last): submersive, size 1,
  // more outputs than inputs (a fragment), a long input just off 256, and a
  // rank deficiency.
  const std::vector<std::tuple<Index, Index, Index, bool>> shapes{
      {33, 65, 17, false}, {1, 1, 1, false}, {65, 33, 3, false}, {32, 257, 2, false}, {16, 31, 5, true}};
  std::uint64_t seed = 1000;
  for (const auto& [m, n, B, repeat] : shapes) {
    ExactRng r(seed++);
    Mat<double> A = r.matrix(m, n, 8, weight_shift(n));
    if (repeat) A.row(m - 1) = A.row(0);
    const Dense<double> op(A, r.matrix(m, 1, 8, 3).col(0));
    cases.push_back(vector_case<Dense>("dense-extra-" + std::to_string(cases.size()), op, r, r.nonzero_matrix(n, B, 16, 3)));
  }
  return cases;
}

template <template <class> class Op, class Make>
nlohmann::json elementwise_cases(const std::string& name, Make make, int flavor_signs) {
  nlohmann::json cases = nlohmann::json::array();
  // 257 × 1 and 255 × 2: just off a 256-thread block; 65 × 3 and 63 × 5: mask
  // words split inside columns; 1 × 1.
  const std::vector<std::pair<Index, Index>> shapes{{257, 1}, {255, 2}, {65, 3}, {63, 5}, {1, 1}};
  std::uint64_t seed = 2000;
  for (const auto& [n, B] : shapes) {
    ExactRng r(seed++);
    const Op<double> op = make(n);
    Mat<double> x = flavor_signs ? r.nonzero_matrix(n, B, 16, 3) : r.matrix(n, B, 16, 3);
    cases.push_back(vector_case<Op>(name + "-extra-" + std::to_string(cases.size()), op, r, std::move(x)));
  }
  return cases;
}

nlohmann::json relu_cases() {
  nlohmann::json cases = elementwise_cases<Relu>("relu", [](Index n) { return Relu<double>(n); }, 1);
  ExactRng r(2100);
  cases.push_back(vector_case<Relu>("relu-extra-inactive", Relu<double>(31), r, -r.nonzero_matrix(31, 2, 16, 3).cwiseAbs()));
  return cases;
}

nlohmann::json coupling_cases() {
  nlohmann::json cases = nlohmann::json::array();
  const std::vector<std::tuple<Index, Index, Index>> shapes{{33, 17, 5}, {1, 1, 1}, {64, 65, 3}};
  std::uint64_t seed = 3000;
  for (const auto& [d, k, B] : shapes) {
    ExactRng r(seed++);
    // Init-captures: C++17 cannot capture a structured binding itself (clang refuses it).
    auto net = [&r, d = d, k = k] {
      return CouplingNet<double>(Dense<double>(r.matrix(k, d, 8, weight_shift(d)), r.matrix(k, 1, 8, 3).col(0)),
                                 Dense<double>(r.matrix(d, k, 8, weight_shift(k)), r.matrix(d, 1, 8, 3).col(0)));
    };
    CouplingNet<double> F = net();
    CouplingNet<double> G = net();
    const AdditiveCoupling<double> op(std::move(F), std::move(G));
    cases.push_back(vector_case<AdditiveCoupling>("additive_coupling-extra-" + std::to_string(cases.size()), op, r,
                                                  r.matrix(2 * d, B, 16, 3)));
  }
  return cases;
}

nlohmann::json pool_cases() {
  nlohmann::json cases = nlohmann::json::array();
  const std::vector<std::tuple<Index, Index, Index>> shapes{{3, 257, 2}, {1, 1, 1}, {33, 31, 3}};
  std::uint64_t seed = 4000;
  for (const auto& [C, P, B] : shapes) {
    ExactRng r(seed++);
    const GlobalAvgPool<double> op(C, P);
    cases.push_back(vector_case<GlobalAvgPool>("global_avg_pool-extra-" + std::to_string(cases.size()), op, r,
                                               r.matrix(C * P, B, 16, 3)));
  }
  return cases;
}

// Weights as detail::conv1d_op ([I 0] on the dominant tap plus integers in
// [−8, 8] / 256 at these sizes).
nlohmann::json conv_cases() {
  nlohmann::json cases = nlohmann::json::array();
  struct S {
    Index ci, co, W, k;
    Padding pad;
    ConvStrategy v;
    Index block, batch;
  };
  const std::vector<S> shapes{
      {3, 2, 17, 3, Padding::zero, ConvStrategy::dense, 8, 2},      {4, 4, 21, 5, Padding::circular, ConvStrategy::dense, 8, 1},
      {5, 3, 17, 3, Padding::zero, ConvStrategy::banded, 8, 2},     {4, 4, 33, 5, Padding::zero, ConvStrategy::banded, 8, 1},
      {5, 3, 17, 3, Padding::circular, ConvStrategy::fft, 8, 2},    {4, 4, 32, 3, Padding::circular, ConvStrategy::fft, 8, 3},
      {2, 1, 1, 3, Padding::circular, ConvStrategy::fft, 8, 1},     {5, 3, 17, 3, Padding::circular, ConvStrategy::blocked, 4, 2},
      {3, 3, 33, 5, Padding::zero, ConvStrategy::blocked, 8, 1},    {4, 2, 9, 3, Padding::zero, ConvStrategy::blocked, 8, 3}};
  std::uint64_t seed = 5000;
  for (const S& s : shapes) {
    ExactRng r(seed++);
    const Conv1d<double> op = conv1d_op(r, Conv1dSpec{s.ci, s.co, s.W, s.k, s.pad, s.v, s.block});
    cases.push_back(vector_case<Conv1d>("conv1d-extra-" + std::to_string(cases.size()), op, r,
                                        r.nonzero_matrix(op.in_dim(), s.batch, 16, 3)));
  }
  return cases;
}

nlohmann::json patch_cases() {
  nlohmann::json cases = nlohmann::json::array();
  // (C_in, W, k, C_out, batch, repeat the first output channel in the last)
  const std::vector<std::tuple<Index, Index, Index, Index, Index, bool>> shapes{
      {3, 33, 3, 5, 2, false}, {1, 1, 1, 1, 1, false}, {4, 12, 3, 6, 3, true}};
  std::uint64_t seed = 6000;
  for (const auto& [ci, W, k, co, B, repeat] : shapes) {
    ExactRng r(seed++);
    Mat<double> M = r.matrix(co, ci * k, 8, weight_shift(ci * k));
    if (repeat) M.row(co - 1) = M.row(0);
    const PatchDownsample1d<double> op(ci, W, k, M, r.matrix(co, 1, 8, 3).col(0));
    cases.push_back(vector_case<PatchDownsample1d>("patch_downsample1d-extra-" + std::to_string(cases.size()), op, r,
                                                   r.nonzero_matrix(ci * W, B, 16, 3)));
  }
  return cases;
}

// Weights as detail::conv2d_op. Every strategy at rows one past a multiple
// of B, odd and even sides, kernels 3 and 5, images with one side 1 (fft: 1-D
// transforms) and 1 × 1, and C_out > C_in for dense (its cokernel is the
// fragment).
nlohmann::json conv2d_cases() {
  nlohmann::json cases = nlohmann::json::array();
  struct S {
    Index ci, co, H, W, k;
    Padding pad;
    ConvStrategy v;
    Index block, batch;
  };
  const Padding zero = Padding::zero, circ = Padding::circular;
  const std::vector<S> shapes{
      {3, 2, 5, 7, 3, zero, ConvStrategy::dense, 8, 2},     {2, 3, 4, 5, 3, circ, ConvStrategy::dense, 8, 1},
      {2, 2, 5, 5, 5, zero, ConvStrategy::dense, 8, 2},     {3, 2, 5, 7, 3, zero, ConvStrategy::banded, 8, 2},
      {2, 2, 6, 5, 5, zero, ConvStrategy::banded, 8, 1},    {2, 1, 1, 9, 3, zero, ConvStrategy::banded, 8, 1},
      {3, 2, 5, 7, 3, circ, ConvStrategy::fft, 8, 2},       {2, 2, 4, 6, 3, circ, ConvStrategy::fft, 8, 3},
      {2, 2, 5, 5, 5, circ, ConvStrategy::fft, 8, 1},       {2, 2, 1, 8, 3, circ, ConvStrategy::fft, 8, 1},
      {3, 2, 6, 1, 3, circ, ConvStrategy::fft, 8, 2},       {2, 1, 1, 1, 3, circ, ConvStrategy::fft, 8, 1},
      {3, 2, 9, 5, 3, circ, ConvStrategy::blocked, 4, 2},   {2, 2, 13, 7, 5, circ, ConvStrategy::blocked, 6, 1},
      {2, 2, 7, 4, 3, zero, ConvStrategy::blocked, 3, 1}};
  std::uint64_t seed = 9000;
  for (const S& s : shapes) {
    ExactRng r(seed++);
    const Conv2d<double> op = conv2d_op(r, Conv2dSpec{s.ci, s.co, s.H, s.W, s.k, s.pad, s.v, s.block});
    cases.push_back(vector_case<Conv2d>("conv2d-extra-" + std::to_string(cases.size()), op, r,
                                        r.nonzero_matrix(op.in_dim(), s.batch, 16, 3)));
  }
  return cases;
}

nlohmann::json patch2d_cases() {
  nlohmann::json cases = nlohmann::json::array();
  // (C_in, H, W, p, C_out, batch, repeat the first output channel in the last):
  // unequal patch rows and columns, size 1, a rank deficiency, 80 patches.
  const std::vector<std::tuple<Index, Index, Index, Index, Index, Index, bool>> shapes{
      {3, 9, 6, 3, 5, 2, false}, {1, 1, 1, 1, 1, 1, false}, {2, 4, 6, 2, 5, 3, true}, {1, 16, 20, 2, 3, 1, false}};
  std::uint64_t seed = 9500;
  for (const auto& [ci, H, W, p, co, B, repeat] : shapes) {
    ExactRng r(seed++);
    Mat<double> M = r.matrix(co, ci * p * p, 8, weight_shift(ci * p * p));
    if (repeat) M.row(co - 1) = M.row(0);
    const PatchDownsample2d<double> op(ci, H, W, p, M, r.matrix(co, 1, 8, 3).col(0));
    cases.push_back(vector_case<PatchDownsample2d>("patch_downsample2d-extra-" + std::to_string(cases.size()), op, r,
                                                   r.nonzero_matrix(ci * H * W, B, 16, 3)));
  }
  return cases;
}

// (rows, cols, loss scale): odd sizes, 1 × 1, 257 classes, a batch of 17.
const std::vector<std::tuple<Index, Index, double>>& loss_shapes() {
  static const std::vector<std::tuple<Index, Index, double>> shapes{
      {33, 5, 1.0}, {1, 1, 0.25}, {257, 3, 1.0}, {10, 17, 0.5}};
  return shapes;
}

nlohmann::json mse_cases() {
  nlohmann::json cases = nlohmann::json::array();
  std::uint64_t seed = 7000;
  for (const auto& [rows, cols, scale] : loss_shapes()) {
    ExactRng r(seed++);
    const Mat<double> x = r.matrix(rows, cols, 16, 2), t = r.matrix(rows, cols, 16, 2);
    nlohmann::json c = detail::loss_vector<Mse>("mse-extra-" + std::to_string(cases.size()),
                                      {{"rows", rows}, {"cols", cols}, {"scale", decimal(scale)}},
                                      Mse<double>(t, scale), x);
    c["target"] = matrix_json(t);
    cases.push_back(c);
  }
  return cases;
}

nlohmann::json softmax_cases() {
  nlohmann::json cases = nlohmann::json::array();
  std::uint64_t seed = 8000;
  for (const auto& [rows, cols, scale] : loss_shapes()) {
    ExactRng r(seed++);
    const Mat<double> x = r.matrix(rows, cols, 16, 2);
    std::vector<Index> labels;
    for (Index j = 0; j < cols; ++j) labels.push_back(static_cast<Index>(r.value(0, static_cast<int>(rows) - 1, 0)));
    cases.push_back(detail::loss_vector<SoftmaxCrossEntropy>(
        "softmax_cross_entropy-extra-" + std::to_string(cases.size()),
        {{"classes", rows}, {"labels", labels}, {"scale", decimal(scale)}},
        SoftmaxCrossEntropy<double>(rows, labels, scale), x));
  }
  return cases;
}

}  // namespace

std::vector<std::string> export_extra_vectors(const std::string& dir) {
  std::filesystem::create_directories(dir);
  return {write_vector_file(dir, "dense", dense_cases()),
          write_vector_file(dir, "leaky_relu",
                elementwise_cases<LeakyRelu>("leaky_relu", [](Index n) { return LeakyRelu<double>(n, 0.125); }, 1)),
          write_vector_file(dir, "relu", relu_cases()),
          write_vector_file(dir, "tanh", elementwise_cases<Tanh>("tanh", [](Index n) { return Tanh<double>(n); }, 0)),
          write_vector_file(dir, "additive_coupling", coupling_cases()),
          write_vector_file(dir, "global_avg_pool", pool_cases()),
          write_vector_file(dir, "conv1d", conv_cases()),
          write_vector_file(dir, "patch_downsample1d", patch_cases()),
          write_vector_file(dir, "conv2d", conv2d_cases()),
          write_vector_file(dir, "patch_downsample2d", patch2d_cases()),
          write_vector_file(dir, "mse", mse_cases()),
          write_vector_file(dir, "softmax_cross_entropy", softmax_cases())};
}

}  // namespace moonwalk::verify
