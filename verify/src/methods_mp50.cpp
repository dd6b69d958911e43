// Every gradient method instantiated in mp50.
#include "moonwalk/verify/methods_impl.hpp"

namespace moonwalk::verify {

template reference::Gradients<moonwalk::mp50> run_method<moonwalk::mp50>(Method, const reference::Network<moonwalk::mp50>&, const Mat<moonwalk::mp50>&,
                                                   const MethodOptions&);
template Vec<mp50> flatten<moonwalk::mp50>(const reference::Gradients<moonwalk::mp50>&);

}  // namespace moonwalk::verify
