#pragma once
// SIGINT, SIGTERM and SIGHUP for every command. Both are blocked in every thread and a watcher
// thread takes them: the first one becomes a stop request that the commands' loops poll (they wait
// in steps of at most ~100 ms), so they close their feeds and return stopped_exit_code() (0 for
// `node` and `serve`). A command that has not ended `grace` after the signal (one blocked in a
// read of stdin, a simulation, a benchmark) is ended by the watcher with 128 + the signal, after
// flushing stdout; so is every command at a second signal.
#include <chrono>

namespace ddb::cli {

// Call once in main, before any other thread starts (threads inherit the signal mask).
void install_stop_signals();

// How long the watcher lets a command take to stop by itself. 0: end the process at once (for
// commands with nothing to close).
void set_stop_grace(std::chrono::milliseconds grace);

// SIGHUP: by default a stop request like SIGTERM (129). After enable_reload_signal() (`node`),
// a SIGHUP never stops the process: it is counted as a reload request instead.
void enable_reload_signal();
// The SIGHUPs counted since the last call (0 when none came).
int take_reload_requests();

// The signal that asked us to stop (SIGINT or SIGTERM), 0 while none came.
int stop_signal();

// Waits up to `timeout_ms` for a stop request; true once one came (at once when it did).
bool stop_requested(int timeout_ms = 0);

// 128 + the stop signal (130 for SIGINT, 143 for SIGTERM): what a stopped command exits with.
int stopped_exit_code();

}  // namespace ddb::cli
