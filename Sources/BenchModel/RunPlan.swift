import BenchProtocol
import BenchSystem

/// What `bpbench run` was asked to do, after validation: which scenarios, with which resolved
/// parameters, at which scales, how many times.
public struct RunPlan: Sendable {
    /// One child to start.
    public struct Step: Sendable {
        public var entry: ScenarioEntry
        public var scale: Double
        /// 0 for the warm-up (run, shown, not recorded), then 1…repeats.
        public var repeatIndex: Int
        public var parameters: [(String, String)]
        /// The variant this step runs (nil: the scenario's own defaults).
        public var variant: String? = nil
        /// Kill the child with SIGKILL this many seconds after it starts (the crash test).
        public var killAfterS: Double? = nil
        /// The allocator the child allocates through (``Allocator``).
        public var allocator: Allocator = .jemalloc
        public var isWarmup: Bool { repeatIndex == 0 }

        /// One step made outside a plan (`check`'s profiled repeat of a recorded row).
        public init(
            entry: ScenarioEntry, scale: Double, repeatIndex: Int, parameters: [(String, String)],
            variant: String? = nil,
            allocator: Allocator = .jemalloc
        ) {
            self.entry = entry
            self.scale = scale
            self.repeatIndex = repeatIndex
            self.parameters = parameters
            self.variant = variant
            self.allocator = allocator
        }
        /// The row it reports under: its scenario, variant and allocator.
        public var row: RowID { RowID(scenario: entry.name, variant: variant, allocator: allocator) }
    }

    public var profile: Profile
    /// Recorded repeats at the smallest and largest scale — the minimum when adaptive.
    public var repeats: Int
    /// Fixed (`repeats` each), or adaptive up to a maximum (``RepeatPolicy``).
    public var repeatPolicy: RepeatPolicy
    public var warmups: Int
    public var scales: [Double]
    public var steps: [Step]
    /// Whether the rows' repeats alternate (``interleave()``) instead of running row after row.
    public private(set) var isInterleaved = false

    /// Builds the plan; every parameter is validated here, before any child starts.
    ///
    /// - Parameter overrides: `NAME.key=value` applies to scenario NAME; a bare `key=value`
    ///   applies to every selected scenario that declares `key` (and is an error if none does).
    /// - Parameter allocators: each repeat runs once per allocator, interleaved (only Swift
    ///   scenarios can change allocator; another program runs once, on its own).
    /// - Parameter maxRepeats: with a larger value than `repeats`, adaptive repeats: the runner
    ///   adds repeats at the end scales, up to this many, while its ``RepeatRule`` asks for them.
    /// - Parameter rows: the rows `--scenario` named, per scenario; a scenario without an entry
    ///   runs every row its profile runs.
    public init(
        entries: [ScenarioEntry], profile: Profile, repeats: Int, maxRepeats: Int? = nil, warmups: Int,
        scales: [Double], overrides: [String],
        allocators: [Allocator] = [.jemalloc], rows selection: [String: RowSelection] = [:]
    ) throws(BenchError) {
        guard repeats >= 1 else { throw BenchError(.usage, "--repeat must be at least 1, got \(repeats)") }
        if let maxRepeats, maxRepeats < repeats {
            throw BenchError(.usage, "--max-repeats (\(maxRepeats)) must be at least --min-repeats (\(repeats))")
        }
        guard warmups >= 0 else { throw BenchError(.usage, "--warmup must be 0 or more, got \(warmups)") }
        guard !scales.isEmpty, scales.allSatisfy({ $0 > 0 && $0.isFinite }) else {
            throw BenchError(.usage, "--scale takes positive factors, e.g. 1,4")
        }
        self.profile = profile
        self.repeats = repeats
        repeatPolicy = RepeatPolicy(minimum: repeats, maximum: maxRepeats ?? repeats)
        self.warmups = warmups
        self.scales = scales

        var perScenario: [String: [String: String]] = [:]
        for override in overrides {
            guard let equals = override.firstIndex(of: "="), equals != override.startIndex else {
                throw BenchError(.usage, "--param takes NAME.key=value or key=value, got '\(override)'")
            }
            let key = String(override[..<equals])
            let value = String(override[override.index(after: equals)...])
            if let dot = key.firstIndex(of: "."),
                entries.contains(where: { $0.name == key[..<dot] })
                    || !entries.contains(where: { $0.description.parameter(named: key) != nil })
            {
                let scenario = String(key[..<dot])
                guard entries.contains(where: { $0.name == scenario }) else {
                    throw BenchError(.usage, "--param \(override): '\(scenario)' is not a selected scenario")
                }
                perScenario[scenario, default: [:]][String(key[key.index(after: dot)...])] = value
            } else {
                let takers = entries.filter { $0.description.parameter(named: key) != nil }
                guard !takers.isEmpty else {
                    throw BenchError(.usage, "--param \(override): no selected scenario has a parameter '\(key)'")
                }
                for entry in takers { perScenario[entry.name, default: [:]][key] = value }
            }
        }

        var steps: [Step] = []
        for entry in entries {
            let variants: [ScenarioVariant?] =
                selection[entry.name]?.rows(of: entry.description, profile: profile.rawValue)
                ?? [nil] + entry.description.variants(for: profile.rawValue).map { Optional($0) }
            let rows: [(String?, [String: String])] = variants.map { ($0?.name, $0?.parameters ?? [:]) }
            for (variant, settings) in rows {
                let base: [(String, String)]
                do {
                    // The variant's settings on the profile's defaults; the user's --param on top.
                    base = try entry.description.resolve(
                        profile: profile.rawValue, overrides: settings.merging(perScenario[entry.name] ?? [:]) { $1 })
                } catch {
                    throw BenchError(.usage, "\(RowID(scenario: entry.name, variant: variant)): \(error)")
                }
                for (scaleIndex, scale) in scales.enumerated() {
                    let scaled = try Self.scaled(base, by: scale, entry: entry)
                    let usable: [Allocator]
                    if case .built = entry.launch { usable = allocators } else { usable = [.jemalloc] }
                    // The warm-up (page cache, dynamic loader, the input file made) runs once per
                    // row, before its first scale: the next scales find the machine warm.
                    for repeatIndex
                        in (warmups > 0 && scaleIndex == 0 ? 0 : 1)...Self.repeatCount(repeats, at: scale, of: scales)
                    {
                        for allocator in usable {
                            steps.append(
                                Step(
                                    entry: entry, scale: scale, repeatIndex: repeatIndex, parameters: scaled,
                                    variant: variant, allocator: allocator))
                        }
                    }
                }
            }
        }
        self.steps = steps
    }

