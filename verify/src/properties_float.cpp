// The conformance identities in float (properties_instances.inc).
#define MOONWALK_SCALAR float
#include "properties_instances.inc"
