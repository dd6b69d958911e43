// The gradient methods and network properties in float (methods_instances.inc).
#define MOONWALK_SCALAR float
#define MOONWALK_WORKING_PRECISION 1
#include "methods_instances.inc"
