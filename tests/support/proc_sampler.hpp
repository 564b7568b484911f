// Resource use of a running process, read from /proc (header-only, Linux).
//
//   proc_usage(pid)  one reading: VmRSS, VmHWM (peak RSS) and open fds
//   proc_sampler     a thread that reads every `period` and keeps the peaks; it can also kill the
//                    process group when RSS passes a cap, so that a runaway victim never
//                    threatens the machine running the tests
#pragma once

#include <dirent.h>
#include <signal.h>
#include <sys/types.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <fstream>
#include <mutex>
#include <string>
#include <thread>

namespace ddb::test {

struct proc_usage_t {
  uint64_t rss_kb = 0;  // VmRSS
  uint64_t hwm_kb = 0;  // VmHWM: the kernel's own peak RSS
  uint64_t fds = 0;     // entries in /proc/PID/fd
  bool alive = false;   // the readings are real (the process exists)
};

inline proc_usage_t proc_usage(pid_t pid) {
  proc_usage_t u;
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(status, line)) {
    u.alive = true;
    if (line.rfind("VmRSS:", 0) == 0) u.rss_kb = std::stoull(line.substr(6));
    if (line.rfind("VmHWM:", 0) == 0) u.hwm_kb = std::stoull(line.substr(6));
    if (line.rfind("State:", 0) == 0 && line.find("zombie") != std::string::npos) u.alive = false;
  }
  if (DIR* d = ::opendir(("/proc/" + std::to_string(pid) + "/fd").c_str())) {
    while (dirent* e = ::readdir(d)) {
      if (e->d_name[0] != '.') ++u.fds;
    }
    ::closedir(d);
  }
  return u;
}

class proc_sampler {
 public:
  // Samples `pid` every `period` until destroyed or stop(). With `kill_above_kb` > 0, the
  // process group of `pid` gets SIGKILL once VmRSS passes it (killed() then says so).
  proc_sampler(pid_t pid, std::chrono::milliseconds period, uint64_t kill_above_kb = 0)
      : pid_(pid), period_(period), kill_above_kb_(kill_above_kb) {
    take(proc_usage(pid_));
    thread_ = std::thread([this] { loop(); });
  }
  proc_sampler(const proc_sampler&) = delete;
  proc_sampler& operator=(const proc_sampler&) = delete;
  ~proc_sampler() { stop(); }

  void stop() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
  }

  // Peaks over every sample so far (peak RSS includes the kernel's VmHWM).
  proc_usage_t peak() const {
    std::lock_guard<std::mutex> lock(mu_);
    return peak_;
  }
  bool killed() const { return killed_; }

 private:
  void take(const proc_usage_t& u) {
    if (!u.alive) return;
    std::lock_guard<std::mutex> lock(mu_);
    peak_.alive = true;
    peak_.rss_kb = std::max({peak_.rss_kb, u.rss_kb, u.hwm_kb});
    peak_.hwm_kb = std::max(peak_.hwm_kb, u.hwm_kb);
    peak_.fds = std::max(peak_.fds, u.fds);
  }

  void loop() {
    while (!stop_) {
      proc_usage_t u = proc_usage(pid_);
      take(u);
      if (kill_above_kb_ > 0 && u.rss_kb > kill_above_kb_ && !killed_) {
        killed_ = true;
        ::kill(-pid_, SIGKILL);
      }
      std::this_thread::sleep_for(period_);
    }
  }

  pid_t pid_;
  std::chrono::milliseconds period_;
  uint64_t kill_above_kb_;
  mutable std::mutex mu_;
  proc_usage_t peak_;
  std::atomic<bool> stop_{false};
  std::atomic<bool> killed_{false};
  std::thread thread_;
};

}  // namespace ddb::test
