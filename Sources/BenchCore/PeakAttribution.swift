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

    public var row: String
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

    public init(row: String, scale: Double, repeatIndex: Int, profile: String, profiledAllocatedBytes: Int?, peakAllocatedBytes: Int, totalBytes: Int, stacks: [Stack]) {
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
    public static func mallocConf(lgSample: Int) -> String { "prof:true,prof_active:true,prof_accum:false,lg_prof_sample:\(lgSample)" }

    /// Frames that say nothing about the strategy: the allocator and the runtime's allocation entry points.
    static let allocatorFrames = ["je_", "prof_", "imalloc", "malloc", "calloc", "realloc", "posix_memalign", "aligned_alloc",
                                  "operator new", "swift_slowAlloc", "swift_allocObject", "swift_allocBox", "_swift_", "__libc_", "_start", "0x"]

    /// Containers and runtime plumbing between the code that decided to hold memory and the
    /// allocator: shown in the flame graph, left out of the table's short stacks.
    static let plumbingFrames = ["Array.", "Array<", "ContiguousArray", "_ContiguousArrayBuffer", "static Array", "specialized Array", "static _ContiguousArrayBuffer",
                                 "Collection.", "Sequence.", "Dictionary", "_Native", "Set.", "swift::", "std::", "_dl_", "call_init", "__",
                                 "ByteBuffer._", "static ByteBuffer._", "specialized ByteBuffer.", "ByteBuffer.write", "Result", "specialized Result",
                                 "partial apply", "thunk", "static ManagedBuffer", "specialized static ManagedBuffer"]

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
        allocatorFrames.contains { frame.hasPrefix($0) } || plumbingFrames.contains { frame.hasPrefix($0) || frame.hasPrefix("specialized " + $0) }
    }

    /// `Foo.bar(_:)<00000000001888d0>` → `Foo.bar(_:)`: jeprof appends the address to symbols it
    /// resolved by address only.
    public static func strippingAddress(_ frame: Substring) -> String {
        // jeprof marks frames the compiler inlined; the table does not need to say so.
        let frame = frame.hasSuffix("[inline]") ? frame.dropLast("[inline]".count) : frame
        guard frame.hasSuffix(">"), let open = frame.lastIndex(of: "<"),
              frame[frame.index(after: open)..<frame.index(before: frame.endIndex)].allSatisfy(\.isHexDigit) else { return String(frame) }
        return String(frame[..<open])
    }

    /// Runs `jeprof --collapsed` on `profile` against `executable` and demangles the frames.
    /// Nil (with the reason) when jeprof is missing or fails.
    public static func analyze(profile: String, executable: String, row: String, scale: Double, repeatIndex: Int,
                               relativeTo runDirectory: String, profiledAllocatedBytes: Int?, peakAllocatedBytes: Int) -> Result<PeakAttribution, AttributionError> {
        guard let jeprof = ExternalCommand.resolve("jeprof", in: "/") else {
            return .failure(AttributionError(message: "jeprof is not installed (Debian: libjemalloc-dev)"))
        }
        let collapsed = run(jeprof, ["--collapsed", "--show_bytes", executable, profile])
        guard collapsed.status == 0, !collapsed.output.isEmpty else {
            return .failure(AttributionError(message: "jeprof failed on \(profile): \(collapsed.error.split(separator: "\n").last ?? "")"))
        }
        let demangled = demangle(collapsed.output)
        var stacks: [Stack] = []
        for line in demangled.split(separator: "\n") {
            guard let space = line.lastIndex(of: " "), let bytes = Int(line[line.index(after: space)...]), bytes > 0 else { continue }
            stacks.append(Stack(frames: line[..<space].split(separator: ";").map(strippingAddress), bytes: bytes))
        }
        stacks.sort { $0.bytes > $1.bytes }
        let relative = profile.hasPrefix(runDirectory + "/") ? String(profile.dropFirst(runDirectory.count + 1)) : profile
        return .success(PeakAttribution(
            row: row, scale: scale, repeatIndex: repeatIndex, profile: relative, profiledAllocatedBytes: profiledAllocatedBytes,
            peakAllocatedBytes: peakAllocatedBytes, totalBytes: stacks.reduce(0) { $0 + $1.bytes }, stacks: stacks))
    }

    /// Attributes each row's peak: at the row's largest scale, the ok repeat with the highest
    /// peak allocated that left a profile, symbolized against its scenario's executable.
    public static func collect(_ document: RunDocument, entries: [ScenarioCatalog.Entry], runDirectory: String) -> (attributions: [PeakAttribution], problems: [String]) {
        var attributions: [PeakAttribution] = []
        var problems: [String] = []
        var rows: [String] = []
        for record in document.records where !rows.contains(record.scenario) { rows.append(record.scenario) }
        for row in rows {
            let records = document.records.filter { $0.scenario == row }
            guard let scale = records.map(\.scale).max() else { continue }
            let candidates = records.filter { $0.scale == scale && $0.status == .ok && $0.observed.heapProfile != nil }
            guard let chosen = candidates.max(by: { $0.peaks.allocated < $1.peaks.allocated }), let profile = chosen.observed.heapProfile else {
                problems.append("\(row): no heap profile (only Swift children on jemalloc are attributed, and only ok repeats)")
                continue
            }
            let scenario = ScenarioVariant.scenario(ofRow: row)
            guard case .built(let executable)? = entries.first(where: { $0.name == scenario })?.launch else { continue }
            switch analyze(profile: profile, executable: executable, row: row, scale: scale, repeatIndex: chosen.repeatIndex, relativeTo: runDirectory,
                           profiledAllocatedBytes: chosen.metrics["profile_allocated_bytes"].map { Int($0) }, peakAllocatedBytes: chosen.peaks.allocated) {
            case .success(let attribution): attributions.append(attribution)
            case .failure(let error): problems.append("\(row): \(error.message)")
            }
        }
        return (attributions, problems)
    }

    /// Swift symbols in `text`, demangled in the simplified form (`swift demangle` from the
    /// toolchain); the text unchanged when it is not available.
    static func demangle(_ text: String) -> String {
        guard let swift = ExternalCommand.resolve("swift-demangle", in: "/") ?? ExternalCommand.resolve("swift", in: "/") else { return text }
        let arguments = (swift as NSString).lastPathComponent == "swift" ? ["demangle", "--simplified"] : ["--simplified"]
        let result = run(swift, arguments, input: text)
        return result.status == 0 && !result.output.isEmpty ? result.output : text
    }

    static func run(_ executable: String, _ arguments: [String], input: String? = nil) -> (status: Int32, output: String, error: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let output = Pipe()
        let errors = Pipe()
        let stdin = Pipe()
        process.standardOutput = output
        process.standardError = errors
        process.standardInput = input == nil ? FileHandle.nullDevice : stdin
        do { try process.run() } catch { return (-1, "", "\(error)") }
        let writer = Thread {
            if let input { stdin.fileHandleForWriting.write(Data(input.utf8)) }
            try? stdin.fileHandleForWriting.close()
        }
        writer.start()
        nonisolated(unsafe) var errorText = ""
        let errorReader = Thread { errorText = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self) }
        errorReader.start()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        while !errorReader.isFinished { usleep(1000) }
        return (process.terminationStatus, text, errorText)
    }
}

/// Why a row has no attribution.
public struct AttributionError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public init(message: String) { self.message = message }
    public var description: String { message }
}