    /// Reorders the steps so the rows take turns: every row's warm-up, then repeat 1 of each row
    /// at the first scale, repeat 2 of each, …, then the next scale. Why: a ratio between two rows
    /// (manual-drain over pipeline-copy) is only a property of the strategies when a drift in the
    /// machine's load falls on both alike — row after row, a neighbour's burst lands on one.
    public mutating func interleave() {
        let rows = steps.reduce(into: [RowID]()) { rows, step in if !rows.contains(step.row) { rows.append(step.row) }
        }
        let scaleOrder = Dictionary(scales.enumerated().map { ($1, $0) }, uniquingKeysWith: { first, _ in first })
        steps = steps.enumerated().sorted { a, b in
            let left = (
                scaleOrder[a.element.scale] ?? 0, a.element.repeatIndex, rows.firstIndex(of: a.element.row) ?? 0,
                a.offset
            )
            let right = (
                scaleOrder[b.element.scale] ?? 0, b.element.repeatIndex, rows.firstIndex(of: b.element.row) ?? 0,
                b.offset
            )
            return left < right
        }.map(\.element)
        // Warm-ups first: every row meets a warm machine at its first recorded repeat.
        steps = steps.filter(\.isWarmup) + steps.filter { !$0.isWarmup }
        isInterleaved = true
    }

    /// The plan's steps cut into rows (one scenario and variant, every scale and allocator of it),
    /// in plan order: the unit a ``RepeatRule`` settles.
    public var rowGroups: [[Step]] {
        // Interleaved: one group, so every row's repeats alternate (and extensions come in rounds).
        if isInterleaved { return steps.isEmpty ? [] : [steps] }
        var groups: [[Step]] = []
        for step in steps {
            if let last = groups.last?.last, last.entry.name == step.entry.name, last.variant == step.variant {
                groups[groups.count - 1].append(step)
            } else {
                groups.append([step])
            }
        }
        return groups
    }

    /// The scales that adaptive repeats may extend: the smallest and the largest (the growth test
    /// compares them, claims and the gate read them); those between keep ``interiorRepeats``.
    public var extensibleScales: [Double] {
        guard let smallest = scales.min(), let largest = scales.max() else { return [] }
        return smallest == largest ? [smallest] : [smallest, largest]
    }

    /// Scales strictly between the smallest and the largest feed only the growth fit's slope (the
    /// verdict's significance test compares the two ends, and claims read the largest), so they
    /// run at most this many repeats.
    public static let interiorRepeats = 2

    /// Recorded repeats at `scale`: all of them at the smallest and largest scale, at most
    /// ``interiorRepeats`` between.
    public static func repeatCount(_ repeats: Int, at scale: Double, of scales: [Double]) -> Int {
        guard let smallest = scales.min(), let largest = scales.max(), scale != smallest, scale != largest else {
            return repeats
        }
        return min(repeats, interiorRepeats)
    }

    /// Multiplies the scenario's scale parameter (e.g. `items`) by `factor`.
    static func scaled(
        _ parameters: [(String, String)], by factor: Double, entry: ScenarioEntry
    ) throws(BenchError) -> [(String, String)] {
        guard factor != 1 else { return parameters }
        guard let name = entry.description.scaleParameter, let spec = entry.description.parameter(named: name) else {
            throw BenchError(.usage, "\(entry.name) has no scale parameter, so --scale cannot resize it")
        }
        var result = parameters
        for index in result.indices where result[index].0 == name {
            switch try? spec.parse(result[index].1) {
            case .integer(let value)?:
                let scaledValue = (Double(value) * factor).rounded()
                guard scaledValue < 9e18 else {
                    throw BenchError(.usage, "\(entry.name): \(name) × \(factor) is too large")
                }
                result[index].1 = String(Int(scaledValue))
            case .real(let value)?:
                // A duration (in seconds) or a number: scaled as a real, written back in seconds.
                result[index].1 = String(value * factor) + (spec.kind == .duration ? "s" : "")
            default:
                continue
            }
            do { _ = try spec.parse(result[index].1) } catch {
                throw BenchError(.usage, "\(entry.name): at scale \(factor), \(error)")
            }
        }
        return result
    }
}
