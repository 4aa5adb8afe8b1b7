import BenchProtocol
import BenchSystem
import Foundation
import Synchronization

/// Reads the child's result channel on a thread of its own, so a chatty child never blocks on a
/// full pipe, and keeps what arrived: the hello, every sample (with its arrival time on the
/// parent's clock) and the result; or the first thing that broke the protocol.
final class ResultStreamReader: Sendable {
    struct Received {
        var hello: HelloMessage?
        /// When the hello arrived, ms after spawn on the parent's clock.
        var helloArrivalMs: Double?
        var samples: [(arrivalMs: Double, sample: SampleMessage)] = []
        var result: ResultMessage?
        var protocolError: String?
    }

    static let maximumLineBytes = 1 << 20
    private let pipe: PipeDrain
    private let startNanoseconds: UInt64
    private let state = Mutex(Received())

    init(fd: Int32, startNanoseconds: UInt64) {
        pipe = PipeDrain(fd: fd)
        self.startNanoseconds = startNanoseconds
    }

    func start() {
        let thread = Thread { [self] in
            LineSplitter.readLines(from: pipe.read, maximumLineBytes: Self.maximumLineBytes) { event in
                switch event {
                case .line(let line): accept(line)
                case .overlong: violate("a line longer than \(Self.maximumLineBytes) bytes")
                case .truncated(let tail): violate("the stream ended inside a line: \(Self.preview(tail))")
                }
            }
            pipe.finished()
        }
        thread.name = "bpbench-result-reader"
        thread.start()
    }

    /// The child's latest streamed sample so far (for live progress).
    func latestSample() -> SampleMessage? {
        state.withLock { $0.samples.last?.sample }
    }

    /// Waits for end of stream (every writer closed, or a holder outside the child's tree killed:
    /// ``PipeDrain/finish(grace:)``) and returns what arrived, and who was killed for holding it.
    func finish() -> (received: Received, killed: [pid_t]) {
        let killed = pipe.finish()
        return (state.withLock { $0 }, killed)
    }

    private func accept(_ line: String) {
        let arrival = Double(System.monotonicNanoseconds() - startNanoseconds) / 1e6
        do {
            let message = try ChildMessage.decode(line: line)
            state.withLock { received in
                switch message {
                case .hello(let hello):
                    received.hello = hello
                    received.helloArrivalMs = arrival
                case .sample(let sample): received.samples.append((arrival, sample))
                case .result(let result):
                    if received.result != nil, received.protocolError == nil {
                        received.protocolError = "a second result line"
                    }
                    received.result = result
                }
            }
        } catch {
            violate("not a protocol message: \(Self.preview(line))")
        }
    }

    private func violate(_ message: String) {
        state.withLock { received in
            if received.protocolError == nil { received.protocolError = message }
        }
    }

    static func preview(_ text: String) -> String {
        let flat = text.replacingOccurrences(of: "\n", with: "\\n")
        return flat.count > 80 ? "'\(flat.prefix(80))…'" : "'\(flat)'"
    }
}

/// Splits a file descriptor's bytes into lines, bounded in length.
enum LineSplitter {
    enum Event {
        case line(String)
        case overlong
        case truncated(String)
    }

    static func readLines(fd: Int32, maximumLineBytes: Int, _ handle: (Event) -> Void) {
        readLines(from: { System.read(fd, into: $0) }, maximumLineBytes: maximumLineBytes, handle)
    }

    /// The same over any reader (`read(into:)`: bytes read, ≤ 0 at the end).
    static func readLines(
        from read: (UnsafeMutableRawBufferPointer) -> Int, maximumLineBytes: Int, _ handle: (Event) -> Void
    ) {
        var pending: [UInt8] = []
        var discarding = false
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = chunk.withUnsafeMutableBytes { read($0) }
            if count <= 0 { break }
            var start = 0
            for index in 0..<count where chunk[index] == UInt8(ascii: "\n") {
                if !discarding {
                    if pending.count + (index - start) > maximumLineBytes {
                        handle(.overlong)
                    } else {
                        pending.append(contentsOf: chunk[start..<index])
                        handle(.line(String(decoding: pending, as: UTF8.self)))
                    }
                }
                pending.removeAll(keepingCapacity: true)
                discarding = false
                start = index + 1
            }
            if !discarding {
                pending.append(contentsOf: chunk[start..<count])
                if pending.count > maximumLineBytes {
                    handle(.overlong)
                    pending.removeAll()
                    discarding = true
                }
            }
        }
        if !pending.isEmpty, !discarding { handle(.truncated(String(decoding: pending, as: UTF8.self))) }
    }
}
