import Foundation

/// Where and with what a run was measured; printed in every report so numbers are never
/// compared without their context.
public struct HostEnvironment: Codable, Sendable, Equatable {
    public var cpu: String
    public var cores: Int
    public var memoryBytes: Int
    public var kernel: String
    public var os: String
    public var swiftVersion: String
    public var jemallocVersion: String
    /// The jemalloc options the children reported in force.
    public var mallocConf: String
    /// MALLOC_CONF as set in the harness's environment, if any.
    public var mallocConfEnvironment: String?
    public var gitCommit: String
    public var hostname: String

    /// Reads the machine; `jemalloc` comes from the first child's hello, once a child has run.
    public static func capture(projectRoot: String) -> HostEnvironment {
        let cpuinfo = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
        let cpu = cpuinfo.split(separator: "\n").first { $0.hasPrefix("model name") }
            .map { String($0.split(separator: ":", maxSplits: 1).last ?? "").trimmingCharacters(in: .whitespaces) } ?? "unknown"
        var name = utsname()
        uname(&name)
        let kernel = withUnsafeBytes(of: &name.release) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        let osRelease = (try? String(contentsOfFile: "/etc/os-release", encoding: .utf8)) ?? ""
        let os = osRelease.split(separator: "\n").first { $0.hasPrefix("PRETTY_NAME=") }
            .map { $0.dropFirst("PRETTY_NAME=".count).trimmingCharacters(in: CharacterSet(charactersIn: "\"")) } ?? "unknown"
        let swift = (command("swift", ["--version"]) ?? "unknown").split(separator: "\n").first.map(String.init) ?? "unknown"
        var commit = command("git", ["-C", projectRoot, "rev-parse", "--short=12", "HEAD"]) ?? "unknown"
        if let dirty = command("git", ["-C", projectRoot, "status", "--porcelain", "--untracked-files=no"]), !dirty.isEmpty { commit += "-dirty" }
        return HostEnvironment(
            cpu: cpu, cores: ProcessInfo.processInfo.activeProcessorCount,
            memoryBytes: Int(ProcessInfo.processInfo.physicalMemory), kernel: kernel, os: os,
            swiftVersion: swift, jemallocVersion: "unknown", mallocConf: "unknown",
            mallocConfEnvironment: ProcessInfo.processInfo.environment["MALLOC_CONF"],
            gitCommit: commit, hostname: ProcessInfo.processInfo.hostName)
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
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { return nil }
        return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
