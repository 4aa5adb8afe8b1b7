/*
 * bpbench-launch [--chdir DIR] [--cpus LIST] PROGRAM [ARG...]
 *
 * Why this exists: on Linux, a process started straight from the harness inherits the harness's
 * own peak RSS into its ru_maxrss (exec folds the old address space's high-water mark into the
 * signal struct, and posix_spawn's vfork shares the parent's). A benchmark child of 12 MiB would
 * then report the harness's 40 MiB. This launcher is small (about 1 MiB resident); it forks the
 * scenario, so the scenario starts from a fresh signal struct and its ru_maxrss is its own --
 * the same trick that makes /usr/bin/time -v correct.
 *
 * --chdir DIR runs PROGRAM in DIR (an external scenario runs in its folder); a failed chdir is
 * reported like a failed exec, as "spawn-error <errno> chdir".
 *
 * --cpus LIST (comma-separated CPU numbers, e.g. 0,1) pins the scenario, and so every process it
 * starts, to those CPUs with sched_setaffinity before the exec: the harness fixes the children's
 * parallelism so figures recorded on one machine stay comparable on another (BenchCore/ChildCPUs.swift).
 * The launcher itself stays unpinned (it only waits). A mask the kernel refuses, or one it narrows
 * (a CPU outside the harness's cpuset is dropped silently), is "spawn-error <errno> affinity".
 *
 * Control protocol on fd 4, one line each (documented and parsed in BenchCore/LauncherMessage.swift):
 *   "pid <pid>"                                   after fork
 *   "spawn-error <errno> fork|chdir|affinity|exec|wait"   the scenario could not be started or waited for
 *   "exit <wait-status> <ru_maxrss-KiB> <user-s> <system-s> <nvcsw> <nivcsw> <minflt> <majflt>"   after wait4
 * fd 3 (the scenario's result channel) and stdout/stderr pass through to PROGRAM untouched; fd 4
 * is close-on-exec, so only a failed exec can still report on it.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

enum { CONTROL_FD = 4, RESULT_FD = 3 };

/* Parses "0,1,5" into set; 0 on success, -1 on anything else (an empty list included). */
static int parse_cpus(const char *list, cpu_set_t *set) {
    CPU_ZERO(set);
    const char *cursor = list;
    int count = 0;
    for (;;) {
        char *end = NULL;
        errno = 0;
        long cpu = strtol(cursor, &end, 10);
        if (end == cursor || errno != 0 || cpu < 0 || cpu >= CPU_SETSIZE) return -1;
        CPU_SET((int)cpu, set);
        count += 1;
        if (*end == '\0') return count > 0 ? 0 : -1;
        if (*end != ',') return -1;
        cursor = end + 1;
    }
}

int main(int argc, char **argv) {
    const char *directory = NULL;
    const char *cpus = NULL;
    while (argc >= 3 && (strcmp(argv[1], "--chdir") == 0 || strcmp(argv[1], "--cpus") == 0)) {
        if (strcmp(argv[1], "--chdir") == 0) directory = argv[2]; else cpus = argv[2];
        argv += 2;
        argc -= 2;
    }
    cpu_set_t wanted;
    if (argc < 2 || (cpus != NULL && parse_cpus(cpus, &wanted) != 0)) {
        fprintf(stderr, "usage: bpbench-launch [--chdir DIR] [--cpus N[,N...]] PROGRAM [ARG...]\n");
        return 64;
    }
    int control = fcntl(CONTROL_FD, F_GETFD) == -1 ? STDERR_FILENO : CONTROL_FD;
    if (control == CONTROL_FD) fcntl(CONTROL_FD, F_SETFD, FD_CLOEXEC);

    /* If the harness dies (even by SIGKILL), take the scenario down with us: no orphans. */
    pid_t harness = getppid();
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != harness) return 70;

    pid_t self = getpid();
    pid_t child = fork();
    if (child < 0) {
        dprintf(control, "spawn-error %d fork\n", errno);
        return 71;
    }
    if (child == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (getppid() != self) _exit(70);
        if (directory != NULL && chdir(directory) != 0) {
            int failure = errno;
            dprintf(control, "spawn-error %d chdir\n", failure);
            dprintf(STDERR_FILENO, "bpbench-launch: cannot enter %s: %s\n", directory, strerror(failure));
            _exit(127);
        }
        if (cpus != NULL) {
            cpu_set_t granted;
            int failure = 0;
            if (sched_setaffinity(0, sizeof wanted, &wanted) != 0) failure = errno;
            else if (sched_getaffinity(0, sizeof granted, &granted) != 0) failure = errno;
            else if (!CPU_EQUAL(&granted, &wanted)) failure = EINVAL; /* narrowed by a cpuset: not the set asked for */
            if (failure != 0) {
                dprintf(control, "spawn-error %d affinity\n", failure);
                dprintf(STDERR_FILENO, "bpbench-launch: cannot pin to CPUs %s: %s\n", cpus, strerror(failure));
                _exit(127);
            }
        }
        execv(argv[1], argv + 1);
        int failure = errno;
        dprintf(control, "spawn-error %d exec\n", failure);
        errno = failure;
        dprintf(STDERR_FILENO, "bpbench-launch: cannot execute %s: %s\n", argv[1], strerror(errno));
        _exit(127);
    }
    close(RESULT_FD); /* only the scenario holds the result channel, so EOF means it is gone */
    dprintf(control, "pid %d\n", (int)child);

    int status = 0;
    struct rusage usage;
    memset(&usage, 0, sizeof usage);
    while (wait4(child, &status, 0, &usage) < 0) {
        if (errno != EINTR) {
            dprintf(control, "spawn-error %d wait\n", errno);
            return 71;
        }
    }
    dprintf(control, "exit %d %ld %ld.%06ld %ld.%06ld %ld %ld %ld %ld\n", status, usage.ru_maxrss,
            (long)usage.ru_utime.tv_sec, (long)usage.ru_utime.tv_usec,
            (long)usage.ru_stime.tv_sec, (long)usage.ru_stime.tv_usec,
            usage.ru_nvcsw, usage.ru_nivcsw, usage.ru_minflt, usage.ru_majflt);
    return 0;
}
