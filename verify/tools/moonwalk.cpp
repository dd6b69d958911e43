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
  moonwalk::tools::add_train_command(app);
  moonwalk::tools::add_bench_command(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::RuntimeError& e) {  // a subcommand's own exit code (commands.hpp)
    return e.get_exit_code();
  } catch (const CLI::ParseError& e) {
    const int rc = app.exit(e);  // prints help, or the usage error
    return rc == 0 ? 0 : moonwalk::tools::kUsageExitCode;
  }
  return 0;
}
