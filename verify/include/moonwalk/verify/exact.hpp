// High-precision facts about one case, computed once per case in 50 digits
// (Jacobians, singular values) and 100 digits (central differences), and
// compiled in one translation unit (verify/src/exact.cpp).
#pragma once

#include "moonwalk/verify/cases.hpp"

#include <vector>

namespace moonwalk::verify {

struct SpectrumSummary {
  Index rank = 0;         // singular values above sqrt(u_mp50)·σ_max
  double sigma_max = 0;   // largest singular value
  double sigma_min = 0;   // smallest nonzero (above the rank threshold)
  double cond() const { return sigma_min > 0 ? sigma_max / sigma_min : 1.0; }
};

SpectrumSummary spectrum(const Mat<mp50>& J);

struct Exact {
  std::vector<Mat<mp50>> jacobian;  // per sample, out_dim × in_dim
  std::vector<SpectrumSummary> spectra;
  Mat<mp50> jvp_fd;                 // central difference of forward along (ẋ, θ̇), taken in mp100
  Mat<double> jvp_scale;            // |J||ẋ| + |K||θ̇|, entrywise: the rounding scale of a jvp
  Index cokernel_dim = 0;           // Σ_b (out_dim − rank_b)
  double cond = 1;                  // max over the batch
  double jacobian_norm = 0;         // max over the batch of σ_max
};

template <template <class> class Op> Exact exact_facts(const OpCase<Op>& c);

}  // namespace moonwalk::verify
