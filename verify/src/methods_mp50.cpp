// The gradient methods and network properties in mp50 (methods_instances.inc).
#define MOONWALK_SCALAR moonwalk::mp50
#define MOONWALK_WORKING_PRECISION 0
#include "methods_instances.inc"
