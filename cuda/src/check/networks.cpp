#include "moonwalk/cuda/check/crosscheck.hpp"
#include "moonwalk/cuda/methods.hpp"

#include <functional>

namespace moonwalk::cuda::check {

namespace {

template <class S> HostMatrix<S> flat_params(const methods::Gradients<S>& g) {
  std::vector<S> all;
  for (const auto& p : g.params) all.insert(all.end(), p.begin(), p.end());
  return HostMatrix<S>::column(std::move(all));
}

// The arena's peaks against the ledger formula the vectors carry, and the
// kept categories empty once the method has returned.
std::string memory_mismatch(const methods::MemoryPeaks& m, const Arena& a, const json& want) {
  std::string d;
  for (std::size_t k = 0; k < kCategories; ++k) {
    const auto c = static_cast<Category>(k);
    if (want.contains(category_name(c)) && m.at(c) != want.at(category_name(c)).get<std::size_t>())
      d += std::string(category_name(c)) + " peak " + std::to_string(m.at(c)) + " bytes, formula " +
           std::to_string(want.at(category_name(c)).get<std::size_t>()) + "; ";
    if (c != Category::parameters && c != Category::working_set && a.current(c) != 0)
      d += std::string(category_name(c)) + " still holds " + std::to_string(a.current(c)) + " bytes; ";
  }
  if (m.stored != want.at("stored").get<std::size_t>())
    d += "stored peak " + std::to_string(m.stored) + " bytes, formula " + std::to_string(want.at("stored").get<std::size_t>()) + "; ";
  return d;
}

template <class S> void check_network_case(Context& ctx, const json& c, const std::string& name, const std::string& prec, Table& t) {
  const json& spec = c.at("network");
  const Network<S> net = make_network<S>(ctx, spec);
  const HostMatrix<S> x0 = network_input<S>(spec);
  const json& exp = c.at("expected");
  std::map<std::string, WideMatrix> want;
  want["loss"] = WideMatrix{1, 1, {scalar(exp.at("loss"))}};
  WideMatrix& params = want["params"];
  for (const json& m : exp.at("params")) {
    const WideMatrix p = read_matrix(m);
    params.data.insert(params.data.end(), p.data.begin(), p.data.end());
  }
  params.rows = static_cast<Index>(params.data.size()), params.cols = 1;
  want["input"] = read_matrix(exp.at("input"));

  methods::MixedOptions anchored;
  anchored.anchor_every = c.value("anchor_every", std::size_t{0});
  const std::vector<std::pair<std::string, std::function<methods::Gradients<S>()>>> runs{
      {"backprop", [&] { return methods::backprop(net, x0); }},
      {"checkpointed", [&] { return methods::checkpointed(net, x0); }},
      {"moonwalk_mixed", [&] { return methods::moonwalk_mixed(net, x0); }},
      {"moonwalk_mixed_anchored", [&] { return methods::moonwalk_mixed(net, x0, anchored); }}};
  for (const auto& [method, run] : runs) {
    const std::string subject = "networks/" + method;
    const std::string base = method == "moonwalk_mixed_anchored" ? "moonwalk_mixed" : method;
    const bool refused = c.at("refused").contains(base);
    methods::Gradients<S> g;
    try {
      g = run();
    } catch (const Error& e) {
      t.add(subject, prec, refused ? "refusal" : "loss", name, refused, std::string("refused: ") + e.what());
      continue;
    }
    if (refused) {
      t.add(subject, prec, "refusal", name, false, "the reference refused, the device ran");
      continue;
    }
    if (!c.at("tolerance").at(prec).contains(method)) continue;  // not in this file's version
    const std::map<std::string, HostMatrix<S>> got{
        {"loss", HostMatrix<S>(1, 1, {g.loss})}, {"params", flat_params(g)}, {"input", g.input}};
    for (const auto& [key, value] : got)
      t.add(subject, prec, key, name, relative_error(value, want.at(key)),
            c.at("reference_error").at(prec).at(method).at(key).template get<double>(),
            c.at("tolerance").at(prec).at(method).at(key).template get<double>());
    if (c.contains("ledger") && c.at("ledger").at(prec).contains(method)) {
      const std::string d = memory_mismatch(g.memory, ctx.arena(), c.at("ledger").at(prec).at(method));
      t.add(subject, prec, "memory", name, d.empty(), d);
    }
  }
}

}  // namespace

template <class S> void check_networks(Context& ctx, const json& doc, Table& t) {
  const std::string prec = scalar_name<S>();
  for (const json& c : doc.at("cases")) {
    const std::string name = c.at("name").get<std::string>();
    try {
      check_network_case<S>(ctx, c, name, prec, t);
    } catch (const std::exception& e) {
      t.add("networks", prec, "setup", name, false, e.what());
    }
  }
}

template void check_networks<float>(Context&, const json&, Table&);
template void check_networks<double>(Context&, const json&, Table&);

}  // namespace moonwalk::cuda::check
