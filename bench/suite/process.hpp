#pragma once
// Peer processes for the benchmark: started in their own process group (so a server's
// children go with it), optionally pinned to one CPU, measured through /proc.
#include <sys/types.h>

#include <chrono>
#include <string>
#include <vector>

namespace mcpx::bench {

struct child {
  pid_t pid = -1;
  std::string name;
  std::string log_path;  ///< its stdout and stderr
};

/// Starts argv[0] (a path) with its output to `log_path`, pinned to `cpu` when cpu >= 0.
/// Throws std::runtime_error when it cannot be started.
child spawn(const std::string& name, const std::vector<std::string>& argv, const std::string& log_path, int cpu);

/// Waits until something accepts connections on 127.0.0.1:port; false if the child died or time ran out.
bool wait_for_port(const child& c, unsigned short port, std::chrono::milliseconds timeout);

/// The status of the answer to `request` (raw HTTP/1.1) sent to 127.0.0.1:port; -1 for none within `timeout`.
int http_status(unsigned short port, const std::string& request,
                std::chrono::milliseconds timeout = std::chrono::milliseconds(2000));

/// Waits until GET /health/ready answers 200 (mcpx: every check passed, e.g. an issuer's keys loaded).
bool wait_for_ready(const child& c, unsigned short port, std::chrono::milliseconds timeout);

/// SIGTERM to the process group, SIGKILL after `grace`; reaps the child.
void stop(child& c, std::chrono::milliseconds grace = std::chrono::milliseconds(3000));

struct usage {
  double cpu_seconds = 0;  ///< user + system, the process and its descendants
  long rss_kib = 0;        ///< resident now
  long peak_rss_kib = 0;   ///< high-water mark (VmHWM), summed over the processes
  /// Over every thread of the tree, from /proc/<pid>/task/<tid>/sched (0 where the kernel has no
  /// such file): how often a thread was switched out, and moved to another CPU.
  unsigned long long context_switches = 0, migrations = 0;
  /// Time the tree's threads were ready to run but waiting for a CPU (schedstat), summed.
  double runqueue_seconds = 0;
};
usage usage_of(pid_t root);

/// This process's own threads only (not its children): time ready to run but waiting for a CPU.
double self_runqueue_seconds();

/// Seconds each CPU was "stolen" (its virtual CPU not run by the hypervisor), from the
/// `cpuN` lines of /proc/stat, indexed by N. Empty when the text has no such line.
std::vector<double> stolen_seconds_per_cpu(const std::string& proc_stat, double ticks_per_second);
/// The same for this machine now (empty where /proc/stat cannot be read).
std::vector<double> stolen_seconds_per_cpu();

/// A port nobody listens on right now (bound and released).
unsigned short free_port();

/// Raises the open-file limit to its hard maximum (children inherit it); returns the new limit.
long raise_fd_limit();

/// The last `max_bytes` of a file, for error messages.
std::string tail_of(const std::string& path, std::size_t max_bytes = 2000);

}  // namespace mcpx::bench
