import BenchModel
import BenchProtocol
import Foundation

/// The execution side of ``PeakAttribution``: jeprof and the demangler run as processes, so
/// they live here and the attribution itself stays a plain record in the model.
extension PeakAttribution {
    /// Runs `jeprof --collapsed` on `profile` against `executable` and demangles the frames.
    /// Nil (with the reason) when jeprof is missing or fails.
    public static func analyze(
        profile: String, executable: String, row: RowID, scale: Double, repeatIndex: Int,
        relativeTo runDirectory: String, profiledAllocatedBytes: Int?, peakAllocatedBytes: Int
    ) -> Result<PeakAttribution, AttributionError> {
        guard let jeprof = ExternalCommand.resolve("jeprof", in: "/") else {
            return .failure(AttributionError(message: "jeprof is not installed (Debian: libjemalloc-dev)"))
        }
        let collapsed = run(jeprof, ["--collapsed", "--show_bytes", executable, profile])
        guard collapsed.status == 0, !collapsed.output.isEmpty else {
            return .failure(
                AttributionError(
                    message: "jeprof failed on \(profile): \(collapsed.error.split(separator: "\n").last ?? "")"))
        }
        let demangled = demangle(collapsed.output)
        var stacks: [Stack] = []
        for line in demangled.split(separator: "\n") {
            guard let space = line.lastIndex(of: " "), let bytes = Int(line[line.index(after: space)...]), bytes > 0
            else { continue }
            stacks.append(Stack(frames: line[..<space].split(separator: ";").map(strippingAddress), bytes: bytes))
        }
        stacks.sort { $0.bytes > $1.bytes }
        let relative =
            profile.hasPrefix(runDirectory + "/") ? String(profile.dropFirst(runDirectory.count + 1)) : profile
        return .success(
            PeakAttribution(
                row: row, scale: scale, repeatIndex: repeatIndex, profile: relative,
                profiledAllocatedBytes: profiledAllocatedBytes,
                peakAllocatedBytes: peakAllocatedBytes, totalBytes: stacks.reduce(0) { $0 + $1.bytes }, stacks: stacks))
    }

    /// Attributes each row's peak: at the row's largest scale, the ok repeat with the highest
    /// peak allocated that left a profile, symbolized against its scenario's executable.
    public static func collect(
        _ document: RunDocument, entries: [ScenarioEntry], runDirectory: String
    ) -> (attributions: [PeakAttribution], problems: [String]) {
        var attributions: [PeakAttribution] = []
        var problems: [String] = []
        var rows: [RowID] = []
        for record in document.records where !rows.contains(record.scenario) { rows.append(record.scenario) }
        for row in rows {
            let records = document.records.filter { $0.scenario == row }
            guard let scale = records.map(\.scale).max() else { continue }
            let candidates = records.filter { $0.scale == scale && $0.status == .ok && $0.observed.heapProfile != nil }
            guard let chosen = candidates.max(by: { $0.peaks.allocated < $1.peaks.allocated }),
                let profile = chosen.observed.heapProfile
            else {
                problems.append(
                    "\(row): no heap profile (only Swift children on jemalloc are attributed, and only ok repeats)")
                continue
            }
            guard case .built(let executable)? = entries.first(where: { $0.name == row.scenario })?.launch else {
                continue
            }
            switch analyze(
                profile: profile, executable: executable, row: row, scale: scale, repeatIndex: chosen.repeatIndex,
                relativeTo: runDirectory,
                profiledAllocatedBytes: chosen.metrics["profile_allocated_bytes"].map { Int($0) },
                peakAllocatedBytes: chosen.peaks.allocated)
            {
            case .success(let attribution): attributions.append(attribution)
            case .failure(let error): problems.append("\(row): \(error.message)")
            }
        }
        return (attributions, problems)
    }

    /// Swift symbols in `text`, demangled in the simplified form (`swift demangle` from the
    /// toolchain); the text unchanged when it is not available.
    static func demangle(_ text: String) -> String {
        guard
            let swift = ExternalCommand.resolve("swift-demangle", in: "/") ?? ExternalCommand.resolve("swift", in: "/")
        else { return text }
        let arguments =
            (swift as NSString).lastPathComponent == "swift" ? ["demangle", "--simplified"] : ["--simplified"]
        let result = run(swift, arguments, input: text)
        return result.status == 0 && !result.output.isEmpty ? result.output : text
    }

    static func run(
        _ executable: String, _ arguments: [String], input: String? = nil
    ) -> (status: Int32, output: String, error: String) {
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
        let errorReader = Thread {
            errorText = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        }
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
    public var description: String { message }
    public init(message: String) { self.message = message }
}
