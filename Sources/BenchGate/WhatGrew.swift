import BenchModel
import BenchProtocol
import BenchReport
import Foundation

/// `check`'s answer to "what grew?" for one regressed row and scale: one heap-profiled repeat
/// per side (head and base revision, ``WhatGrewProfiler``), each the heap at its peak by
/// allocation stack (jemalloc's sampled profile, `jeprof --collapsed`, demangled), and their
/// difference — the stacks whose bytes grew most, written under the finding in `check.md` and
/// drawn as a flame graph of the positive difference.
///
/// Why the collapsed stacks are diffed and not `jeprof --base`: `--base` subtracts one profile
/// from another by address against *one* executable, but head and base are two builds (the base
/// revision's binaries under `.build/ab/`), whose addresses differ — the frames' demangled names
/// are what the two have in common. The profiled repeats are not judged: the verdict is the
/// gate's, and a profile that cannot be made (jeprof missing, a non-Swift row, a child that
/// crashed under profiling) is one line, never a changed verdict.
public struct WhatGrew: Codable, Sendable, Equatable {
    /// What came of the profiling.
    public enum Outcome: String, Codable, Sendable {
        /// Both sides profiled: ``grew`` is head − base.
        case diffed
        /// The head alone (no base revision in the job): ``grew`` is what the head holds at its
        /// peak, not a difference.
        case headOnly = "head-only"
        /// No profile (``problem`` says why).
        case notProfiled = "not-profiled"
    }

    /// Bytes of one short stack: the scenario's own frames, outermost first (harness, runtime,
    /// allocator and container frames trimmed), the change (or, head-only, the bytes held) and
    /// each side's bytes.
    public struct Growth: Codable, Sendable, Equatable {
        public var frames: [String]
        public var bytes: Int
        public var headBytes: Int
        public var baseBytes: Int?

        public init(frames: [String], bytes: Int, headBytes: Int, baseBytes: Int?) {
            self.frames = frames
            self.bytes = bytes
            self.headBytes = headBytes
            self.baseBytes = baseBytes
        }
    }

    /// The row (`scenario` or `scenario/variant`) and scale profiled.
    public var row: RowID
    public var scale: Double
    /// The findings it stands under (their metrics: `peak_allocated_bytes`, `memory_verdict`…).
    public var metrics: [String]
    public var outcome: Outcome
    /// Why there is no profile, or what the head-only profile lacks (one line).
    public var problem: String?
    /// The profiles, relative to the check folder.
    public var headProfile: String?
    public var baseProfile: String?
    /// Bytes in each side's sampled stacks.
    public var headTotalBytes: Int?
    public var baseTotalBytes: Int?
    /// The sampling period, 2^n bytes: changes smaller than about one period are noise.
    public var sampleLg: Int
    /// The short stacks that grew most (head-only: held most), largest first.
    public var grew: [Growth]
    /// The flame graph of the difference, in the check folder.
    public var flameGraph: String?
    /// Wall time of the profiled repeats and their symbolization.
    public var seconds: Double
    /// The CPUs the profiled children were pinned to (the check's `--cpus`; absent in a record
    /// written before they were).
    public var cpus: ChildCPUs?

    public init(
        row: RowID, scale: Double, metrics: [String], outcome: Outcome, problem: String? = nil, sampleLg: Int,
        grew: [Growth] = [], seconds: Double = 0
    ) {
        self.row = row
        self.scale = scale
        self.metrics = metrics
        self.outcome = outcome
        self.problem = problem
        self.sampleLg = sampleLg
        self.grew = grew
        self.seconds = seconds
    }

    /// How many short stacks `check.md` lists.
    public static let listed = 5

    /// The sampling period of the what-grew repeats: 2^16 = 64 KiB, so a 1.8 MiB change is ~29
    /// samples (±19 %) instead of the ~3.5 of `run --attribute`'s 512 KiB.
    public static let sampleLg = 16

    /// The smallest change listed: two sampling periods — below it one sample more or fewer on
    /// either side (a stack sampled at random) makes the figure; larger stacks need more
    /// (``growth(head:base:floor:period:)``).
    public var noiseBytes: Int { 2 << sampleLg }

