import BenchSystem
import Foundation

/// The CPUs a run's children are pinned to, and the thread counts that follow from them: the
/// launcher sets the scenario's affinity (`sched_setaffinity`) before it execs, so the scenario
/// and every process it starts run there, and the Swift children's NIO singletons get one event
/// loop and one blocking-pool thread per pinned CPU.
///
/// Why: unpinned, a child's parallelism is the host's — NIO makes one event loop per core, so an
/// 8-core CI runner's heap peaks, in-flight gauges and throughput are not a 2-core laptop's, and a
/// baseline recorded on one is no reference for the other (issue 25). Pinned to the same number
/// of CPUs, both give the children the same parallelism; the count is recorded in each run
/// (``HostEnvironment/childCPUs``) and a baseline recorded with another count is not judged against
/// (``HostEnvironment/figureInputs``).
public struct ChildCPUs: Sendable, Equatable, Codable, CustomStringConvertible {
    /// The CPU numbers, ascending, each once.
    public let cpus: [Int]

    /// How many CPUs the default set has: this project's reference machine has 2 cores, so 2
    /// keeps its figures what they were unpinned there, and an 8-core runner gives its children
    /// the same 2 CPUs' worth of parallelism.
    public static let standardCount = 2

    /// `cpus`, sorted and without repeats; nil when empty.
    public init?(_ cpus: [Int]) {
        let sorted = Array(Set(cpus)).sorted()
        guard !sorted.isEmpty, sorted.allSatisfy({ $0 >= 0 }) else { return nil }
        self.cpus = sorted
    }

    public init(from decoder: Decoder) throws {
        let cpus = try decoder.singleValueContainer().decode([Int].self)
        guard let set = ChildCPUs(cpus) else {
            throw DecodingError.dataCorrupted(
                .init(codingPath: decoder.codingPath, debugDescription: "a CPU set needs at least one CPU number ≥ 0"))
        }
        self = set
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(cpus)
    }

    public var count: Int { cpus.count }

    /// The set in the kernel's list syntax, ranges folded: "0-1", "0,2-3".
    public var description: String { Self.listSyntax(cpus) }

    /// The launcher's `--cpus` argument: every number, comma-separated.
    package var launcherArgument: String { cpus.map(String.init).joined(separator: ",") }

    /// What the child's environment gets so its thread counts follow the pinned set, not the
    /// host: NIO sizes its singleton event-loop group and blocking pool from `System.coreCount`,
    /// which reads cgroups and `sysconf`, never the affinity mask — pinned to one CPU on this
    /// 2-core machine it would still start two loops.
    public var environment: [String: String] {
        [Self.loopCountVariable: String(count), Self.blockingPoolVariable: String(count)]
    }

    /// NIO's singleton `MultiThreadedEventLoopGroup` size.
    public static let loopCountVariable = "NIO_SINGLETON_GROUP_LOOP_COUNT"
    /// NIO's singleton blocking thread pool size (`NIOFileSystem` reads files on it).
    public static let blockingPoolVariable = "NIO_SINGLETON_BLOCKING_POOL_THREAD_COUNT"

    /// The default: the first ``standardCount`` CPUs of `allowed` (all of them when there are
    /// fewer); nil when the allowed set cannot be read.
    public static func standard(allowed: [Int]? = allowedCPUs()) -> ChildCPUs? {
        allowed.flatMap { ChildCPUs(Array($0.sorted().prefix(standardCount))) }
    }

    /// `--cpus`: a CPU list as `taskset -c` and cpusets write it ("0,1", "0-3", "0,2-3"), or
    /// `all` (every CPU the harness may run on); nil gives ``standard(allowed:)``. Every CPU must
    /// be one the harness may run on: the kernel would silently drop the others from the mask.
    public static func resolve(_ spec: String?, allowed: [Int]? = allowedCPUs()) throws(BenchError) -> ChildCPUs {
        guard let allowed, let everything = ChildCPUs(allowed) else {
            throw BenchError(
                .software, "cannot read the CPUs this process may run on (Cpus_allowed_list in /proc/self/status)")
        }
        guard let spec else { return standard(allowed: allowed) ?? everything }
        if spec == "all" { return everything }
        guard let numbers = parseList(spec), let set = ChildCPUs(numbers) else {
            throw BenchError(.usage, "--cpus takes a CPU list such as 0,1 or 0-3, or all; got '\(spec)'")
        }
        let outside = set.cpus.filter { !everything.cpus.contains($0) }
        guard outside.isEmpty else {
            throw BenchError(
                .usage,
                "--cpus \(spec): CPU \(listSyntax(outside)) is not one this process may run on (allowed: \(everything))"
            )
        }
        return set
    }

    /// The numbers of a list like "0,2-3", or nil when it is not one.
    static func parseList(_ text: String) -> [Int]? {
        var numbers: [Int] = []
        for part in text.split(separator: ",", omittingEmptySubsequences: false) {
            let bounds = part.split(separator: "-", omittingEmptySubsequences: false).map {
                Int($0.trimmingCharacters(in: .whitespaces))
            }
            switch bounds.count {
            case 1:
                guard let single = bounds[0], single >= 0 else { return nil }
                numbers.append(single)
            case 2:
                guard let low = bounds[0], let high = bounds[1], low >= 0, low <= high, high < 65_536 else {
                    return nil
                }
                numbers += Array(low...high)
            default:
                return nil
            }
        }
        return numbers.isEmpty ? nil : numbers
    }

    /// Ascending numbers in list syntax, consecutive runs folded into ranges.
    static func listSyntax(_ numbers: [Int]) -> String {
        var parts: [String] = []
        var index = 0
        while index < numbers.count {
            var end = index
            while end + 1 < numbers.count, numbers[end + 1] == numbers[end] + 1 { end += 1 }
            parts.append(end == index ? String(numbers[index]) : "\(numbers[index])-\(numbers[end])")
            index = end + 1
        }
        return parts.joined(separator: ",")
    }

    /// The CPUs this process may run on (its affinity mask, as the kernel lists it in
    /// /proc/self/status — inside a container or under `taskset`, fewer than the host has).
    public static func allowedCPUs(status path: String = "/proc/self/status") -> [Int]? {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8),
            let line = text.split(separator: "\n").first(where: { $0.hasPrefix("Cpus_allowed_list:") })
        else { return nil }
        return parseList(String(line.dropFirst("Cpus_allowed_list:".count)).trimmingCharacters(in: .whitespaces))
    }
}
