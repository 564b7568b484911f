#include "cli/signals.hpp"

#include <pthread.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <csignal>
#include <cstdio>
#include <mutex>
#include <thread>

namespace ddb::cli {

namespace {

std::atomic<int> received{0};
std::atomic<bool> reload_enabled{false};
std::atomic<int> reloads{0};
std::atomic<long> grace_ms{1500};
std::mutex mu;
std::condition_variable cv;

sigset_t stop_set() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGHUP);
  return set;
}

[[noreturn]] void end_now(int sig) {
  std::fflush(stdout);  // what was printed reaches the reader; the files are crash-consistent
  _exit(128 + sig);
}

// A SIGHUP while reloads are enabled: counted, never a stop. True when `sig` was one.
bool counted_reload(int sig) {
  if (sig != SIGHUP || !reload_enabled.load()) return false;
  ++reloads;
  return true;
}

void watch() {
  sigset_t set = stop_set();
  int sig = 0;
  do {
    if (sigwait(&set, &sig) != 0) return;
  } while (counted_reload(sig));
  {
    std::lock_guard<std::mutex> lock(mu);
    received = sig;
  }
  cv.notify_all();
  long grace = grace_ms.load();
  if (grace <= 0) end_now(sig);
  // The command stops by itself and the process exits first; otherwise end it at the deadline
  // or at a second signal.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(grace);
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::nanoseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) break;
    timespec ts{static_cast<time_t>(left.count() / 1000000000),
                static_cast<long>(left.count() % 1000000000)};
    int again = sigtimedwait(&set, nullptr, &ts);
    if (again < 0 && errno == EINTR) continue;
    if (again < 0 || !counted_reload(again)) break;
  }
  end_now(sig);
}

void unblock_in_child() {
  sigset_t set = stop_set();
  pthread_sigmask(SIG_UNBLOCK, &set, nullptr);
}

}  // namespace

void install_stop_signals() {
  sigset_t set = stop_set();
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  // A forked child (a simulation sweep runs each seed in one) has no watcher thread: it gets
  // the signals' default action, so that a signal to the process group ends it too.
  pthread_atfork(nullptr, nullptr, unblock_in_child);
  std::thread(watch).detach();
}

void enable_reload_signal() {
  reload_enabled = true;
}

int take_reload_requests() {
  return reloads.exchange(0);
}

void set_stop_grace(std::chrono::milliseconds grace) {
  grace_ms = static_cast<long>(grace.count());
}

int stop_signal() {
  return received.load();
}

bool stop_requested(int timeout_ms) {
  if (received.load() != 0) return true;
  if (timeout_ms <= 0) return false;
  std::unique_lock<std::mutex> lock(mu);
  return cv.wait_for(lock, std::chrono::milliseconds(timeout_ms),
                     [] { return received.load() != 0; });
}

int stopped_exit_code() {
  int sig = received.load();
  return sig ? 128 + sig : 0;
}

}  // namespace ddb::cli
