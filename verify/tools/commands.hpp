// The subcommands of the `moonwalk` tool, one file each. A command registers
// itself on the app; `run_with_exit_code` turns its return value (and any
// exception, reported on stderr) into the process exit code below.
#pragma once

#include "moonwalk/verify/json_file.hpp"

#include <CLI/CLI.hpp>

#include <functional>
#include <iostream>

namespace moonwalk::tools {

// The exit codes of every subcommand (README.md, "Exit codes"), sysexits'
// where one fits: 0 success; 1 a check ran and failed; 64 a usage error (the
// command line); 65 a refused input (a spec, vector file or configuration);
// 66 an input file that does not exist; 69 something the command needs is
// unavailable (crosscheck: no device, so nothing was checked; bench: a build
// that does not count heap bytes); 70 an internal error.
inline constexpr int kCheckFailedExitCode = 1;
inline constexpr int kUsageExitCode = 64;
inline constexpr int kDataErrorExitCode = 65;
inline constexpr int kNoInputExitCode = 66;
inline constexpr int kUnavailableExitCode = 69;
inline constexpr int kInternalErrorExitCode = 70;

inline void run_with_exit_code(CLI::App* sub, std::function<int()> body) {
  sub->callback([body = std::move(body)] {
    int rc = 0;
    try {
      rc = body();
    } catch (const CLI::Error&) {  // a usage error found late: CLI11 reports it (exit code 64)
      throw;
    } catch (const verify::NoInputError& e) {
      std::cerr << "moonwalk: " << e.what() << "\n";
      rc = kNoInputExitCode;
    } catch (const std::invalid_argument& e) {  // a refused spec, vector file or operator configuration
      std::cerr << "moonwalk: " << e.what() << "\n";
      rc = kDataErrorExitCode;
    } catch (const std::exception& e) {
      std::cerr << "moonwalk: internal error: " << e.what() << "\n";
      rc = kInternalErrorExitCode;
    }
    if (rc != 0) throw CLI::RuntimeError(rc);
  });
}
void add_verify_command(CLI::App& app);
void add_vectors_command(CLI::App& app);
void add_study_command(CLI::App& app);
void add_check_command(CLI::App& app);
void add_crosscheck_command(CLI::App& app);
void add_train_command(CLI::App& app);
void add_bench_command(CLI::App& app);


}  // namespace moonwalk::tools
