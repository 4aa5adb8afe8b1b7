import BenchProtocol

/// Everything known about one scenario × scale × repeat, in one model from child to report:
/// the row's identity, what the child reported **decoded as sent** (``HelloMessage``,
/// ``ResultMessage``), and what the parent observed itself (``ParentObservation``). Nothing is
/// copied from one to the other: a figure one part holds is read there (`record.observed.wallS`,
/// `record.result?.latency`); the views below are only those that combine or default them.
public struct RunRecord: Codable, Sendable, Equatable {
    // MARK: Identity

    /// The row: the scenario, the variant it ran as and its allocator — written as the row's
    /// spelling (`scenario/variant@system`) under `scenario`, and the variant again under
    /// `variant`, as documents have always held them.
    public var scenario: RowID
    public var repeatIndex: Int
    /// Factor applied to the scenario's scale parameter (1 = as given).
    public var scale: Double
    /// The parameters the child ran with, as the parent resolved them (once, in ``RunPlan``).
    public var parameters: [String: String]
    public var logFile: String

    // MARK: Outcome

    public var status: RunStatus
    public var statusDetail: String?

    /// The ``statusDetail`` of an ok row from a program that does not speak the result protocol: nothing
    /// in it was verified, and only the parent's own figures are filled.
    public static let unverifiedDetail =
        "exit 0; not verified: the program does not speak the result protocol (RSS, CPU and wall time only)"

    /// An ok row with no result: a program that does not speak the result protocol exited 0, so
    /// nothing it did was verified. Told by what the row holds, not by its ``statusDetail``, which
    /// may carry more (e.g. "log cut, … dropped").
    public var isUnverified: Bool { status == .ok && result == nil }

    // MARK: What the child said, as sent

    public var hello: HelloMessage?
    public var result: ResultMessage?

    // MARK: What the parent saw

    public var observed: ParentObservation
    /// The parent's RSS windows merged with the child's streamed samples.
    public var timeline: [TimelinePoint]

    public init(scenario: RowID, repeatIndex: Int, scale: Double, parameters: [String: String], logFile: String) {
        self.scenario = scenario
        self.repeatIndex = repeatIndex
        self.scale = scale
        self.parameters = parameters
        self.logFile = logFile
        status = .noResult
        observed = ParentObservation()
        timeline = []
    }

    // MARK: Views the reports read

    public var items: Int { result?.items ?? observed.streamedItems ?? 0 }
    public var bytes: Int { result?.bytes ?? observed.streamedBytes ?? 0 }
    /// The scenario's own timed duration (0 without a result).
    public var durationS: Double { result?.durationS ?? 0 }
    public var throughputItemsPerS: Double { durationS > 0 ? Double(items) / durationS : 0 }
    public var throughputBytesPerS: Double { durationS > 0 ? Double(bytes) / durationS : 0 }
    /// The allocator's peaks: the child's own, or — killed before its result — the maxima of the
    /// samples it streamed, which say how far its heap got (the point of a memory-cap row).
    public var peaks: AllocatorCounters { result?.peaks ?? observed.streamedPeaks ?? AllocatorCounters() }
    public var finalAllocatedBytes: Int { result?.finalAllocated ?? 0 }
    public var gaugeMaxima: [String: Int] { result?.gaugeMaxima ?? [:] }
    /// The child's metrics, and the harness's own about this row (crash test) on top.
    public var metrics: [String: Double] { (result?.metrics ?? [:]).merging(observed.harnessMetrics) { $1 } }
    public var samplerTicks: Int { result?.samplerTicks ?? 0 }
    public var samplerTickUs: Double { result?.samplerTickUs ?? 0 }

    /// The most processes alive at once in the child's tree (1 when it started none).
    public var maxProcesses: Int { observed.maxProcesses ?? 1 }
    /// The row's memory peak as a whole: the tree's total when the child started processes,
    /// else the kernel's peak of the child.
    public var peakMemoryBytes: Int { max(observed.peakRssBytes, observed.peakTreeRssBytes ?? 0) }
    /// Allocations during the timed run per item delivered (jemalloc's counts; nil elsewhere).
    public var allocationsPerItem: Double? {
        guard let allocations = result?.allocations, items > 0 else { return nil }
        return Double(allocations) / Double(items)
    }
    /// Voluntary context switches (the child blocked: waits, I/O) per item delivered.
    public var voluntarySwitchesPerItem: Double? {
        guard let switches = observed.voluntaryContextSwitches, items > 0 else { return nil }
        return Double(switches) / Double(items)
    }
    /// How far the peak rose above the child's idle floor (its RSS when it said hello).
    public var peakOverFloorBytes: Int? { observed.rssAtHelloBytes.map { max(0, peakMemoryBytes - $0) } }
}

/// Keys as run.json has always held them: the row's spelling under `scenario` and, for a
/// variant's row, its name again under `variant` (read back from the spelling, which says it too).
extension RunRecord {
    enum CodingKeys: String, CodingKey {
        case scenario, variant, repeatIndex, scale, parameters, logFile, status, statusDetail, hello, result
        case observed, timeline
    }

    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        scenario = try container.decode(RowID.self, forKey: .scenario)
        repeatIndex = try container.decode(Int.self, forKey: .repeatIndex)
        scale = try container.decode(Double.self, forKey: .scale)
        parameters = try container.decode([String: String].self, forKey: .parameters)
        logFile = try container.decode(String.self, forKey: .logFile)
        status = try container.decode(RunStatus.self, forKey: .status)
        statusDetail = try container.decodeIfPresent(String.self, forKey: .statusDetail)
        hello = try container.decodeIfPresent(HelloMessage.self, forKey: .hello)
        result = try container.decodeIfPresent(ResultMessage.self, forKey: .result)
        observed = try container.decode(ParentObservation.self, forKey: .observed)
        timeline = try container.decode([TimelinePoint].self, forKey: .timeline)
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(scenario, forKey: .scenario)
        try container.encodeIfPresent(scenario.variant, forKey: .variant)
        try container.encode(repeatIndex, forKey: .repeatIndex)
        try container.encode(scale, forKey: .scale)
        try container.encode(parameters, forKey: .parameters)
        try container.encode(logFile, forKey: .logFile)
        try container.encode(status, forKey: .status)
        try container.encodeIfPresent(statusDetail, forKey: .statusDetail)
        try container.encodeIfPresent(hello, forKey: .hello)
        try container.encodeIfPresent(result, forKey: .result)
        try container.encode(observed, forKey: .observed)
        try container.encode(timeline, forKey: .timeline)
    }
}
