// The conformance identities in mp50 (properties_instances.inc).
#define MOONWALK_SCALAR moonwalk::mp50
#include "properties_instances.inc"
