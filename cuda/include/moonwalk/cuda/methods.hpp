// The gradient methods on the device, float and double.
#pragma once

#include "moonwalk/cuda/methods/backprop.hpp"
#include "moonwalk/cuda/methods/checkpointed.hpp"
#include "moonwalk/cuda/methods/moonwalk_mixed.hpp"
