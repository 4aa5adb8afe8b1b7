import Foundation

/// Writes files so that readers see the old content or the new, never half of either: write a
/// temporary file beside the target, flush it to disk, then rename it over the target.
public enum AtomicFile {
    public static func write(_ text: String, to path: String) throws(BenchError) {
        try write(Data(text.utf8), to: path)
    }

    public static func write(_ data: Data, to path: String) throws(BenchError) {
        let directory = (path as NSString).deletingLastPathComponent
        let temporary =
            (directory.isEmpty ? "." : directory)
            + "/.\((path as NSString).lastPathComponent).tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw BenchError(.cannotCreate, "cannot write \(path): \(String(cString: strerror(errno)))")
        }
        var failure: Int32 = 0
        do throws(System.SystemError) {
            try System.writeAll(fd, data)
            try System.fsync(fd)
        } catch {
            failure = error.errno
        }
        close(fd)
        if failure == 0, rename(temporary, path) != 0 { failure = errno }
        if failure != 0 {
            unlink(temporary)
            throw BenchError(.io, "cannot write \(path): \(String(cString: strerror(failure)))")
        }
    }

    /// Points the symbolic link `link` at `target`, replacing any old link in one rename.
    public static func pointLink(_ link: String, at target: String) throws(BenchError) {
        let temporary = link + ".tmp-\(getpid())"
        unlink(temporary)
        guard symlink(target, temporary) == 0 else {
            throw BenchError(.cannotCreate, "cannot create link \(link): \(String(cString: strerror(errno)))")
        }
        guard rename(temporary, link) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(temporary)
            throw BenchError(.cannotCreate, "cannot replace link \(link): \(reason)")
        }
    }
}
