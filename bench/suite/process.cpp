#include "suite/process.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/asio.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace mcpx::bench {

namespace net = boost::asio;
using tcp = net::ip::tcp;

child spawn(const std::string& name, const std::vector<std::string>& argv, const std::string& log_path, int cpu) {
  std::vector<char*> args;
  for (auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  int log = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (log < 0) throw std::runtime_error("cannot write " + log_path);
  pid_t pid = ::fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    // Only async-signal-safe calls between fork and exec.
    ::setpgid(0, 0);
    if (cpu >= 0) {
      cpu_set_t set;
      CPU_ZERO(&set);
      CPU_SET(cpu, &set);
      ::sched_setaffinity(0, sizeof set, &set);
    }
    ::dup2(log, 1);
    ::dup2(log, 2);
    int devnull = ::open("/dev/null", O_RDONLY);
    if (devnull >= 0) ::dup2(devnull, 0);
    ::execv(args[0], args.data());
    ::_exit(127);
  }
  ::close(log);
  ::setpgid(pid, pid);  // also here: whichever runs first, the group exists before we signal it
  return {pid, name, log_path};
}

bool wait_for_port(const child& c, unsigned short port, std::chrono::milliseconds timeout) {
  auto until = std::chrono::steady_clock::now() + timeout;
  net::io_context ioc;
  while (std::chrono::steady_clock::now() < until) {
    int status = 0;
    if (::waitpid(c.pid, &status, WNOHANG) == c.pid) return false;
    tcp::socket s(ioc);
    boost::system::error_code ec;
    s.connect({net::ip::make_address("127.0.0.1"), port}, ec);
    if (!ec) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

int http_status(unsigned short port, const std::string& request, std::chrono::milliseconds timeout) {
  namespace http = boost::beast::http;
  using error_code = boost::system::error_code;
  net::io_context ioc;
  tcp::socket s(ioc);
  boost::beast::flat_buffer buf;
  http::response<http::string_body> res;
  int status = -1;
  s.async_connect({net::ip::make_address("127.0.0.1"), port}, [&](error_code ec) {
    if (ec) return;
    net::async_write(s, net::buffer(request), [&](error_code ec, std::size_t) {
      if (ec) return;
      http::async_read(s, buf, res, [&](error_code ec, std::size_t) {
        if (!ec) status = static_cast<int>(res.result_int());
      });
    });
  });
  ioc.run_for(timeout);  // asynchronous only for this bound: a server that never answers cannot hang us
  return status;
}

bool wait_for_ready(const child& c, unsigned short port, std::chrono::milliseconds timeout) {
  auto until = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < until) {
    int status = 0;
    if (::waitpid(c.pid, &status, WNOHANG) == c.pid) return false;
    if (http_status(port, "GET /health/ready HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n") == 200)
      return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

void stop(child& c, std::chrono::milliseconds grace) {
  if (c.pid <= 0) return;
  ::kill(-c.pid, SIGTERM);
  auto until = std::chrono::steady_clock::now() + grace;
  int status = 0;
  while (std::chrono::steady_clock::now() < until) {
    if (::waitpid(c.pid, &status, WNOHANG) == c.pid) {
      ::kill(-c.pid, SIGKILL);  // stragglers of the group (nginx workers)
      c.pid = -1;
      return;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ::kill(-c.pid, SIGKILL);
  ::waitpid(c.pid, &status, 0);
  c.pid = -1;
}

namespace {

// Fields of /proc/<pid>/stat after the command name: state is field 3, ppid 4, utime 14, stime 15.
bool read_stat(pid_t pid, pid_t& ppid, unsigned long long& ticks) {
  std::ifstream f("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!std::getline(f, line)) return false;
  auto close = line.rfind(')');
  if (close == std::string::npos) return false;
  std::istringstream rest(line.substr(close + 2));
  std::string field;
  std::vector<std::string> fields;
  while (rest >> field) fields.push_back(field);
  if (fields.size() < 13) return false;
  ppid = static_cast<pid_t>(std::stol(fields[1]));
  ticks = std::stoull(fields[11]) + std::stoull(fields[12]);
  return true;
}

long status_kib(pid_t pid, const std::string& key) {
  std::ifstream f("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(f, line))
    if (line.rfind(key + ":", 0) == 0) return std::stol(line.substr(key.size() + 1));
  return 0;
}

// Sums nr_switches and se.nr_migrations over the threads of `pid` (CONFIG_SCHED_DEBUG kernels).
void add_sched(pid_t pid, usage& u) {
  std::string dir = "/proc/" + std::to_string(pid) + "/task";
  DIR* d = ::opendir(dir.c_str());
  if (!d) return;
  while (auto* e = ::readdir(d)) {
    if (e->d_name[0] == '.') continue;
    std::ifstream f(dir + "/" + e->d_name + "/sched");
    std::string line;
    while (std::getline(f, line)) {
      auto colon = line.find(':');
      if (colon == std::string::npos) continue;
      auto key = line.substr(0, line.find_first_of(" \t"));
      if (key == "nr_switches") u.context_switches += std::stoull(line.substr(colon + 1));
      else if (key == "se.nr_migrations") u.migrations += std::stoull(line.substr(colon + 1));
    }
  }
  ::closedir(d);
}

// The second field of /proc/<pid>/task/<tid>/schedstat (ns spent runnable, waiting), summed.
double runqueue_of(const std::string& task_dir) {
  unsigned long long total = 0;
  DIR* d = ::opendir(task_dir.c_str());
  if (!d) return 0;
  while (auto* e = ::readdir(d)) {
    if (e->d_name[0] == '.') continue;
    std::ifstream f(task_dir + "/" + e->d_name + "/schedstat");
    unsigned long long run = 0, wait = 0;
    if (f >> run >> wait) total += wait;
  }
  ::closedir(d);
  return static_cast<double>(total) / 1e9;
}

}  // namespace

double self_runqueue_seconds() { return runqueue_of("/proc/self/task"); }

std::vector<double> stolen_seconds_per_cpu(const std::string& proc_stat, double ticks_per_second) {
  // "cpuN user nice system idle iowait irq softirq steal ...": steal is the eighth number.
  std::vector<double> out;
  std::istringstream in(proc_stat);
  std::string line;
  while (std::getline(in, line)) {
    if (line.size() < 4 || line.compare(0, 3, "cpu") != 0 || line[3] < '0' || line[3] > '9') continue;
    std::istringstream fields(line.substr(3));
    std::size_t cpu = 0;
    unsigned long long v[8] = {};
    if (!(fields >> cpu)) continue;
    bool whole = true;
    for (auto& x : v) whole = whole && static_cast<bool>(fields >> x);
    if (!whole || cpu > 4096) continue;
    if (out.size() <= cpu) out.resize(cpu + 1, 0);
    out[cpu] = static_cast<double>(v[7]) / ticks_per_second;
  }
  return out;
}

std::vector<double> stolen_seconds_per_cpu() {
  std::ifstream f("/proc/stat");
  std::stringstream text;
  text << f.rdbuf();
  return stolen_seconds_per_cpu(text.str(), static_cast<double>(::sysconf(_SC_CLK_TCK)));
}

usage usage_of(pid_t root) {
  // The process tree below root: scan /proc once and follow parent links.
  std::vector<std::pair<pid_t, pid_t>> all;  // pid, ppid
  std::vector<std::pair<pid_t, unsigned long long>> ticks;
  if (DIR* d = ::opendir("/proc")) {
    while (auto* e = ::readdir(d)) {
      char* end = nullptr;
      long pid = std::strtol(e->d_name, &end, 10);
      if (*end != '\0' || pid <= 0) continue;
      pid_t ppid = 0;
      unsigned long long t = 0;
      if (read_stat(static_cast<pid_t>(pid), ppid, t)) {
        all.emplace_back(static_cast<pid_t>(pid), ppid);
        ticks.emplace_back(static_cast<pid_t>(pid), t);
      }
    }
    ::closedir(d);
  }
  std::vector<pid_t> tree{root};
  for (std::size_t i = 0; i < tree.size(); ++i)
    for (auto& [pid, ppid] : all)
      if (ppid == tree[i]) tree.push_back(pid);
  usage u;
  double hz = static_cast<double>(::sysconf(_SC_CLK_TCK));
  for (pid_t p : tree) {
    for (auto& [pid, t] : ticks)
      if (pid == p) u.cpu_seconds += static_cast<double>(t) / hz;
    u.rss_kib += status_kib(p, "VmRSS");
    u.peak_rss_kib += status_kib(p, "VmHWM");
    add_sched(p, u);
    u.runqueue_seconds += runqueue_of("/proc/" + std::to_string(p) + "/task");
  }
  return u;
}

unsigned short free_port() {
  net::io_context ioc;
  tcp::acceptor a(ioc, {net::ip::make_address("127.0.0.1"), 0});
  return a.local_endpoint().port();
}

long raise_fd_limit() {
  rlimit r{};
  if (::getrlimit(RLIMIT_NOFILE, &r) != 0) return -1;
  r.rlim_cur = r.rlim_max;
  ::setrlimit(RLIMIT_NOFILE, &r);
  ::getrlimit(RLIMIT_NOFILE, &r);
  return static_cast<long>(r.rlim_cur);
}

std::string tail_of(const std::string& path, std::size_t max_bytes) {
  std::ifstream f(path, std::ios::binary);
  std::string s((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  return s.size() > max_bytes ? s.substr(s.size() - max_bytes) : s;
}

}  // namespace mcpx::bench
