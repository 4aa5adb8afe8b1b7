import Foundation

/// The child → parent result channel: one JSON object per line on fd 3 (see ``ResultProtocol``).
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