    // MARK: Diffing

    /// `head` − `base` per identical stack (frames compared by name, unresolved addresses as one
    /// unknown frame): the stacks that grew, with their positive growth, for the flame graph.
    public static func grownStacks(
        head: [PeakAttribution.Stack], base: [PeakAttribution.Stack]
    ) -> [PeakAttribution.Stack] {
        var bytes: [[String]: Int] = [:]
        var order: [[String]] = []
        for (stacks, sign) in [(head, 1), (base, -1)] {
            for stack in stacks {
                let frames = stack.frames.map(normalized)
                if bytes[frames] == nil { order.append(frames) }
                bytes[frames, default: 0] += sign * stack.bytes
            }
        }
        return order.compactMap { frames in
            bytes[frames].flatMap { $0 > 0 ? PeakAttribution.Stack(frames: frames, bytes: $0) : nil }
        }
        .sorted { $0.bytes > $1.bytes }
    }

    /// The short stacks (``shortStack(_:)``) whose bytes grew from `base` to `head`, largest
    /// first, those above `floor` and beyond sampling noise only; with no `base`, what `head` holds.
    ///
    /// Sampling noise: jemalloc records an allocation smaller than the period `period` with
    /// probability ~size/period and counts it as `period` bytes, so a stack's estimate is a
    /// Poisson count of periods — variance ≈ bytes × period. A change counts when it passes two
    /// standard errors of the difference, 2·√(period·(head + base)): measured on the grow-site
    /// fixture, `Ledger.keep` (400 KiB kept on both sides) came out +129 KiB between two profiled
    /// repeats, under its 2 SE of 446 KiB, while `AuditTrail.record` (0 → 2.9 MiB) passes its 872 KiB.
    /// Conservative for large allocations (always sampled, exact).
    public static func growth(
        head: [PeakAttribution.Stack], base: [PeakAttribution.Stack]?, floor: Int, period: Int = 0
    ) -> [Growth] {
        var headBytes: [[String]: Int] = [:]
        var baseBytes: [[String]: Int] = [:]
        for stack in head { headBytes[shortStack(stack.frames), default: 0] += stack.bytes }
        for stack in base ?? [] { baseBytes[shortStack(stack.frames), default: 0] += stack.bytes }
        let keys = Set(headBytes.keys).union(baseBytes.keys)
        return keys.compactMap { key -> Growth? in
            let now = headBytes[key] ?? 0
            let before = baseBytes[key] ?? 0
            let change = base == nil ? now : now - before
            let noise = base == nil ? 0 : 2 * (Double(period) * Double(now + before)).squareRoot()
            return change > floor && Double(change) > noise
                ? Growth(frames: key, bytes: change, headBytes: now, baseBytes: base == nil ? nil : baseBytes[key] ?? 0)
                : nil
        }
        .sorted { $0.bytes != $1.bytes ? $0.bytes > $1.bytes : $0.frames.lexicographicallyPrecedes($1.frames) }
    }

    /// Frames of the harness (ScenarioKit's driver, sampler and recorders), the Swift runtime,
    /// threads and the standard library's copying: the same on both sides, and not what a
    /// scenario author changed. Kept in the flame graph, left out of the one-line stacks.
    static let harnessFrames = [
        "ScenarioMain", "ScenarioContext", "MemorySampler", "LatencyRecorder", "Histogram", "ResultChannel",
        "PeakProfiler",
        "SamplerCadence", "Gauge", "StreamVerifier", "Checksum", "protocol witness", "ArraySlice", "_copy", "Unsafe",
        "String", "Substring", "swift", "clone", "start_thread", "_dispatch", "Foundation", "Data.", "Task.", "Task<",
        "?",
    ]

    /// The scenario's own innermost frames of a stack (at most three), outermost first, in their
    /// short names (``displayName(_:)``): `RetainFixture.run → AuditTrail.record`.
    public static func shortStack(_ frames: [String]) -> [String] {
        var names: [String] = []
        for frame in frames where !PeakAttribution.isPlumbing(frame) {
            let name = displayName(frame)
            guard !name.isEmpty, !harnessFrames.contains(where: { name.hasPrefix($0) }),
                !PeakAttribution.isPlumbing(name)
            else { continue }
            if names.last != name { names.append(name) }
        }
        if names.isEmpty { return frames.last.map { [displayName($0)] } ?? [] }
        return Array(names.suffix(3))
    }

