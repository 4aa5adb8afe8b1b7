import BenchModel
import BenchProtocol
import BenchStatistics

/// The same pattern in different languages, side by side: for each pattern (and variant) run in
/// more than one language, each language's row at the largest scale they all ran, with its peak
/// memory, the peak above its runtime's idle floor, its throughput, and each as a ratio to the
/// Swift row (or the first language, when Swift is absent). Ratios are of medians measured in
/// the same run, so they hold on the machine that ran it.
///
/// Same work means the same socket buffers: latency and kernel memory depend on SO_SNDBUF /
/// SO_RCVBUF (Node's autotuned loopback held 4.6 MiB in flight at a 58 ms median latency where a
/// 256 KiB buffer held 1.06 MiB at 13 ms, node-pipeline standard ×1), so a row whose
/// `socket_buffer` differs from the base's gets no ratios (``ratio(_:_:)``), and the table shows
/// each row's policy.
public struct LanguageComparison: Sendable, Equatable {
    /// One language's row of a pattern.
    public struct Entry: Sendable, Equatable {
        public var row: RowID
        public var language: String
        /// Median peak memory: the tree's total when the row started processes, else the kernel's peak.
        public var peakMemoryBytes: Double?
        /// Median of the peak minus the RSS at hello (the runtime loaded, no work done).
        public var overFloorBytes: Double?
        /// Median idle floor itself (RSS at hello).
        public var floorBytes: Double?
        public var throughputBytesPerS: Double?
        public var repeats: Int
        /// The row's `socket_buffer` as resolved (`"256KiB"`; `"0"` = kernel autotuning); nil when
        /// the row has no such parameter (its sockets autotune, unless it says otherwise).
        public var socketBuffer: String? = nil
        /// What the row's `allocated` counter is, as its hello named it (another runtime's
        /// `allocator`, e.g. Node's live heap after a forced GC); nil for jemalloc's own.
        public var allocatedFigure: String? = nil

        /// The socket buffer policy in words: `256 KiB fixed`, `kernel autotuning`, or `—` for a row
        /// without the parameter (gzip-guide writes a file: saying "autotuning" there would invent
        /// a socket).
        public var socketPolicy: String {
            guard let socketBuffer else { return "—" }
            guard let value = try? ValueParser.bytes(socketBuffer, parameter: "socket_buffer"), value > 0 else {
                return "kernel autotuning"
            }
            return "\(socketBuffer) fixed"
        }
    }

    public var pattern: String
    public var variant: String?
    public var scale: Double
    /// The language the ratios are against.
    public var base: String
    public var entries: [Entry]

    /// Every pattern × variant that ran in two languages or more, in pattern order.
    public static func groups(_ analysis: RunAnalysis) -> [LanguageComparison] {
        guard analysis.document.rowTraits != nil else { return [] }
        var byKey: [String: [(row: RowID, traits: RowTraits)]] = [:]
        for row in analysis.scenarios {
            guard let trait = analysis.document.traits(of: row), let pattern = trait.pattern, trait.language != nil
            else { continue }
            byKey[pattern + "\u{0}" + (trait.variant ?? ""), default: []].append((row, trait))
        }
        var groups: [LanguageComparison] = []
        for key in byKey.keys.sorted() {
            let rows = byKey[key]!
            let languages = Set(rows.compactMap(\.traits.language))
            guard languages.count > 1 else { continue }
            // The largest scale every row ran.
            let scaleSets = rows.map { row in Set(analysis.summaries.of(row.row).map(\.scale)) }
            guard let scale = scaleSets.dropFirst().reduce(scaleSets.first ?? [], { $0.intersection($1) }).max() else {
                continue
            }
            var entries: [Entry] = []
            for (row, trait) in rows.sorted(by: {
                ($0.traits.language ?? "", $0.row.description) < ($1.traits.language ?? "", $1.row.description)
            }) {
                guard let summary = analysis.summaries.summary(row, scale: scale) else {
                    continue
                }
                let measured = summary.records.filter { $0.status.isMeasurement }
                entries.append(
                    Entry(
                        row: row, language: trait.language ?? "?",
                        peakMemoryBytes: Spread(measured.map { Double($0.peakMemoryBytes) })?.median,
                        overFloorBytes: Spread(measured.compactMap { $0.peakOverFloorBytes.map(Double.init) })?.median,
                        floorBytes: Spread(measured.compactMap { $0.observed.rssAtHelloBytes.map(Double.init) })?
                            .median,
                        throughputBytesPerS: summary.median(.throughputBytes), repeats: measured.count,
                        socketBuffer: measured.first?.parameters["socket_buffer"],
                        allocatedFigure: measured.first?.hello?.allocator))
            }
            let base = languages.contains("swift") ? "swift" : languages.sorted()[0]
            groups.append(
                LanguageComparison(
                    pattern: rows[0].traits.pattern!, variant: rows[0].traits.variant, scale: scale, base: base,
                    entries: entries))
        }
        return groups
    }

    /// The base language's entry.
    public var baseEntry: Entry? { entries.first { $0.language == base } }

    /// Whether `entry` ran with the base's socket buffer policy (the same work).
    public func samePolicy(_ entry: Entry) -> Bool { baseEntry.map { $0.socketPolicy == entry.socketPolicy } ?? false }

    /// `entry`'s figure ÷ the base's (nil when either is missing, the base's is 0, or the two rows'
    /// socket buffer policies differ: not the same work).
    public func ratio(_ entry: Entry, _ figure: KeyPath<Entry, Double?>) -> Double? {
        guard samePolicy(entry), let value = entry[keyPath: figure], let base = baseEntry?[keyPath: figure], base > 0
        else { return nil }
        return value / base
    }
}
