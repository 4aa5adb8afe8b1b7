import ScenarioKit

#if canImport(Glibc)
import Glibc
#endif

/// Test fixture: misbehaves on purpose, one way per `mode`, so the harness's tests can check
/// that every failure becomes its own status with the rest of the run intact.
@main
struct FaultFixture: Scenario {
    static let modes = [
        "ok", "segfault", "abort", "hang", "allocate-forever", "garbage", "truncated", "no-result", "flood",
        "self-kill", "bad-checksum", "throw",
    ]

    static let mode = Param<String>.choice("mode", modes, default: "ok", help: "how to fail")

    static let definition = ScenarioDescription(
        name: "fixture-fault", summary: "Test fixture: fails in the way `mode` asks",
        parameters: [mode],
        hidden: true)

    struct Thrown: Error, CustomStringConvertible { var description: String { "fixture-fault threw on purpose" } }

    static func run(_ context: ScenarioContext) async throws -> VerificationReport {
        var checksum = Checksum(ordered: true)
        checksum.add(itemHash: 42)
        context.addProgress(items: 1, bytes: 8)
        switch context[mode] {
        case "segfault":
            let pointer = UnsafeMutablePointer<Int>(bitPattern: 8)!
            pointer.pointee = 1
        case "abort":
            fatalError("fixture-fault aborting on purpose")
        case "hang":
            while true { sleep(1000) }
        case "allocate-forever":
            var blocks: [UnsafeMutableRawBufferPointer] = []
            while true {
                let block = UnsafeMutableRawBufferPointer.allocate(byteCount: 16 << 20, alignment: 4096)
                block.initializeMemory(as: UInt8.self, repeating: 1)  // touch every page: RSS, not just address space
                blocks.append(block)
                usleep(2000)
            }
        case "garbage":
            writeResultChannel("this is not json\n")
        case "truncated":
            writeResultChannel("{\"type\":\"result\",\"status\":\"ok\",\"items\":")
            exit(0)
        case "no-result":
            exit(0)
        case "flood":
            let line = [UInt8](repeating: UInt8(ascii: "x"), count: 1 << 16)
            for _ in 0..<(256) {  // 16 MiB of output, far past the log limit used in tests
                _ = line.withUnsafeBytes { write(STDOUT_FILENO, $0.baseAddress, $0.count) }
                _ = line.withUnsafeBytes { write(STDERR_FILENO, $0.baseAddress, $0.count) }
            }
        case "self-kill":
            kill(getpid(), SIGKILL)
        case "bad-checksum":
            var wrong = Checksum(ordered: true)
            wrong.add(itemHash: 43)
            return VerificationReport.compare(expected: checksum, received: wrong)
        case "throw":
            throw Thrown()
        default:
            break
        }
        return VerificationReport.compare(expected: checksum, received: checksum)
    }

    /// Writes raw bytes where the harness listens (fd 3), bypassing ScenarioKit's protocol.
    static func writeResultChannel(_ text: String) {
        let bytes = Array(text.utf8)
        _ = bytes.withUnsafeBytes { write(ResultProtocol.fd, $0.baseAddress, $0.count) }
    }
}
