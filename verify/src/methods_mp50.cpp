// Every gradient method and the network properties instantiated in mp50.
#include "moonwalk/verify/network_properties_impl.hpp"

namespace moonwalk::verify {

template reference::Gradients<moonwalk::mp50> run_method<moonwalk::mp50>(Method, const reference::Network<moonwalk::mp50>&, const Mat<moonwalk::mp50>&,
                                                   const MethodOptions&);
template Vec<mp50> flatten<moonwalk::mp50>(const reference::Gradients<moonwalk::mp50>&);
template MethodRuns<moonwalk::mp50> run_methods<moonwalk::mp50>(const Problem&, const MethodOptions&);
template std::vector<NetCheck> check_network<moonwalk::mp50>(NetProperty, const Problem&, const NetFacts&, const MethodRuns<moonwalk::mp50>&,
                                                  const Shape&);
template nlohmann::json dump_network<moonwalk::mp50>(const Problem&, const NetFacts&, const MethodRuns<moonwalk::mp50>&);

}  // namespace moonwalk::verify
