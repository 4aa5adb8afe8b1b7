/// A line on the result channel that is not what the protocol promises.
public struct ProtocolViolation: Error, Sendable, CustomStringConvertible {
    public var message: String
    public init(message: String) { self.message = message }
    public var description: String { message }
}
