import BenchCore
import BenchModel
import BenchProtocol
import BenchSystem
import Foundation

/// What `bpbench run` was asked to plan — every option that shapes a plan (and `plan`, which
/// takes run's options), as values — with the checks each option's text gets before anything runs.
///
/// The defaults here are the command line's defaults (the CLI declares its options with them), so
/// "was this option given" (``planShapingOption(allowing:)``) compares against one place.
package struct RunSettings: Equatable, Sendable {
    /// `--scenario`: NAME, NAME/VARIANT or NAME/* (empty: all).
    package var scenarios: [String] = []
    package var profile = Profile.standard.rawValue
    /// `--repeat`: a fixed count (nil: adaptive).
    package var repeats: Int?
    package var minRepeats: Int?
    package var maxRepeats: Int?
    /// Adaptive repeats' target: the median's interval within ± this many percent.
    package var ciWidth: Double = 5
    /// That interval's confidence level, in percent.
    package var ciLevel: Double = 90
    package var warmup = 1
    /// `--scale`: factors separated by commas, as typed.
    package var scale = "1"
    /// `--param`: NAME.key=value or key=value.
    package var parameters: [String] = []
    package var sampleIntervalMs: Double = 1
    package var timelineIntervalMs: Double = 10
    /// `--memory-cap`, as typed (e.g. 2GiB).
    package var memoryCap = "2GiB"
    package var timeout: Double = 300
    package var reference: RowID?
    /// `--allocator`: jemalloc, system or both.
    package var allocator = "jemalloc"
    package var interleave = false
    package var includeFixtures = false
    /// `--crash-test N`: kills of the single durable scenario.
    package var crashTest: Int?
    /// `--cpus`, as typed (nil: a plan file's set, else the default).
    package var cpus: String?
    package var sharding = ShardRequest()

    package init() {}

    /// The command line's defaults.
    package static let defaults = RunSettings()

    /// The smallest cap that lets a child run at all: an idle child (fixture-allocate with
    /// megabytes=0) peaked at 24.3–24.5 MiB of RSS here, a scenario's runtime floor is 25–30 MiB; a
    /// cap below 32 MiB can only produce memory-cap rows.
    package static let smallestUsefulCap = 32 << 20

    /// `--repeat N` (fixed), else adaptive between `--min-repeats` and `--max-repeats`, as
    /// ``RepeatPolicy/run(profile:repeats:minimum:maximum:)`` decides; the CI flags checked first.
    package func repeatPolicy(_ profile: Profile) throws(BenchError) -> RepeatPolicy {
        // The precision rule's settings matter only to an adaptive policy (`--repeat` fixes it).
        if repeats == nil {
            guard ciWidth > 0, ciWidth < 100 else {
                throw BenchError(.usage, "--ci-width takes a percentage between 0 and 100 (exclusive), got \(ciWidth)")
            }
            guard ciLevel >= 50, ciLevel < 100 else {
                throw BenchError(.usage, "--ci-level takes a percentage from 50 to below 100, got \(ciLevel)")
            }
        }
        return try RepeatPolicy.run(profile: profile, repeats: repeats, minimum: minRepeats, maximum: maxRepeats)
    }

    /// The children's limits from the sampling, timeline, timeout and cap options, pinned to `--cpus`.
    package func limits() throws(BenchError) -> ChildLimits {
        var limits = ChildLimits()
        // Below 0.1 ms the sampler's own tick (~25 µs for jemalloc's epoch, more for /proc) would
        // be most of what the child's cores do; above 1 s it would miss every peak that matters.
        guard sampleIntervalMs == 0 || (0.1...1000).contains(sampleIntervalMs) else {
            throw BenchError(
                .usage, "--sample-interval-ms takes 0 (in-child sampler off) or 0.1–1000 ms, got \(sampleIntervalMs)")
        }
        guard timelineIntervalMs >= 1, timelineIntervalMs.isFinite else {
            throw BenchError(.usage, "--timeline-interval-ms must be ≥ 1")
        }
        guard timeout > 0, timeout.isFinite else {
            throw BenchError(.usage, "--timeout must be a positive number of seconds")
        }
        limits.sampleIntervalMs = sampleIntervalMs
        limits.timelineIntervalMs = timelineIntervalMs
        limits.timeoutS = timeout
        do {
            limits.memoryCapBytes = try ValueParser.bytes(memoryCap, parameter: "--memory-cap")
        } catch {
            throw BenchError(.usage, "--memory-cap must be a size such as 2GiB, got '\(memoryCap)'")
        }
        guard limits.memoryCapBytes >= Self.smallestUsefulCap else {
            throw BenchError(
                .usage,
                "--memory-cap \(memoryCap) is below what an idle scenario child needs (\(Self.smallestUsefulCap >> 20) MiB: runtime, NIO threads, binary); every row would end memory-cap"
            )
        }
        try limits.pinChildren(to: cpus)
        return limits
    }

    /// `--scale` as factors: positive, finite, at least one.
    package func scales() throws(BenchError) -> [Double] {
        let parts = scale.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        let values = parts.compactMap(Double.init)
        guard !parts.isEmpty, values.count == parts.count, values.allSatisfy({ $0 > 0 && $0.isFinite }) else {
            throw BenchError(.usage, "--scale takes positive factors separated by commas, e.g. 1,4; got '\(scale)'")
        }
        return values
    }

    /// The first option given that shapes a plan (a shard of a plan file, or a check's plan, has
    /// its shape fixed), `allowing` aside.
    package func planShapingOption(allowing allowed: Set<String> = []) -> String? {
        let standard = Self.defaults
        let shaping: [(option: String, given: Bool)] = [
            ("--scenario", scenarios != standard.scenarios), ("--profile", profile != standard.profile),
            ("--repeat", repeats != standard.repeats), ("--min-repeats", minRepeats != standard.minRepeats),
            ("--max-repeats", maxRepeats != standard.maxRepeats), ("--ci-width", ciWidth != standard.ciWidth),
            ("--ci-level", ciLevel != standard.ciLevel), ("--warmup", warmup != standard.warmup),
            ("--scale", scale != standard.scale), ("--param", parameters != standard.parameters),
            ("--sample-interval-ms", sampleIntervalMs != standard.sampleIntervalMs),
            ("--timeline-interval-ms", timelineIntervalMs != standard.timelineIntervalMs),
            ("--memory-cap", memoryCap != standard.memoryCap), ("--timeout", timeout != standard.timeout),
            ("--reference", reference != standard.reference), ("--allocator", allocator != standard.allocator),
            ("--interleave", interleave != standard.interleave), ("--crash-test", crashTest != standard.crashTest),
        ]
        return shaping.first { $0.given && !allowed.contains($0.option) }?.option
    }
}
