import BenchProtocol

@testable import BenchModel

/// Synthetic runs: reporting, verdicts and the gate are pure functions of records.
public enum Synthetic {
    public static func record(
        _ scenario: RowID, scale: Double = 1, repeatIndex: Int = 1, status: RunStatus = .ok,
        peakRss: Int, allocated: Int, bytes: Int, throughput: Double, gauges: [String: Int] = [:]
    ) -> RunRecord {
        var record = RunRecord(
            scenario: scenario, repeatIndex: repeatIndex, scale: scale,
            parameters: ["items": "100", "note": "a,b \"quoted\""], logFile: "/tmp/x.log")
        record.status = status
        record.observed.peakRssBytes = peakRss
        record.observed.peakRssSampledBytes = peakRss - 4096
        record.result = ResultMessage(
            status: status == .failedVerification ? .failedVerification : .ok, message: nil, items: bytes / 16384,
            bytes: bytes,
            durationS: Double(bytes) / throughput, latency: nil,
            peaks: AllocatorCounters(
                allocated: allocated, active: allocated, resident: allocated, mapped: allocated, retained: 0),
            finalAllocated: 0, gaugeMaxima: gauges, metrics: [:], verification: nil, samplerTicks: 0, samplerTickUs: 0)
        record.timeline = [
            TimelinePoint(
                tMs: 10, rssBytes: peakRss / 2, allocatedBytes: allocated / 2, residentBytes: 0, gauges: gauges),
            TimelinePoint(tMs: 20, rssBytes: peakRss, allocatedBytes: allocated, residentBytes: 0, gauges: gauges),
        ]
        return record
    }

    /// A machine that is the same everywhere, so no synthetic run depends on where it was built —
    /// and building one starts no process (`HostEnvironment.capture` runs git, swift, pkg-config).
    public static let environment = HostEnvironment(
        cpu: "Snapshot CPU @ 2.00GHz", cores: 2, memoryBytes: 8 << 30, kernel: "6.1.0-snapshot",
        os: "Snapshot Linux 1.0",
        swiftVersion: "Swift version 6.3.1", jemallocVersion: "5.3.0-0-g54eaed1d8b56",
        mallocConf: "background_thread:false,narenas:2",
        mallocConfEnvironment: nil, gitCommit: "0123456789ab", hostname: "snapshot-host")

    /// pipeline-copy flat, ignored-drain ≈ 1 × input, at scales 1 and 4, five repeats each (the
    /// fewest with which a one-sided Mann–Whitney test can reach p < 0.01).
    public static func document(
        ignoredDrainFactor: Double = 1.0, pipelineStatus: RunStatus = .ok, repeats: Int = 5
    ) -> RunDocument {
        var document = RunDocument(
            startedAt: "2026-11-22T00:00:00Z", profile: "quick", repeats: repeats, warmups: 1, scales: [1, 4],
            limits: ChildLimits(), environment: environment)
        document.reference = "pipeline-copy"
        let mib = 1 << 20
        for scale in [1.0, 4.0] {
            let input = Int(scale) * 24 * mib
            for repeatIndex in 1...repeats {
                let wobble = repeatIndex * 100_000
                document.records.append(
                    record(
                        "pipeline-copy", scale: scale, repeatIndex: repeatIndex, status: pipelineStatus,
                        peakRss: 31 * mib + wobble, allocated: 3 * mib, bytes: input, throughput: 16.0 * Double(mib)))
                let held = Int(Double(input) * ignoredDrainFactor)
                document.records.append(
                    record(
                        "ignored-drain", scale: scale, repeatIndex: repeatIndex,
                        peakRss: 31 * mib + held + wobble, allocated: held, bytes: input,
                        throughput: 16.1 * Double(mib),
                        gauges: ["buffered_bytes": held]))
            }
        }
        document.claims["ignored-drain"] = [
            SeedClaim("peak ≈ input", seed: "000", check: .peakAllocatedPerInputByte(min: 0.8, max: 1.2)),
            SeedClaim("grows", seed: "000", check: .memoryGrows),
        ]
        document.claims["pipeline-copy"] = [SeedClaim("flat", seed: "001", check: .memoryBounded)]
        return document
    }
}
