import Foundation

/// One line of the launcher's control channel (fd 4 of `bpbench-launch`), parsed.
///
/// The protocol, version 1 — one ASCII line each, space-separated, in this order:
///
/// | line | when | meaning |
/// |---|---|---|
/// | `pid <pid>` | after fork | the scenario's pid: the parent samples `/proc/<pid>` from now on |
/// | `spawn-error <errno> <stage>` | fork, chdir or exec failed (`stage` = `fork`, `chdir`, `exec`, `wait`) | the scenario never ran (or cannot be waited for) |
/// | `exit <wait-status> <ru_maxrss KiB> <user s> <system s>` | after `wait4` | how it ended, from the kernel |
///
/// A failed exec sends `spawn-error` from the forked child (fd 4 is close-on-exec, so only a
/// failed exec can still write it), then the launcher reports that child's `exit 127`.
/// Anything else on the channel is ignored, so the protocol can grow.
enum LauncherMessage: Equatable {
    case pid(pid_t)
    case spawnError(errno: Int32, stage: String)
    case exit(waitStatus: Int32, maxRssKiB: Int, userS: Double, systemS: Double)

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
            guard fields.count == 5, let status = Int32(fields[1]), let maxRss = Int(fields[2]),
                  let user = Double(fields[3]), let system = Double(fields[4]) else { return nil }
            self = .exit(waitStatus: status, maxRssKiB: maxRss, userS: user, systemS: system)
        default:
            return nil
        }
    }

    /// A `spawn-error` in words, for the row's status detail.
    static func spawnErrorDetail(errno code: Int32, stage: String) -> String {
        "\(stage) failed: \(String(cString: strerror(code)))"
    }
}
