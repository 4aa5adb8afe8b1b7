import BenchModel
import BenchSystem
import Foundation

/// Reading this machine for a run's ``HostEnvironment`` (and the revision a plan is made at):
/// it runs `swift`, `git`, `pkg-config` and `pg_config` as processes, so it lives with the
/// execution side and the environment itself stays a plain record in the model.
extension HostEnvironment {
    /// Reads the machine, with the CPUs the run pins its children to; `jemalloc` comes from the
    /// first child's hello, once a child has run.
    public static func capture(projectRoot: String, childCPUs: ChildCPUs? = nil) -> HostEnvironment {
        let cpuinfo = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
        let cpu =
            cpuinfo.split(separator: "\n").first { $0.hasPrefix("model name") }
            .map { String($0.split(separator: ":", maxSplits: 1).last ?? "").trimmingCharacters(in: .whitespaces) }
            ?? "unknown"
        var name = utsname()
        uname(&name)
        let kernel = withUnsafeBytes(of: &name.release) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        let osRelease = (try? String(contentsOfFile: "/etc/os-release", encoding: .utf8)) ?? ""
        let os =
            osRelease.split(separator: "\n").first { $0.hasPrefix("PRETTY_NAME=") }
            .map { $0.dropFirst("PRETTY_NAME=".count).trimmingCharacters(in: CharacterSet(charactersIn: "\"")) }
            ?? "unknown"
        let swift =
            (command("swift", ["--version"]) ?? "unknown").split(separator: "\n").first.map(String.init) ?? "unknown"
        let commit = self.commit(at: projectRoot) ?? "unknown"
        var limits: [String: String] = [:]
        for name in socketBufferSysctls {
            let path = "/proc/sys/" + name.replacingOccurrences(of: ".", with: "/")
            if let text = try? String(contentsOfFile: path, encoding: .utf8) {
                limits[name] = text.split(whereSeparator: \.isWhitespace).joined(separator: " ")
            }
        }
        var environment = HostEnvironment(
            cpu: cpu, cores: ProcessInfo.processInfo.activeProcessorCount,
            memoryBytes: Int(ProcessInfo.processInfo.physicalMemory), kernel: kernel, os: os,
            swiftVersion: swift, jemallocVersion: "unknown", mallocConf: "unknown",
            mallocConfEnvironment: ProcessInfo.processInfo.environment["MALLOC_CONF"],
            gitCommit: commit, hostname: ProcessInfo.processInfo.hostName)
        environment.socketBufferLimits = limits.isEmpty ? nil : limits
        environment.sqliteVersion =
            command("pkg-config", ["--modversion", "sqlite3"])
            ?? command("sqlite3", ["--version"])?.split(separator: " ").first.map(String.init)
        environment.postgresVersion = command("pg_config", ["--version"]) ?? command("postgres", ["--version"])
        environment.childCPUs = childCPUs
        environment.eventLoops = childCPUs?.count
        return environment
    }

    /// The commit of the git checkout whose top is `root` (`-dirty` with uncommitted changes), or
    /// nil when `root` is not the top of one (a folder inside another checkout is not its code).
    static func commit(ofCheckout root: String) -> String? {
        let resolved = { (path: String) in URL(fileURLWithPath: path).resolvingSymlinksInPath().path }
        guard let top = command("git", ["-C", root, "rev-parse", "--show-toplevel"]), resolved(top) == resolved(root)
        else { return nil }
        return commit(at: root)
    }

    /// The commit checked out where `path` is (`-dirty` with uncommitted changes), nil outside git.
    static func commit(at path: String) -> String? {
        guard var commit = command("git", ["-C", path, "rev-parse", "--short=12", "HEAD"]) else { return nil }
        if let dirty = command("git", ["-C", path, "status", "--porcelain", "--untracked-files=no"]), !dirty.isEmpty {
            commit += "-dirty"
        }
        return commit
    }

    /// Runs a tool and returns its trimmed stdout, or nil if it is missing or fails.
    static func command(_ name: String, _ arguments: [String]) -> String? {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [name] + arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return nil }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExitPromptly()
        guard process.terminationStatus == 0 else { return nil }
        return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}

extension PlanFile {
    /// The revision of the checkout at `projectRoot`: `BPBENCH_REVISION` when set (an image built
    /// without `.git`), else git's, `-dirty` with uncommitted changes.
    public static func currentRevision(
        projectRoot: String, environment: [String: String] = ProcessInfo.processInfo.environment
    ) -> String {
        if let given = environment["BPBENCH_REVISION"], !given.isEmpty { return given }
        return HostEnvironment.capture(projectRoot: projectRoot).gitCommit
    }
}

extension RunDocument {
    /// The document of a run about to start: the plan's settings, this machine, the scenario
    /// binaries when they are not `projectRoot`'s build (`binDirectory`), every row's claims,
    /// which rows scale in time, and the reference row (`reference`, else the scenario that
    /// declares itself the reference).
    public init(
        plan: RunPlan, entries: [ScenarioEntry], limits: ChildLimits, projectRoot: String,
        binDirectory: String? = nil, reference: RowID? = nil
    ) {
        var environment = HostEnvironment.capture(projectRoot: projectRoot, childCPUs: limits.cpus)
        environment.scenarioBinaries = binDirectory.flatMap {
            ScenarioBinaries.of(
                binDirectory: $0, projectRoot: projectRoot, commitOf: HostEnvironment.commit(ofCheckout:))
        }
        self.init(
            startedAt: Self.timestamp(), profile: plan.profile.rawValue, repeats: plan.repeats, warmups: plan.warmups,
            scales: plan.scales, limits: limits, environment: environment)
        if plan.repeatPolicy.isAdaptive {
            (maxRepeats, repeatCeiling) = (plan.repeatPolicy.maximum, plan.repeatPolicy.ceiling)
        }
        var traits: [String: RowTraits] = [:]
        for entry in entries {
            claims.merge(RowID.claims(of: entry.description, profile: plan.profile.rawValue)) { $1 }
            traits.merge(RowTraits.rows(of: entry.description, profile: plan.profile.rawValue)) { $1 }
        }
        rowTraits = traits
        growsWithTimeRows = Self.timeRows(entries, profile: plan.profile)
        self.reference =
            reference ?? entries.first { $0.description.isReference == true }.map { RowID(scenario: $0.name) }
    }
}
