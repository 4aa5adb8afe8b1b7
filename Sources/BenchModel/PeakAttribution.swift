import BenchProtocol
import Foundation

/// Where a row's peak heap was (`bpbench run --attribute`): the allocation stacks that held the
/// most bytes in the heap profile the child dumped at its peak (``PeakProfiler`` in the child),
/// symbolized by `jeprof` and demangled. Kept in run.json, so a report can be rebuilt without
/// re-running `jeprof`; the profile file stays in the run folder for anyone to re-open.
public struct PeakAttribution: Codable, Sendable, Equatable {
    /// One allocation stack: frames from the outermost caller to the allocating call, and the
    /// bytes it held (jemalloc's sampled estimate).
    public struct Stack: Codable, Sendable, Equatable {
        public var frames: [String]
        public var bytes: Int

        public init(frames: [String], bytes: Int) {
            self.frames = frames
            self.bytes = bytes
        }
    }

    public var row: RowID
    public var scale: Double
    public var repeatIndex: Int
    /// The profile, relative to the run folder.
    public var profile: String
    /// The allocated bytes when the profile was dumped, and the row's peak: how close it is.
    public var profiledAllocatedBytes: Int?
    public var peakAllocatedBytes: Int
    /// Bytes in all stacks (the sampled estimate of the profiled heap).
    public var totalBytes: Int
    /// Every stack, largest first (the flame graph draws them all).
    public var stacks: [Stack]

    public init(
        row: RowID, scale: Double, repeatIndex: Int, profile: String, profiledAllocatedBytes: Int?,
        peakAllocatedBytes: Int, totalBytes: Int, stacks: [Stack]
    ) {
        self.row = row
        self.scale = scale
        self.repeatIndex = repeatIndex
        self.profile = profile
        self.profiledAllocatedBytes = profiledAllocatedBytes
        self.peakAllocatedBytes = peakAllocatedBytes
        self.totalBytes = totalBytes
        self.stacks = stacks
    }

    /// How many samples apart jemalloc records an allocation, as 2^n bytes on average: 2^19 =
    /// 512 KiB, so a 16 KiB chunk is caught with probability ~3 % and a 700 MiB buffer of chunks is
    /// estimated within a few percent, while a run pays a backtrace only every 512 KiB allocated.
    public static let lgSample = 19

    /// The `MALLOC_CONF` additions that turn profiling on in a child.
    public static var mallocConf: String { mallocConf(lgSample: lgSample) }

    /// The same with another sampling period (2^`lgSample` bytes): `check`'s what-grew repeats
    /// sample finer, as they diff two profiles (``lgSample``'s 512 KiB leaves a 1.8 MiB change
    /// ~3.5 samples).
    public static func mallocConf(lgSample: Int) -> String {
        "prof:true,prof_active:true,prof_accum:false,lg_prof_sample:\(lgSample)"
    }

    /// Frames that say nothing about the strategy: the allocator and the runtime's allocation entry points.
    static let allocatorFrames = [
        "je_", "prof_", "imalloc", "malloc", "calloc", "realloc", "posix_memalign", "aligned_alloc",
        "operator new", "swift_slowAlloc", "swift_allocObject", "swift_allocBox", "_swift_", "__libc_", "_start", "0x",
    ]

    /// Containers and runtime plumbing between the code that decided to hold memory and the
    /// allocator: shown in the flame graph, left out of the table's short stacks.
    static let plumbingFrames = [
        "Array.", "Array<", "ContiguousArray", "_ContiguousArrayBuffer", "static Array", "specialized Array",
        "static _ContiguousArrayBuffer",
        "Collection.", "Sequence.", "Dictionary", "_Native", "Set.", "swift::", "std::", "_dl_", "call_init", "__",
        "ByteBuffer._", "static ByteBuffer._", "specialized ByteBuffer.", "ByteBuffer.write", "Result",
        "specialized Result",
        "partial apply", "thunk", "static ManagedBuffer", "specialized static ManagedBuffer",
    ]

    /// The frames worth showing of a stack: the innermost few below the allocator and the
    /// containers' own plumbing.
    public static func telling(_ frames: [String], count: Int = 4) -> [String] {
        let meaningful = frames.filter { !isPlumbing($0) }
        // A stack of nothing but plumbing (static initializers at start-up) still names its innermost frame.
        return meaningful.isEmpty ? Array(frames.suffix(1)) : Array(meaningful.suffix(count))
    }

    /// Whether `frame` is the allocator's, the runtime's allocation entry points or a container's
    /// plumbing: nothing a strategy decided.
    public static func isPlumbing(_ frame: String) -> Bool {
        allocatorFrames.contains { frame.hasPrefix($0) }
            || plumbingFrames.contains { frame.hasPrefix($0) || frame.hasPrefix("specialized " + $0) }
    }

    /// `Foo.bar(_:)<00000000001888d0>` → `Foo.bar(_:)`: jeprof appends the address to symbols it
    /// resolved by address only.
    public static func strippingAddress(_ frame: Substring) -> String {
        // jeprof marks frames the compiler inlined; the table does not need to say so.
        let frame = frame.hasSuffix("[inline]") ? frame.dropLast("[inline]".count) : frame
        guard frame.hasSuffix(">"), let open = frame.lastIndex(of: "<"),
            frame[frame.index(after: open)..<frame.index(before: frame.endIndex)].allSatisfy(\.isHexDigit)
        else { return String(frame) }
        return String(frame[..<open])
    }
}
