// The one C target for system calls Swift cannot import directly. Every symbol is
// prefixed clinux_. libpfm4 and libnuma headers are included only here.
#ifndef CLINUX_H
#define CLINUX_H

// No _GNU_SOURCE here: defining it in a module header changes glibc's struct
// definitions and clashes with the Glibc/Dispatch modules. shims.c defines it.
#include <stdint.h>
#include <sys/types.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sched.h>
#include <unistd.h>

#ifdef __linux__
#include <perfmon/pfmlib_perf_event.h>
#include <numa.h>
#endif

/// perf_event_open(2): glibc has no wrapper and Swift cannot call variadic syscall().
int clinux_perf_event_open(struct perf_event_attr *attr, pid_t pid, int cpu, int group_fd, unsigned long flags);

/// The PERF_EVENT_IOC_* ioctls: the macros expand to _IO() arithmetic Swift cannot import.
/// `group` applies the ioctl to the whole group (PERF_IOC_FLAG_GROUP).
int clinux_perf_enable(int fd, int group);
int clinux_perf_disable(int fd, int group);
int clinux_perf_reset(int fd, int group);

/// prlimit(2) is hidden from Swift's Glibc module (it needs _GNU_SOURCE).
int clinux_prlimit(pid_t pid, int resource, const struct rlimit *new_limit, struct rlimit *old_limit);

/// sched_setaffinity(2) with a mask built from a list of CPUs: CPU_SET is a macro.
int clinux_set_affinity(pid_t pid, const int *cpus, int count);
/// Writes up to `capacity` allowed CPUs of `pid` into `cpus`; returns the count or -1.
int clinux_get_affinity(pid_t pid, int *cpus, int capacity);

/// prctl(PR_SET_PDEATHSIG): a worker dies with its parent instead of running on.
int clinux_set_parent_death_signal(int signal);

/// getsockopt(SO_PEERCRED): the uid, gid and pid of the process on the other end of
/// a Unix socket. struct ucred needs _GNU_SOURCE.
int clinux_peer_credentials(int fd, pid_t *pid, uid_t *uid, gid_t *gid);

/// Forks a helper process that throttles `target` by duty cycle: it lets the target
/// run for `run_ns`, stops it (SIGSTOP) for `stop_ns`, continues it (SIGCONT), and
/// repeats until the target is gone or the helper gets SIGTERM (then it continues
/// the target and exits). Why C: the child of fork() in a multithreaded Swift
/// process may call only async-signal-safe functions (kill, nanosleep, close, _exit);
/// Swift code there could deadlock on a runtime lock another thread held at fork.
/// The helper dies with its parent (PR_SET_PDEATHSIG) and holds no inherited fds,
/// so it never keeps a pipe open. Returns the helper's pid, or -1 with errno set.
pid_t clinux_spawn_duty_cycle(pid_t target, long run_ns, long stop_ns);

#endif
