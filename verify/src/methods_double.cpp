// Every gradient method and the network properties instantiated in double.
#include "moonwalk/verify/network_properties_impl.hpp"

namespace moonwalk::verify {

template reference::Gradients<double> run_method<double>(Method, const reference::Network<double>&, const Mat<double>&,
                                                   const MethodOptions&);
template Vec<mp50> flatten<double>(const reference::Gradients<double>&);
template MethodRuns<double> run_methods<double>(const Problem&, const MethodOptions&);
template std::vector<NetCheck> check_network<double>(NetProperty, const Problem&, const NetFacts&, const MethodRuns<double>&,
                                                  const Shape&);
template LedgerFormula ledger_formula<double>(Method, std::size_t, const reference::Network<double>&, const Mat<double>&,
                                             const NetFacts&);
template nlohmann::json dump_network<double>(const Problem&, const NetFacts&, const MethodRuns<double>&);

}  // namespace moonwalk::verify