    /// A demangled frame in the few words a reader needs: no `specialized`/`static`/`merged`
    /// marks, no async resume or closure wrapper, no generic or argument lists —
    /// `specialized static JobPool.makeJob<A>(_:)` → `JobPool.makeJob`.
    public static func displayName(_ frame: String) -> String {
        var name = Substring(normalized(frame))
        if name.hasPrefix("("), let close = name.firstIndex(of: ")"), let forRange = name.range(of: " function for ") {
            // `(1) await resume partial function for Foo.bar()`
            if forRange.lowerBound > close { name = name[forRange.upperBound...] }
        }
        var stripped = true
        while stripped {
            stripped = false
            for prefix in ["specialized ", "static ", "merged ", "generic ", "implicit "] where name.hasPrefix(prefix) {
                name = name.dropFirst(prefix.count)
                stripped = true
            }
            if name.hasPrefix("closure #"), let range = name.range(of: " in ") {
                name = name[range.upperBound...]
                stripped = true
            }
        }
        if let open = name.firstIndex(of: "("), open != name.startIndex { name = name[..<open] }
        var result = ""
        var depth = 0
        for character in name {
            if character == "<" {
                depth += 1
            } else if character == ">" {
                depth = max(0, depth - 1)
            } else if depth == 0 {
                result.append(character)
            }
        }
        return result.trimmingCharacters(in: .whitespaces)
    }

    /// A frame as compared between two builds: jeprof's `[inline]` mark and resolved address
    /// gone, an unresolved address (`0x…`) one unknown frame.
    static func normalized(_ frame: String) -> String {
        frame.hasPrefix("0x") ? "?" : PeakAttribution.strippingAddress(Substring(frame))
    }

    // MARK: check.md

    /// The lines under the finding in `check.md` (indented as a sub-list).
    public func markdownLines() -> [String] {
        let label = "\(row) \(Format.scale(scale))"
        let sampled = "sampled 1 allocation per \(Format.bytes(Double(1 << sampleLg))) on average"
        let timing = String(format: "%.1f s", seconds) + (cpus.map { " on CPU \($0)" } ?? "")
        switch outcome {
        case .notProfiled:
            return ["  - what grew: not profiled — \(problem ?? "no profile")"]
        case .headOnly:
            var lines = [
                "  - what grew: not diffed — \(problem ?? "no base revision ran in this job; the diff needs check --against REV"). "
                    + "The head's heap at its peak, by stack (\(Format.bytes(Double(headTotalBytes ?? 0))) sampled, \(sampled); one profiled repeat, \(timing)"
                    + (flameGraph.map { "; [flame graph](\($0))" } ?? "") + "):"
            ]
            for growth in grew.prefix(Self.listed) {
                lines.append(
                    "    - \(label): \(Format.bytes(Double(growth.bytes))) held in \(growth.frames.joined(separator: " → "))"
                )
            }
            return lines
        case .diffed:
            let totals =
                "heap at the peak \(Format.bytes(Double(baseTotalBytes ?? 0))) → \(Format.bytes(Double(headTotalBytes ?? 0))) in sampled stacks"
            var lines = [
                "  - what grew (head − base, one heap-profiled repeat a side, \(timing); \(totals), \(sampled)"
                    + (flameGraph.map { "; [flame graph of the growth](\($0))" } ?? "") + "):"
            ]
            if grew.isEmpty {
                lines.append(
                    "    - no stack grew beyond sampling noise (two standard errors, and at least \(Format.bytes(Double(noiseBytes)))) between the profiled repeats"
                )
            }
            for growth in grew.prefix(Self.listed) {
                lines.append(
                    "    - \(label): +\(Format.bytes(Double(growth.bytes))) in \(growth.frames.joined(separator: " → ")) "
                        + "(\(Format.bytes(Double(growth.baseBytes ?? 0))) → \(Format.bytes(Double(growth.headBytes))))"
                )
            }
            return lines
        }
    }
}
