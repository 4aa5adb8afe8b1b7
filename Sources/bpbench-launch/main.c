/*
 * bpbench-launch [--chdir DIR] PROGRAM [ARG...]
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
 * Control protocol on fd 4, one line each (documented and parsed in BenchCore/LauncherMessage.swift):
 *   "pid <pid>"                                   after fork
 *   "spawn-error <errno> fork|exec|wait"          the scenario could not be started or waited for
 *   "exit <wait-status> <ru_maxrss-KiB> <user-s> <system-s> <nvcsw> <nivcsw> <minflt> <majflt>"   after wait4
 * fd 3 (the scenario's result channel) and stdout/stderr pass through to PROGRAM untouched; fd 4
 * is close-on-exec, so only a failed exec can still report on it.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

enum { CONTROL_FD = 4, RESULT_FD = 3 };

int main(int argc, char **argv) {
    const char *directory = NULL;
    if (argc >= 3 && strcmp(argv[1], "--chdir") == 0) {
        directory = argv[2];
        argv += 2;
        argc -= 2;
    }
    if (argc < 2) {
        fprintf(stderr, "usage: bpbench-launch [--chdir DIR] PROGRAM [ARG...]\n");
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
