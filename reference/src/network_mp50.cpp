// The per-layer calls in mp50 (network_instances.inc).
#define MOONWALK_SCALAR moonwalk::mp50
#include "network_instances.inc"
