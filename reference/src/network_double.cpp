// The per-layer calls in double (network_instances.inc).
#define MOONWALK_SCALAR double
#include "network_instances.inc"
