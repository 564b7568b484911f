// Child processes for tests (header-only, C++17, POSIX).
//
//   run(argv, opts)        run to completion; capture stdout/stderr and exit status;
//                          optional stdin text, extra environment, cwd and timeout
//                          (on expiry the child's process group gets SIGKILL).
//   background_process     start a long-running child (a server, a writer to crash)
//                          whose stdout/stderr go to files; poll its output,
//                          kill it (SIGKILL by default) and reap it.
//
// Every child runs in its own process group, so killing it also kills anything
// it started (e.g. a shell's children). argv[0] is looked up in PATH.
// Not thread-safe with respect to other code changing SIGPIPE handling: run()
// ignores SIGPIPE process-wide when it has stdin text to write.
#pragma once

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <functional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <system_error>
#include <thread>
#include <utility>
#include <vector>

extern char** environ;

namespace ddb::test {

struct run_options {
  std::chrono::milliseconds timeout{0};  // 0: no timeout
  std::string stdin_text;                // written to the child's stdin, then closed
  std::vector<std::string> env;          // extra "NAME=value" entries (override inherited)
  std::string cwd;                       // empty: inherit
};

struct run_result {
  int exit_code = -1;      // exit status, or -1 when killed by a signal
  int term_signal = 0;     // signal that ended the child, 0 if it exited
  bool timed_out = false;  // the timeout expired and the child was killed
  std::string out;         // everything written to stdout
  std::string err;         // everything written to stderr

  bool ok() const { return exit_code == 0 && !timed_out; }
  // One-line summary for test failure messages.
  std::string describe() const {
    std::ostringstream s;
    s << "exit=" << exit_code << " signal=" << term_signal << (timed_out ? " TIMEOUT" : "")
      << " stderr: " << err;
    return s.str();
  }
};

namespace detail {

// argv and envp as the NUL-terminated arrays exec wants; built before fork so
// the child does no allocation.
struct exec_args {
  std::vector<std::string> argv_s, env_s;
  std::vector<char*> argv, envp;

  exec_args(const std::vector<std::string>& args, const std::vector<std::string>& extra_env)
      : argv_s(args) {
    if (argv_s.empty()) throw std::invalid_argument("run: empty argv");
    for (char** e = environ; *e != nullptr; ++e) {
      std::string entry(*e);
      bool overridden = false;
      for (const auto& x : extra_env) {
        auto eq = x.find('=');
        if (eq == std::string::npos) continue;
        if (entry.compare(0, eq + 1, x, 0, eq + 1) == 0) overridden = true;
      }
      if (!overridden) env_s.push_back(std::move(entry));
    }
    env_s.insert(env_s.end(), extra_env.begin(), extra_env.end());
    for (auto& s : argv_s) argv.push_back(s.data());
    argv.push_back(nullptr);
    for (auto& s : env_s) envp.push_back(s.data());
    envp.push_back(nullptr);
  }
};

// In the child after fork: own process group, cwd, redirections, exec.
// Only async-signal-safe calls; exits 127 if exec fails.
[[noreturn]] inline void exec_child(exec_args& a, const std::string& cwd, int in_fd, int out_fd,
                                    int err_fd) {
  ::setpgid(0, 0);
  if (!cwd.empty() && ::chdir(cwd.c_str()) != 0) ::_exit(127);
  if (in_fd >= 0) ::dup2(in_fd, STDIN_FILENO);
  ::dup2(out_fd, STDOUT_FILENO);
  ::dup2(err_fd, STDERR_FILENO);
  ::execvpe(a.argv[0], a.argv.data(), a.envp.data());
  const char msg[] = "exec failed\n";
  ssize_t ignored = ::write(STDERR_FILENO, msg, sizeof msg - 1);
  (void)ignored;
  ::_exit(127);
}

inline void decode_status(int status, int& exit_code, int& term_signal) {
  if (WIFEXITED(status)) {
    exit_code = WEXITSTATUS(status);
    term_signal = 0;
  } else if (WIFSIGNALED(status)) {
    exit_code = -1;
    term_signal = WTERMSIG(status);
  }
}

inline int wait_pid(pid_t pid) {
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return status;
}

inline void make_pipe(int fds[2]) {
  if (::pipe2(fds, O_CLOEXEC) != 0) throw std::system_error(errno, std::generic_category(), "pipe");
}

}  // namespace detail

// Runs argv to completion (or until opts.timeout, then SIGKILLs its process group).
inline run_result run(const std::vector<std::string>& argv, const run_options& opts = {}) {
  detail::exec_args args(argv, opts.env);
  int out[2], err[2], in[2];
  detail::make_pipe(out);
  detail::make_pipe(err);
  detail::make_pipe(in);
  if (!opts.stdin_text.empty()) ::signal(SIGPIPE, SIG_IGN);

  pid_t pid = ::fork();
  if (pid < 0) throw std::system_error(errno, std::generic_category(), "fork");
  if (pid == 0) detail::exec_child(args, opts.cwd, in[0], out[1], err[1]);
  ::setpgid(pid, pid);  // also from the parent, so kill(-pid) cannot race exec
  ::close(out[1]);
  ::close(err[1]);
  ::close(in[0]);

  run_result r;
  int in_fd = in[1];
  std::size_t in_off = 0;
  if (opts.stdin_text.empty()) {
    ::close(in_fd);
    in_fd = -1;
  } else {
    ::fcntl(in_fd, F_SETFL, O_NONBLOCK);
  }
  using clock = std::chrono::steady_clock;
  const auto deadline = clock::now() + opts.timeout;
  int open_fds = 2;
  pollfd fds[3] = {{out[0], POLLIN, 0}, {err[0], POLLIN, 0}, {in_fd, POLLOUT, 0}};
  std::string* sinks[2] = {&r.out, &r.err};
  char buf[65536];
  while (open_fds > 0 || in_fd >= 0) {
    int wait_ms = -1;
    if (opts.timeout.count() > 0 && !r.timed_out) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock::now());
      wait_ms = static_cast<int>(std::max<std::int64_t>(0, left.count()));
    }
    fds[2].fd = in_fd;
    int n = ::poll(fds, 3, wait_ms);
    if (n < 0 && errno == EINTR) continue;
    if (n == 0) {  // timeout: kill the whole group, keep draining until EOF
      r.timed_out = true;
      ::kill(-pid, SIGKILL);
      if (in_fd >= 0) {
        ::close(in_fd);
        in_fd = -1;
      }
      continue;
    }
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || fds[i].revents == 0) continue;
      ssize_t got = ::read(fds[i].fd, buf, sizeof buf);
      if (got > 0) {
        sinks[i]->append(buf, static_cast<std::size_t>(got));
      } else if (got == 0 || errno != EINTR) {
        ::close(fds[i].fd);
        fds[i].fd = -1;
        --open_fds;
      }
    }
    if (in_fd >= 0 && fds[2].revents != 0) {
      ssize_t put =
          ::write(in_fd, opts.stdin_text.data() + in_off, opts.stdin_text.size() - in_off);
      if (put > 0) in_off += static_cast<std::size_t>(put);
      if ((put < 0 && errno != EAGAIN && errno != EINTR) || in_off == opts.stdin_text.size()) {
        ::close(in_fd);
        in_fd = -1;
      }
    }
  }
  detail::decode_status(detail::wait_pid(pid), r.exit_code, r.term_signal);
  return r;
}

