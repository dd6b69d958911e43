// The moonwalk command-line tool: one subcommand per file in verify/tools/.
#include "commands.hpp"

int main(int argc, char** argv) {
  CLI::App app{"moonwalk: a numerically verified reference of inverse-forward differentiation"};
  app.require_subcommand(1);
#if MOONWALK_CHECK_ONLY  // moonwalk-check (verify/CMakeLists.txt)
  moonwalk::tools::add_check_command(app);
#else
  moonwalk::tools::add_verify_command(app);
  moonwalk::tools::add_vectors_command(app);
  moonwalk::tools::add_check_command(app);
  moonwalk::tools::add_crosscheck_command(app);
  moonwalk::tools::add_train_command(app);
#if !MOONWALK_WITHOUT_STUDY_AND_BENCH  // the sanitizer job's build (CMakeLists.txt, MOONWALK_SANITIZE)
  moonwalk::tools::add_study_command(app);
  moonwalk::tools::add_bench_command(app);
#endif
#endif
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
