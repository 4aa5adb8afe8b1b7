import Foundation

/// The child → parent result channel: one JSON object per line on fd 3 (see ``ResultChannelFD``).
///
/// A run writes one ``HelloMessage``, then any number of ``SampleMessage`` lines, then exactly
/// one ``ResultMessage``. Each object carries its kind in `"type"`.
public enum ChildMessage: Sendable, Equatable {
    case hello(HelloMessage)
    case sample(SampleMessage)
    case result(ResultMessage)

    private struct Envelope: Decodable { var type: String }

    /// Decodes one line; throws on anything that is not a complete, known message.
    public static func decode(line: String) throws -> ChildMessage {
        let data = Data(line.utf8)
        let decoder = JSONLineCoding.decoder
        let envelope = try decoder.decode(Envelope.self, from: data)
        switch envelope.type {
        case HelloMessage.type: return .hello(try decoder.decode(HelloMessage.self, from: data))
        case SampleMessage.type: return .sample(try decoder.decode(SampleMessage.self, from: data))
        case ResultMessage.type: return .result(try decoder.decode(ResultMessage.self, from: data))
        default: throw ProtocolViolation(message: "unknown message type '\(envelope.type)'")
        }
    }
}

/// The file descriptor the harness opens for the result channel, and the environment variable
/// that tells a child to use it (without it, a child run by hand prints its result to stdout).
public enum ResultChannelFD {
    public static let number: Int32 = 3
    public static let environmentVariable = "BPBENCH_RESULT_FD"
}

/// A line on the result channel that is not what the protocol promises.
public struct ProtocolViolation: Error, Sendable, CustomStringConvertible {
    public var message: String
    public init(message: String) { self.message = message }
    public var description: String { message }
}

/// The first line: who the child is and what allocator settings are in force.
public struct HelloMessage: Codable, Sendable, Equatable {
    public static let type = "hello"
    public var type = HelloMessage.type
    public var scenario: String
    public var pid: Int32
    public var jemallocVersion: String
    /// The jemalloc options actually in force, read back through `mallctl("opt.*")`.
    public var mallocConf: String
    public var parameters: [String: String]
    public var sampleIntervalMs: Double

    public init(scenario: String, pid: Int32, jemallocVersion: String, mallocConf: String, parameters: [String: String], sampleIntervalMs: Double) {
        self.scenario = scenario
        self.pid = pid
        self.jemallocVersion = jemallocVersion
        self.mallocConf = mallocConf
        self.parameters = parameters
        self.sampleIntervalMs = sampleIntervalMs
    }
}

/// One down-sampled point of the child's jemalloc timeline: the maximum of each statistic over
/// the window that ends at `tMs` (so no peak is lost by down-sampling), and the gauges' maxima.
public struct SampleMessage: Codable, Sendable, Equatable {
    public static let type = "sample"
    public var type = SampleMessage.type
    /// Milliseconds since the scenario started.
    public var tMs: Double
    public var allocated: Int
    public var active: Int
    public var resident: Int
    public var mapped: Int
    public var retained: Int
    public var items: Int
    public var bytes: Int
    public var gauges: [String: Int]

    public init(tMs: Double, allocated: Int, active: Int, resident: Int, mapped: Int, retained: Int, items: Int, bytes: Int, gauges: [String: Int]) {
        self.tMs = tMs
        self.allocated = allocated
        self.active = active
        self.resident = resident
        self.mapped = mapped
        self.retained = retained
        self.items = items
        self.bytes = bytes
        self.gauges = gauges
    }
}

/// Peaks of jemalloc's statistics over the whole run, sampled in the child.
public struct AllocatorPeaks: Codable, Sendable, Equatable {
    public var allocated: Int
    public var active: Int
    public var resident: Int
    public var mapped: Int
    public var retained: Int
    public init(allocated: Int = 0, active: Int = 0, resident: Int = 0, mapped: Int = 0, retained: Int = 0) {
        self.allocated = allocated
        self.active = active
        self.resident = resident
        self.mapped = mapped
        self.retained = retained
    }
}

/// Per-item latency summary, in microseconds.
public struct LatencySummary: Codable, Sendable, Equatable {
    public var count: Int
    public var p50Us: Double
    public var p90Us: Double
    public var p99Us: Double
    public var maxUs: Double
    public init(count: Int, p50Us: Double, p90Us: Double, p99Us: Double, maxUs: Double) {
        self.count = count
        self.p50Us = p50Us
        self.p90Us = p90Us
        self.p99Us = p99Us
        self.maxUs = maxUs
    }
}

/// What the consumer saw against what the producer sent.
public struct VerificationReport: Codable, Sendable, Equatable {
    public var expectedItems: Int
    public var receivedItems: Int
    public var expectedChecksum: String
    public var receivedChecksum: String
    /// False when order was promised and an item arrived out of order.
    public var inOrder: Bool
    /// Empty when everything matched; otherwise what did not.
    public var problems: [String]
    public var passed: Bool { problems.isEmpty }

    public init(expectedItems: Int, receivedItems: Int, expectedChecksum: String, receivedChecksum: String, inOrder: Bool, problems: [String]) {
        self.expectedItems = expectedItems
        self.receivedItems = receivedItems
        self.expectedChecksum = expectedChecksum
        self.receivedChecksum = receivedChecksum
        self.inOrder = inOrder
        self.problems = problems
    }
}

/// The last line: the scenario's outcome and everything it measured about itself.
public struct ResultMessage: Codable, Sendable, Equatable {
    public static let type = "result"
    public var type = ResultMessage.type
    /// `ok`, `failed-verification` or `error`.
    public var status: String
    public var message: String?
    public var items: Int
    public var bytes: Int
    public var durationS: Double
    public var latency: LatencySummary?
    public var peaks: AllocatorPeaks
    /// `stats.allocated` after the scenario returned and released its objects.
    public var finalAllocated: Int
    public var gaugeMaxima: [String: Int]
    /// Scenario-specific figures (e.g. `producer_done_s`, `events_committed`).
    public var metrics: [String: Double]
    public var verification: VerificationReport?
    public var samplerTicks: Int
    /// The resolved parameters (also in the hello; repeated so a hand run's JSON is complete).
    public var parameters: [String: String]?
    /// Mean wall time of one sampler tick (epoch refresh + five reads + gauges), microseconds.
    public var samplerTickUs: Double

    public init(status: String, message: String?, items: Int, bytes: Int, durationS: Double, latency: LatencySummary?, peaks: AllocatorPeaks, finalAllocated: Int, gaugeMaxima: [String: Int], metrics: [String: Double], verification: VerificationReport?, samplerTicks: Int, samplerTickUs: Double) {
        self.status = status
        self.message = message
        self.items = items
        self.bytes = bytes
        self.durationS = durationS
        self.latency = latency
        self.peaks = peaks
        self.finalAllocated = finalAllocated
        self.gaugeMaxima = gaugeMaxima
        self.metrics = metrics
        self.verification = verification
        self.samplerTicks = samplerTicks
        self.samplerTickUs = samplerTickUs
    }
}
