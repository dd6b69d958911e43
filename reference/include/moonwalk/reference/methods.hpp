// Every gradient method of the reference.
#pragma once

#include "moonwalk/reference/methods/backprop.hpp"
#include "moonwalk/reference/methods/checkpointed.hpp"
#include "moonwalk/reference/methods/moonwalk_forward.hpp"
#include "moonwalk/reference/methods/moonwalk_mixed.hpp"
#include "moonwalk/reference/methods/naive_forward.hpp"
#include "moonwalk/reference/methods/reversible.hpp"
