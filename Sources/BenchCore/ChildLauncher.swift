import BenchModel
import BenchProtocol

#if canImport(Glibc)
import Glibc
#endif

/// The OS layer of a child run: starts `bpbench-launch [--chdir DIR] [--cpus LIST] PROGRAM ARGS…` with the
/// result channel on fd 3, the launcher's control channel on fd 4, stdout+stderr into one pipe and
/// stdin from /dev/null, in a process group of its own; with `cpus`, the launcher pins the program
/// to them (``ChildCPUs``).
struct ChildLauncher {
    /// The started launcher and the parent's ends of its pipes.
    struct Started {
        let launcherPID: pid_t
        let resultFD: Int32
        let controlFD: Int32
        let outputFD: Int32
    }

    struct SpawnError: Error, CustomStringConvertible {
        let description: String
    }

    let launcherPath: String

    func start(
        program: String, arguments: [String], environment: [String: String], workingDirectory: String? = nil,
        cpus: ChildCPUs? = nil
    ) throws(SpawnError) -> Started {
        let result = try Self.pipe()
        let control = try Self.pipe()
        let output = try Self.pipe()
        defer { for fd in [result.write, control.write, output.write] { close(fd) } }

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, output.write, 1)
        posix_spawn_file_actions_adddup2(&actions, output.write, 2)
        posix_spawn_file_actions_adddup2(&actions, result.write, ResultProtocol.fd)
        posix_spawn_file_actions_adddup2(&actions, control.write, 4)

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        // Own process group (so an interrupt can stop launcher and scenario together), default
        // signal handling and an empty mask (the harness's own choices must not leak in).
        var defaults = sigset_t()
        sigfillset(&defaults)
        var emptyMask = sigset_t()
        sigemptyset(&emptyMask)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setsigmask(&attributes, &emptyMask)
        posix_spawnattr_setpgroup(&attributes, 0)
        posix_spawnattr_setflags(
            &attributes, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))

        let argv =
            [launcherPath] + (workingDirectory.map { ["--chdir", $0] } ?? [])
            + (cpus.map { ["--cpus", $0.launcherArgument] } ?? [])
            + [program] + arguments
        let envp = environment.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
        var pid: pid_t = 0
        let status = withCStrings(argv) { cArgv in
            withCStrings(envp) { cEnvp in
                posix_spawn(&pid, launcherPath, &actions, &attributes, cArgv, cEnvp)
            }
        }
        guard status == 0 else {
            for fd in [result.read, control.read, output.read] { close(fd) }
            throw SpawnError(description: "cannot start \(launcherPath): \(String(cString: strerror(status)))")
        }
        return Started(launcherPID: pid, resultFD: result.read, controlFD: control.read, outputFD: output.read)
    }

    /// A close-on-exec pipe whose ends sit above fd 9, so `dup2` onto 0–4 always really moves
    /// them (a dup2 onto itself would keep close-on-exec set).
    private static func pipe() throws(SpawnError) -> (read: Int32, write: Int32) {
        var fds: [Int32] = [0, 0]
        guard Glibc.pipe(&fds) == 0 else { throw SpawnError(description: "pipe: \(String(cString: strerror(errno)))") }
        let read = fcntl(fds[0], F_DUPFD_CLOEXEC, 10)
        let write = fcntl(fds[1], F_DUPFD_CLOEXEC, 10)
        close(fds[0])
        close(fds[1])
        guard read >= 0, write >= 0 else { throw SpawnError(description: "fcntl: \(String(cString: strerror(errno)))") }
        return (read, write)
    }
}

/// Calls `body` with a NULL-terminated C array of `strings`.
func withCStrings<R>(_ strings: [String], _ body: ([UnsafeMutablePointer<CChar>?]) -> R) -> R {
    let pointers = strings.map { strdup($0) } + [nil]
    defer { for pointer in pointers { free(pointer) } }
    return body(pointers)
}
