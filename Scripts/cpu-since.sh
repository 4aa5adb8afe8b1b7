# Sourced by .ci/run and Scripts/test-e2e.sh: where a phase's wall clock went on the machine's
# cores, from /proc/stat (every core, every process, in CPU-seconds). Issue 24: the same fresh-clone
# CI took 614–720 s, and wall clock alone cannot say whether a slow phase did more work, waited on
# one job while a core idled, or lost the CPU to the disk or the hypervisor.
#
#   mark=$(cpu_now)            a /proc/stat `cpu` line, taken when the phase begins
#   cpu_since "$mark"          "  B busy  I idle  W iowait  S steal" (CPU-s since the mark): busy is
#                              user + nice + system + irq + softirq; steal is the hypervisor's
cpu_now() { head -1 /proc/stat 2>/dev/null || echo "cpu 0 0 0 0 0 0 0 0"; }
cpu_since() {
    awk -v hz="$(getconf CLK_TCK 2>/dev/null || echo 100)" -v a="$1" -v b="$(cpu_now)" 'BEGIN {
        split(a, x); split(b, y)
        printf "%5.0f busy %5.0f idle %4.0f iowait %4.0f steal\n", \
            (y[2] + y[3] + y[4] + y[7] + y[8] - x[2] - x[3] - x[4] - x[7] - x[8]) / hz, \
            (y[5] - x[5]) / hz, (y[6] - x[6]) / hz, (y[9] - x[9]) / hz }'
}

# The CPU of what the calling shell ran, from bash's `times` (its children's user + system, every
# descendant that was waited for): beside the machine's busy CPU it says how much of a phase was
# this CI's own work and how much another process's on the same cores. `times` must run in the
# shell itself (a `$(…)` subshell has no children yet), so it is written to a file:
#   times > FILE-A; …; times > FILE-B; own_between FILE-A FILE-B    → CPU-s, a number
own_between() {
    awk 'function s(v,  m) { m = index(v, "m"); return substr(v, 1, m - 1) * 60 + substr(v, m + 1, length(v) - m - 1) }
        FNR == 2 { total[FILENAME == ARGV[1] ? 1 : 2] = s($1) + s($2) }
        END { printf "%.0f\n", total[2] - total[1] }' "$1" "$2"
}
