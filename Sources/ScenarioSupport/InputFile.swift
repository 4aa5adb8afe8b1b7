import Foundation
import ScenarioKit

/// The source file of the byte-stream scenarios: `items` items in ``ItemCodec`` layout, generated
/// once per size into the cache folder and reused, so each run reads real bytes from disk
/// (usually the page cache) without paying for generating them.
public enum InputFile {
    /// Returns the path of the input for `items` × `itemBytes`, generating it if missing.
    public static func ensure(items: Int, itemBytes: Int, in directory: String) throws -> String {
        let path = directory + "/items-\(items)x\(itemBytes).bin"
        let expectedSize = items * itemBytes
        if let size = (try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? Int, size == expectedSize {
            return path
        }
        // Generate beside the target and rename, so a concurrent or killed run never sees half a file.
        let temporary = path + ".tmp-\(getpid())"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw InputFileError(message: "cannot create \(temporary): \(String(cString: strerror(errno)))")
        }
        defer { close(fd) }
        let perBlock = max(1, (1 << 20) / itemBytes)
        let block = UnsafeMutableRawBufferPointer.allocate(byteCount: perBlock * itemBytes, alignment: 8)
        defer { block.deallocate() }
        var sequence = 0
        while sequence < items {
            let count = min(perBlock, items - sequence)
            for index in 0..<count {
                let slot = UnsafeMutableRawBufferPointer(
                    rebasing: block[(index * itemBytes)..<((index + 1) * itemBytes)])
                ItemCodec.fill(slot, sequence: UInt64(sequence + index))
            }
            var offset = 0
            let length = count * itemBytes
            while offset < length {
                let written = write(fd, block.baseAddress! + offset, length - offset)
                guard written > 0 else {
                    unlink(temporary)
                    throw InputFileError(message: "cannot write \(temporary): \(String(cString: strerror(errno)))")
                }
                offset += written
            }
            sequence += count
        }
        guard rename(temporary, path) == 0 else { throw InputFileError(message: "cannot rename \(temporary)") }
        return path
    }
}

struct InputFileError: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}
