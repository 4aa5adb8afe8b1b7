import BenchProtocol
import BenchSystem
import Foundation

/// Where rows are persisted: the append-only, fsynced `journal.jsonl` of a run in progress, one
/// line per row as it finishes (see ``RunFolder`` for the why and for reading it back). Sendable by hand:
/// its state is one descriptor set at creation, and the ``RunLoop`` appends one row at a time.
public final class RunJournal: @unchecked Sendable {
    private let fd: Int32
    private let path: String

    init(path: String) throws(BenchError) {
        fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        self.path = path
        guard fd >= 0 else {
            throw BenchError(.cannotCreate, "cannot create \(path): \(String(cString: strerror(errno)))")
        }
    }

    deinit { close(fd) }

    /// Appends one finished row and waits until it is on disk.
    public func append(_ record: RunRecord) throws(BenchError) {
        try append(RunFolder.JournalLine(record: record))
    }

    func append(_ line: RunFolder.JournalLine) throws(BenchError) {
        let data: Data
        do {
            data = Data(try JSONLineCoding.line(line).utf8)
        } catch {
            throw BenchError(.software, "cannot encode a journal line: \(error)")
        }
        do {
            try System.writeAll(fd, data + Data("\n".utf8))
            try System.fsync(fd)
        } catch {
            throw BenchError(.io, "cannot append to \(path): \(error)")
        }
    }
}
