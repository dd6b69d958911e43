// The subcommands of the `moonwalk` tool, one file each. A command registers
// itself on the app; `run_with_exit_code` turns its return value (and any
// exception, reported on stderr with exit code 2) into the process exit code.
#pragma once

#include <CLI/CLI.hpp>

#include <functional>
#include <iostream>

namespace moonwalk::tools {

inline void run_with_exit_code(CLI::App* sub, std::function<int()> body) {
  sub->callback([body = std::move(body)] {
    int rc = 0;
    try {
      rc = body();
    } catch (const std::exception& e) {
      std::cerr << "moonwalk: " << e.what() << "\n";
      rc = 2;
    }
    if (rc != 0) throw CLI::RuntimeError(rc);
  });
}

void add_verify_command(CLI::App& app);
void add_vectors_command(CLI::App& app);
void add_study_command(CLI::App& app);
void add_check_command(CLI::App& app);
void add_crosscheck_command(CLI::App& app);

// sysexits' EX_UNAVAILABLE: crosscheck found no device (or no CUDA path) and checked nothing.
inline constexpr int kNoDeviceExitCode = 69;

}  // namespace moonwalk::tools
