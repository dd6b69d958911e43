// The moonwalk command-line tool: one subcommand per file in verify/tools/.
#include "commands.hpp"

int main(int argc, char** argv) {
  CLI::App app{"moonwalk: a numerically verified reference of inverse-forward differentiation"};
  app.require_subcommand(1);
  moonwalk::tools::add_verify_command(app);
  moonwalk::tools::add_vectors_command(app);
  moonwalk::tools::add_study_command(app);
  moonwalk::tools::add_check_command(app);
  moonwalk::tools::add_crosscheck_command(app);
  CLI11_PARSE(app, argc, argv);
  return 0;
}
