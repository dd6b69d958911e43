// Every gradient method instantiated in double.
#include "moonwalk/verify/methods_impl.hpp"

namespace moonwalk::verify {

template reference::Gradients<double> run_method<double>(Method, const reference::Network<double>&, const Mat<double>&,
                                                   const MethodOptions&);
template Vec<mp50> flatten<double>(const reference::Gradients<double>&);

}  // namespace moonwalk::verify
