#define _GNU_SOURCE 1
#include "CLinux.h"
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <signal.h>
#include <errno.h>
#include <string.h>
#include <time.h>

int clinux_perf_event_open(struct perf_event_attr *attr, pid_t pid, int cpu, int group_fd, unsigned long flags) {
    return (int)syscall(__NR_perf_event_open, attr, pid, cpu, group_fd, flags);
}

int clinux_perf_enable(int fd, int group) {
    return ioctl(fd, PERF_EVENT_IOC_ENABLE, group ? PERF_IOC_FLAG_GROUP : 0);
}

int clinux_perf_disable(int fd, int group) {
    return ioctl(fd, PERF_EVENT_IOC_DISABLE, group ? PERF_IOC_FLAG_GROUP : 0);
}

int clinux_perf_reset(int fd, int group) {
    return ioctl(fd, PERF_EVENT_IOC_RESET, group ? PERF_IOC_FLAG_GROUP : 0);
}

int clinux_prlimit(pid_t pid, int resource, const struct rlimit *new_limit, struct rlimit *old_limit) {
    return prlimit(pid, (__rlimit_resource_t)resource, new_limit, old_limit);
}

int clinux_set_affinity(pid_t pid, const int *cpus, int count) {
    cpu_set_t set;
    CPU_ZERO(&set);
    for (int i = 0; i < count; i++) {
        if (cpus[i] < 0 || cpus[i] >= CPU_SETSIZE) { errno = EINVAL; return -1; }
        CPU_SET(cpus[i], &set);
    }
    return sched_setaffinity(pid, sizeof(set), &set);
}

int clinux_get_affinity(pid_t pid, int *cpus, int capacity) {
    cpu_set_t set;
    CPU_ZERO(&set);
    if (sched_getaffinity(pid, sizeof(set), &set) != 0) return -1;
    int n = 0;
    for (int cpu = 0; cpu < CPU_SETSIZE && n < capacity; cpu++) {
        if (CPU_ISSET(cpu, &set)) cpus[n++] = cpu;
    }
    return n;
}

int clinux_set_parent_death_signal(int signal) {
    return prctl(PR_SET_PDEATHSIG, (unsigned long)signal, 0, 0, 0);
}

int clinux_peer_credentials(int fd, pid_t *pid, uid_t *uid, gid_t *gid) {
    struct ucred cred;
    socklen_t len = sizeof(cred);
    if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0) return -1;
    *pid = cred.pid; *uid = cred.uid; *gid = cred.gid;
    return 0;
}

// The duty-cycle helper (see CLinux.h). Globals because the SIGTERM handler needs
// the target; they live only in the forked child.
static volatile pid_t clinux_duty_target;

static void clinux_duty_release(int sig) {
    (void)sig;
    kill(clinux_duty_target, SIGCONT);
    _exit(0);
}

static void clinux_sleep_ns(long ns) {
    struct timespec ts = { ns / 1000000000L, ns % 1000000000L };
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {}
}

pid_t clinux_spawn_duty_cycle(pid_t target, long run_ns, long stop_ns) {
    pid_t parent = getpid();
    pid_t child = fork();
    if (child != 0) return child;  // parent (pid) or error (-1, errno set)
    clinux_duty_target = target;
    struct sigaction action;
    memset(&action, 0, sizeof(action));
    action.sa_handler = clinux_duty_release;
    sigaction(SIGTERM, &action, NULL);
    prctl(PR_SET_PDEATHSIG, SIGTERM, 0, 0, 0);
    if (getppid() != parent) clinux_duty_release(0);  // the parent died before prctl
    for (int fd = 0; fd < 1024; fd++) close(fd);
    sigset_t unblock;
    sigemptyset(&unblock);
    sigaddset(&unblock, SIGTERM);
    sigprocmask(SIG_UNBLOCK, &unblock, NULL);
    for (;;) {
        clinux_sleep_ns(run_ns);
        if (kill(target, SIGSTOP) != 0) _exit(0);
        clinux_sleep_ns(stop_ns);
        if (kill(target, SIGCONT) != 0) _exit(0);
    }
}
