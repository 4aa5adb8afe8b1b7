import Synchronization

/// A named level the scenario moves up and down (queue depth, buffered bytes, tasks in flight).
///
/// Updates are single atomic operations, cheap enough for the data path; the sampler thread
/// reads the current value every tick and keeps the maximum it saw.
public final class Gauge: Sendable {
    public let name: String
    private let value = Atomic<Int>(0)
    private let highest = Atomic<Int>(0)

    init(name: String) { self.name = name }

    /// Sets the level.
    public func set(_ newValue: Int) {
        value.store(newValue, ordering: .relaxed)
        noteHighest(newValue)
    }

    /// Moves the level by `delta` (negative to lower it).
    public func add(_ delta: Int) {
        let newValue = value.wrappingAdd(delta, ordering: .relaxed).newValue
        noteHighest(newValue)
    }

    public var current: Int { value.load(ordering: .relaxed) }

    /// The highest level ever set, including peaks shorter than a sampler tick.
    public var maximum: Int { highest.load(ordering: .relaxed) }

    private func noteHighest(_ candidate: Int) {
        var seen = highest.load(ordering: .relaxed)
        while candidate > seen {
            let (exchanged, original) = highest.compareExchange(expected: seen, desired: candidate, ordering: .relaxed)
            if exchanged { return }
            seen = original
        }
    }
}
