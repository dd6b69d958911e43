// The gradient methods and network properties in double (methods_instances.inc).
#define MOONWALK_SCALAR double
#define MOONWALK_WORKING_PRECISION 1
#include "methods_instances.inc"
