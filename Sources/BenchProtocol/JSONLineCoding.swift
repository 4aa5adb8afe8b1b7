import Foundation

/// The one JSON style of the project: sorted keys, one object per line.
///
/// Keys stay as Swift spells them (camelCase): a key strategy would also rewrite dictionary keys,
/// turning the gauge `queue_depth` into `queueDepth` on the way back.
public enum JSONLineCoding {
    public static var encoder: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }

    public static var prettyEncoder: JSONEncoder {
        let encoder = encoder
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        return encoder
    }

    public static var decoder: JSONDecoder {
        JSONDecoder()
    }

    /// One line of JSON (no trailing newline).
    public static func line<T: Encodable>(_ value: T) throws -> String {
        String(decoding: try encoder.encode(value), as: UTF8.self)
    }
}
