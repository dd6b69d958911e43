// Every gradient method and the network properties instantiated in float.
#include "moonwalk/verify/network_properties_impl.hpp"

namespace moonwalk::verify {

template reference::Gradients<float> run_method<float>(Method, const reference::Network<float>&, const Mat<float>&,
                                                   const MethodOptions&);
template Vec<mp50> flatten<float>(const reference::Gradients<float>&);
template MethodRuns<float> run_methods<float>(const Problem&, const MethodOptions&);
template std::vector<NetCheck> check_network<float>(NetProperty, const Problem&, const NetFacts&, const MethodRuns<float>&,
                                                  const Shape&);
template LedgerFormula ledger_formula<float>(Method, std::size_t, const reference::Network<float>&, const Mat<float>&,
                                             const NetFacts&);
template nlohmann::json dump_network<float>(const Problem&, const NetFacts&, const MethodRuns<float>&);

}  // namespace moonwalk::verify
