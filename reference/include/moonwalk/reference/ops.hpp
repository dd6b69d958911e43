// Every operator and loss of the reference.
#pragma once

#include "moonwalk/reference/ops/mse.hpp"
#include "moonwalk/reference/ops/registry.hpp"
#include "moonwalk/reference/ops/softmax_cross_entropy.hpp"
