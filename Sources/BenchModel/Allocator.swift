/// The allocator a Swift scenario child allocates through (`bpbench run --allocator`).
///
/// Swift children link jemalloc: it is what the in-child figures (allocated, resident, …) read.
/// `system` preloads `libBPBenchSystemMalloc.so`, which routes malloc and its family to glibc's
/// own, so the same binary runs on the system allocator: its in-child figures are then absent and
/// the parent's (RSS, the kernel's peak, CPU, throughput) compare the two. Measuring allocators
/// move figures by themselves (package-benchmark's users saw ±50 % timing shifts from one); this
/// makes the shift visible instead of assumed.
public enum Allocator: String, Sendable, Codable, CaseIterable {
    case jemalloc
    case system

    /// The file name of the preload library SwiftPM builds next to the executables.
    public static let systemLibraryName = "libBPBenchSystemMalloc.so"

    /// Parses `--allocator`: `jemalloc`, `system`, or `both` (each repeat on each, interleaved).
    public static func parse(_ text: String) -> [Allocator]? {
        if text == "both" { return [.jemalloc, .system] }
        return Allocator(rawValue: text).map { [$0] }
    }
}
