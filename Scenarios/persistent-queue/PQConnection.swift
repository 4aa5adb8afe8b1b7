import CLibPQ
import Dispatch

/// One connection to PostgreSQL through libpq (PostgreSQL's own C client), its blocking calls on a
/// thread of its own.
///
/// libpq's calls block their thread until the server answers. On Swift's cooperative pool (one
/// thread per core: two here) a waiting query would stall every other task of the process — the
/// backlog monitor, the worker supervision, the producer. So each connection owns a serial
/// DispatchQueue, whose thread is not one of the pool's, and every use of its `PGconn` happens
/// there: `run` hops over with a block of statements (a transaction is one hop, not one per
/// statement) and resumes the caller with the block's result or error. The serial queue is also
/// libpq's rule that a connection is used by one thread at a time.
///
/// Why libpq and not postgres-nio: postgres-nio's swift-crypto and swift-nio-ssl compiled two
/// copies of BoringSSL (plus swift-asn1, swift-metrics, swift-service-lifecycle, swift-log) into
/// every build of this package, for this one scenario (README: "CI: what it runs and how long").
final class PQConnection: @unchecked Sendable {
    private let handle: OpaquePointer
    private let queue: DispatchQueue
    /// Touched on `queue` only.
    private var closed = false

    private init(handle: OpaquePointer, queue: DispatchQueue) {
        (self.handle, self.queue) = (handle, queue)
    }

    deinit { if !closed { PQfinish(handle) } }

    /// Connects over TCP without TLS or GSSAPI (a loopback server with trust authentication);
    /// `name` is the `application_name` the server's log and pg_stat_activity show.
    static func connect(
        host: String, port: Int, user: String, database: String, name: String, timeoutSeconds: Int = 10
    ) async throws -> PQConnection {
        let queue = DispatchQueue(label: "persistent-queue.libpq.\(name)")
        let info =
            "host=\(host) port=\(port) user=\(user) dbname=\(database) application_name=\(name) sslmode=disable gssencmode=disable connect_timeout=\(timeoutSeconds)"
        return try await withCheckedThrowingContinuation { continuation in
            queue.async {
                guard let handle = PQconnectdb(info) else {
                    continuation.resume(
                        throwing: PQError("could not connect to \(host):\(port): libpq is out of memory"))
                    return
                }
                guard PQstatus(handle) == CONNECTION_OK else {
                    let message = PQError.message(of: handle)
                    PQfinish(handle)
                    continuation.resume(throwing: PQError("could not connect to \(host):\(port): \(message)"))
                    return
                }
                continuation.resume(returning: PQConnection(handle: handle, queue: queue))
            }
        }
    }

    /// Runs `body` on the connection's thread: its statements, one after the other, each
    /// committed on its own (autocommit) unless the block is a `transaction`.
    func run<T: Sendable>(_ body: @escaping @Sendable (PQSession) throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            queue.async {
                guard !self.closed else { return continuation.resume(throwing: PQError("the connection is closed")) }
                continuation.resume(with: Result { try body(PQSession(handle: self.handle)) })
            }
        }
    }

    /// `BEGIN`, `body`, `COMMIT` in one hop; `ROLLBACK` when `body` or the commit throws.
    func transaction<T: Sendable>(_ body: @escaping @Sendable (PQSession) throws -> T) async throws -> T {
        try await run { session in
            try session.execute("BEGIN")
            do {
                let value = try body(session)
                try session.execute("COMMIT")
                return value
            } catch {
                _ = try? session.execute("ROLLBACK")
                throw error
            }
        }
    }

    /// One statement on its own.
    @discardableResult
    func query(_ statement: String, _ parameters: [PQParameter] = []) async throws -> PQResult {
        try await run { try $0.execute(statement, parameters) }
    }

    /// Ends the session (the server is told, the socket closed); later calls throw.
    func close() async {
        await withCheckedContinuation { continuation in
            queue.async {
                if !self.closed {
                    self.closed = true
                    PQfinish(self.handle)
                }
                continuation.resume()
            }
        }
    }
}
