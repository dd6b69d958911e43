// Every gradient method instantiated in float.
#include "moonwalk/verify/methods_impl.hpp"

namespace moonwalk::verify {

template reference::Gradients<float> run_method<float>(Method, const reference::Network<float>&, const Mat<float>&,
                                                   const MethodOptions&);
template Vec<mp50> flatten<float>(const reference::Gradients<float>&);

}  // namespace moonwalk::verify