// A child left running in the background. Its stdout and stderr go to files
// (out_path(), err_path()) so it can never block on a full pipe; stdin is
// /dev/null. The destructor SIGKILLs its process group and reaps it.
class background_process {
 public:
  // Starts argv; output files are <log_prefix>.out and <log_prefix>.err
  // (log_prefix is typically a path inside a temp_dir).
  background_process(const std::vector<std::string>& argv, const std::string& log_prefix,
                     const run_options& opts = {})
      : out_path_(log_prefix + ".out"), err_path_(log_prefix + ".err") {
    detail::exec_args args(argv, opts.env);
    int out = ::open(out_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    int err = ::open(err_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    int in = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (out < 0 || err < 0 || in < 0) {
      throw std::system_error(errno, std::generic_category(), "open " + log_prefix);
    }
    pid_ = ::fork();
    if (pid_ < 0) throw std::system_error(errno, std::generic_category(), "fork");
    if (pid_ == 0) detail::exec_child(args, opts.cwd, in, out, err);
    ::setpgid(pid_, pid_);
    ::close(out);
    ::close(err);
    ::close(in);
  }

  background_process(const background_process&) = delete;
  background_process& operator=(const background_process&) = delete;

  ~background_process() {
    if (!reaped_) {
      kill(SIGKILL);
      wait();
    }
  }

  pid_t pid() const { return pid_; }
  const std::string& out_path() const { return out_path_; }
  const std::string& err_path() const { return err_path_; }

  // Sends sig to the child's process group (no-op once reaped).
  void kill(int sig = SIGKILL) {
    if (!reaped_) ::kill(-pid_, sig);
  }

  // True while the child has not exited (reaps it if it has).
  bool running() {
    if (reaped_) return false;
    int status = 0;
    pid_t got = ::waitpid(pid_, &status, WNOHANG);
    if (got == pid_) {
      reaped_ = true;
      detail::decode_status(status, exit_code_, term_signal_);
    }
    return !reaped_;
  }

  // Blocks until the child exits; returns its exit code (-1 if signalled).
  int wait() {
    if (!reaped_) {
      detail::decode_status(detail::wait_pid(pid_), exit_code_, term_signal_);
      reaped_ = true;
    }
    return exit_code_;
  }

  int exit_code() const { return exit_code_; }
  int term_signal() const { return term_signal_; }

  // Everything the child has written so far.
  std::string out() const { return slurp(out_path_); }
  std::string err() const { return slurp(err_path_); }

  // Polls stdout (every 10 ms) until pred(stdout so far) is true; false on
  // timeout or if the child exits first without satisfying it.
  bool wait_for_output(const std::function<bool(const std::string&)>& pred,
                       std::chrono::milliseconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
      bool alive = running();
      if (pred(out())) return true;
      if (!alive || std::chrono::steady_clock::now() >= deadline) return false;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }

  // Waits until stdout contains needle; returns the first full line that
  // contains it (without the newline), or "" on timeout / early exit.
  std::string wait_for_line(const std::string& needle, std::chrono::milliseconds timeout) {
    std::string line;
    wait_for_output(
        [&](const std::string& text) {
          std::istringstream lines(text);
          std::string l;
          while (std::getline(lines, l)) {
            if (l.find(needle) != std::string::npos && !lines.eof()) {
              line = l;
              return true;
            }
          }
          return false;
        },
        timeout);
    return line;
  }

 private:
  static std::string slurp(const std::string& path) {
    std::ifstream f(path, std::ios::binary);
    std::ostringstream s;
    s << f.rdbuf();
    return s.str();
  }

  std::string out_path_, err_path_;
  pid_t pid_ = -1;
  bool reaped_ = false;
  int exit_code_ = -1;
  int term_signal_ = 0;
};

}  // namespace ddb::test
