import Foundation

/// One line of the launcher's control channel (fd 4 of `bpbench-launch`), parsed.
///
/// The protocol, version 1 — one ASCII line each, space-separated, in this order:
///
/// | line | when | meaning |
/// |---|---|---|
/// | `pid <pid>` | after fork | the scenario's pid: the parent samples `/proc/<pid>` from now on |
/// | `spawn-error <errno> <stage>` | fork, chdir, pinning or exec failed (`stage` = `fork`, `chdir`, `affinity`, `exec`, `wait`) | the scenario never ran (or cannot be waited for) |
/// | `exit <wait-status> <ru_maxrss KiB> <user s> <system s> [<nvcsw> <nivcsw> <minflt> <majflt>]` | after `wait4` | how it ended, from the kernel (context switches and page faults since version 2) |
///
/// A failed exec (or chdir, or `sched_setaffinity` to the `--cpus` set) sends `spawn-error` from the forked child (fd 4 is close-on-exec, so only a
/// failed exec can still write it), then the launcher reports that child's `exit 127`.
/// Anything else on the channel is ignored, so the protocol can grow.
enum LauncherMessage: Equatable {
    case pid(pid_t)
    case spawnError(errno: Int32, stage: String)
    case exit(waitStatus: Int32, maxRssKiB: Int, userS: Double, systemS: Double, counts: KernelCounts?)

    /// The rest of `wait4`'s rusage: the child's (and its reaped descendants') context switches
    /// and page faults.
    struct KernelCounts: Equatable {
        var voluntaryContextSwitches: Int
        var involuntaryContextSwitches: Int
        var minorFaults: Int
        var majorFaults: Int
    }

    init?(line: String) {
        let fields = line.split(separator: " ").map(String.init)
        switch fields.first {
        case "pid":
            guard fields.count == 2, let pid = pid_t(fields[1]) else { return nil }
            self = .pid(pid)
        case "spawn-error":
            guard fields.count >= 2, let code = Int32(fields[1]) else { return nil }
            self = .spawnError(errno: code, stage: fields.count > 2 ? fields[2] : "fork")
        case "exit":
            guard fields.count == 5 || fields.count == 9, let status = Int32(fields[1]), let maxRss = Int(fields[2]),
                let user = Double(fields[3]), let system = Double(fields[4])
            else { return nil }
            var counts: KernelCounts?
            if fields.count == 9 {
                let numbers = fields[5...].compactMap { Int($0) }
                guard numbers.count == 4 else { return nil }
                counts = KernelCounts(
                    voluntaryContextSwitches: numbers[0], involuntaryContextSwitches: numbers[1],
                    minorFaults: numbers[2], majorFaults: numbers[3])
            }
            self = .exit(waitStatus: status, maxRssKiB: maxRss, userS: user, systemS: system, counts: counts)
        default:
            return nil
        }
    }

    /// A `spawn-error` in words, for the row's status detail.
    static func spawnErrorDetail(errno code: Int32, stage: String) -> String {
        let step = stage == "affinity" ? "pinning to the run's CPU set (sched_setaffinity)" : stage
        return "\(step) failed: \(String(cString: strerror(code)))"
    }
}
