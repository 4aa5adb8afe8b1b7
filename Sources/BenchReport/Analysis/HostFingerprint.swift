import BenchModel

/// The machine a run was measured on, as far as two runs' figures may be set side by side:
/// host name, CPU model, core count, RAM and the CPUs the children were pinned to, from the run's
/// ``HostEnvironment``.
///
/// Why these and not the kernel, the OS or the commit: the point of `bpbench compare` is a
/// before/after on one machine — a new commit, a kernel upgrade, a jemalloc option are the very
/// changes compared, so they are listed beside the figures, not refused. Another machine's
/// throughput and RSS floor are its own (a 2-core VM against a laptop differs by more than any
/// change measured here), so runs with different fingerprints are refused unless the reader
/// forces them. A container's host name changes per container: forcing is the way to compare
/// two CI jobs.
public struct HostFingerprint: Sendable, Equatable, CustomStringConvertible {
    public var hostname: String
    public var cpu: String
    public var cores: Int
    public var memoryBytes: Int
    /// The children's CPU set (nil: recorded before pinning, the children had every core): two
    /// runs pinned differently ran their children with different parallelism on the same host.
    public var childCPUs: ChildCPUs?

    public init(_ environment: HostEnvironment) {
        hostname = environment.hostname
        cpu = environment.cpu
        cores = environment.cores
        memoryBytes = environment.memoryBytes
        childCPUs = environment.childCPUs
    }

    public var description: String {
        "\(hostname) (\(cpu), \(cores) cores, \(Format.bytes(Double(memoryBytes))) RAM\(childCPUs.map { ", children on CPU \($0)" } ?? ""))"
    }

    /// What differs between two fingerprints, in words ("cores 2 → 8"); empty when they match.
    public func differences(to other: HostFingerprint) -> [String] {
        var differences: [String] = []
        if hostname != other.hostname { differences.append("host \(hostname) → \(other.hostname)") }
        if cpu != other.cpu { differences.append("CPU \(cpu) → \(other.cpu)") }
        if cores != other.cores { differences.append("cores \(cores) → \(other.cores)") }
        if memoryBytes != other.memoryBytes {
            differences.append("RAM \(Format.bytes(Double(memoryBytes))) → \(Format.bytes(Double(other.memoryBytes)))")
        }
        if let mine = childCPUs, let theirs = other.childCPUs, mine != theirs {
            differences.append("children's CPUs \(mine) → \(theirs)")
        }
        return differences
    }
}
