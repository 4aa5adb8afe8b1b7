import BenchCore
import BenchModel
import BenchReport
import Foundation

/// What the terminal is told as a run goes. Off a terminal (CI, a pipe): one plain line per child,
/// what runs and then how it ended. On a terminal: the same finished lines, and below them one
/// line rewritten four times a second while a child runs — step k/n, row, scale, repeat,
/// elapsed, items/s, RSS and allocated now, and the plan's ETA from what has run so far.
package final class ProgressPrinter {
    package let quiet: Bool
    package let live: Bool
    /// Each step's scale, in plan order, for the ETA (a ×4 step takes about four ×1 steps).
    private var scales: [Double]
    /// Recorded repeats at a scale (fewer between the end scales), as the label shows them; nil
    /// without a plan.
    private let repeatsAt: ((Double) -> String)?
    private var current: (step: RunPlan.Step, index: Int, total: Int)?
    private var finishedWall = 0.0
    private var finishedScale = 0.0
    private var lineShown = false

    package init(quiet: Bool, plan: RunPlan? = nil, terminal: Bool = isatty(STDOUT_FILENO) != 0) {
        self.quiet = quiet
        live = terminal && !quiet
        scales = plan?.steps.map(\.scale) ?? []
        repeatsAt = plan.map { plan in
            { scale in
                let planned = RunPlan.repeatCount(plan.repeats, at: scale, of: plan.scales)
                return plan.repeatPolicy.isAdaptive && plan.extensibleScales.contains(scale)
                    ? "/\(planned)–\(plan.repeatPolicy.maximum)" : "/\(planned)"
            }
        }
    }

    package func handle(_ event: BenchRunner.Event) {
        guard !quiet else { return }
        switch event {
        case .starting(let step, let index, let total):
            current = (step, index, total)
            if !live {
                print(
                    String(
                        format: "[%d/%d] %@ %@ %@ … ", index + 1, total, step.row.description, Format.scale(step.scale),
                        label(step)
                    ), terminator: "")
                fflush(nil)  // nil: every stream (naming stdout is not concurrency-safe in Swift 6)
            }
        case .running(let step, let status):
            guard live, let current else { return }
            show(liveLine(step, status, index: current.index, total: current.total))
        case .added(let steps):
            // Adaptive repeats: they run next, and the ETA counts them from now on.
            let position = min(scales.count, (current?.index ?? -1) + 1)
            scales.insert(contentsOf: steps.map(\.scale), at: position)
        case .finished(let step, let record):
            finishedWall += record.observed.wallS
            finishedScale += step.scale
            let summary = Self.summary(record)
            if live, let current {
                clearLine()
                print(
                    String(
                        format: "[%d/%d] %@ %@ %@ … ", current.index + 1, current.total, step.row.description,
                        Format.scale(step.scale), label(step)) + summary)
            } else {
                print(summary)
            }
            fflush(nil)
        }
    }

    /// How a finished child ended and its key figures.
    package static func summary(_ record: RunRecord) -> String {
        var parts = [record.status.rawValue]
        if record.status == .ok {
            parts.append(String(format: "%.2f s", record.durationS))
            parts.append(Format.bytes(record.throughputBytesPerS) + "/s")
        } else if let detail = record.statusDetail {
            parts.append(detail)
        }
        parts.append("peak RSS " + Format.bytes(Double(record.peakMemoryBytes)))
        parts.append("allocated " + Format.bytes(Double(record.peaks.allocated)))
        return parts.joined(separator: "  ")
    }

    private func label(_ step: RunPlan.Step) -> String {
        if step.isWarmup { return "warm-up" }
        return "repeat \(step.repeatIndex)" + (repeatsAt?(step.scale) ?? "")
    }

    package func liveLine(_ step: RunPlan.Step, _ status: LiveStatus, index: Int, total: Int) -> String {
        var parts = [
            String(
                format: "[%d/%d] %@ %@ %@", index + 1, total, step.row.description, Format.scale(step.scale),
                label(step)),
            String(format: "%.1f s", status.elapsedS),
        ]
        if status.items > 0, status.elapsedS > 0 {
            parts.append(Format.count((Double(status.items) / status.elapsedS).rounded()) + " items/s")
        }
        parts.append("RSS " + Format.bytes(Double(status.rssBytes)))
        if status.allocatedBytes > 0 { parts.append("allocated " + Format.bytes(Double(status.allocatedBytes))) }
        if let eta = eta(after: index, elapsedInStep: status.elapsedS) { parts.append("ETA " + Format.duration(eta)) }
        return parts.joined(separator: "  ")
    }

    /// Seconds left: the remaining steps' scale (this one's unfinished share included) at the
    /// seconds per unit of scale the finished steps took.
    package func eta(after index: Int, elapsedInStep: Double) -> Double? {
        guard finishedScale > 0, index < scales.count else { return nil }
        let perScale = finishedWall / finishedScale
        let remaining = scales[(index + 1)...].reduce(0, +)
        return max(0, remaining * perScale + max(0, scales[index] * perScale - elapsedInStep))
    }

    private func show(_ line: String) {
        var size = winsize()
        let width = ioctl(STDOUT_FILENO, UInt(TIOCGWINSZ), &size) == 0 && size.ws_col > 0 ? Int(size.ws_col) : 120
        let fitted = line.count > width - 1 ? String(line.prefix(width - 2)) + "…" : line
        print("\r\u{1B}[2K" + fitted, terminator: "")
        fflush(nil)
        lineShown = true
    }

    private func clearLine() {
        guard lineShown else { return }
        print("\r\u{1B}[2K", terminator: "")
        lineShown = false
    }

    /// Interleaved runs: the same lines, with the side first.
    package func handle(_ event: InterleavedRunner.Event) {
        switch event {
        case .starting(let side, let step, let index, let total):
            guard !quiet else { return }
            print("[\(side)] ", terminator: "")
            handle(.starting(step, index: index, total: total))
        case .finished(_, let step, let record):
            handle(.finished(step, record))
        }
    }
}
