#include "sim/isolate.hpp"

#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <string>

#include "sim/driver.hpp"

namespace ddb::sim {

isolated_result run_isolated(const scenario& sc, uint64_t seed) {
  isolated_result out;
  int fds[2];
  if (pipe(fds) != 0) return out;
  pid_t pid = fork();
  if (pid < 0) {
    close(fds[0]);
    close(fds[1]);
    return out;
  }
  if (pid == 0) {
    close(fds[0]);
    auto r = run_scenario(sc, seed);
    char line[64];
    int n = std::snprintf(line, sizeof line, "%016llx", static_cast<unsigned long long>(r.trace));
    std::string text = std::string(line, static_cast<size_t>(n)) + to_json(r);
    for (size_t done = 0; done < text.size();) {
      ssize_t w = write(fds[1], text.data() + done, text.size() - done);
      if (w <= 0) _exit(static_cast<int>(outcome::crash));
      done += static_cast<size_t>(w);
    }
    _exit(static_cast<int>(r.result));
  }
  close(fds[1]);
  std::string text;
  char buf[65536];
  for (;;) {
    ssize_t got = read(fds[0], buf, sizeof buf);
    if (got <= 0) break;
    text.append(buf, static_cast<size_t>(got));
  }
  close(fds[0]);
  if (text.size() >= 16) {
    out.trace = text.substr(0, 16);
    out.report = text.substr(16);
  }
  int st = 0;
  waitpid(pid, &st, 0);
  if (WIFEXITED(st)) {
    int code = WEXITSTATUS(st);
    bool known = code == 0 || code == 2 || code == 3 || code == 4;
    out.result = known ? static_cast<outcome>(code) : outcome::crash;
  }
  return out;
}

}  // namespace ddb::sim
