// The per-layer calls in float (network_instances.inc).
#define MOONWALK_SCALAR float
#include "network_instances.inc"
