// The conformance identities in double (properties_instances.inc).
#define MOONWALK_SCALAR double
#include "properties_instances.inc"
