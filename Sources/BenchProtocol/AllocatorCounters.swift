/// jemalloc's five memory counters, in bytes: one reading, or each counter's maximum over a
/// window or a run. The one type for them on both sides of the protocol.
public struct AllocatorCounters: Codable, Sendable, Equatable {
    /// Bytes the program holds (`stats.allocated`): the heap figure to trust.
    public var allocated: Int
    /// Bytes in active pages (`stats.active`).
    public var active: Int
    /// Bytes physically resident in the allocator's mappings (`stats.resident`).
    public var resident: Int
    /// Bytes in active extents mapped by the allocator (`stats.mapped`).
    public var mapped: Int
    /// Bytes retained as virtual memory for reuse (`stats.retained`).
    public var retained: Int

    public init(allocated: Int = 0, active: Int = 0, resident: Int = 0, mapped: Int = 0, retained: Int = 0) {
        self.allocated = allocated
        self.active = active
        self.resident = resident
        self.mapped = mapped
        self.retained = retained
    }

    /// Raises each counter to `other`'s where that is higher.
    public mutating func formMaximum(_ other: AllocatorCounters) {
        allocated = max(allocated, other.allocated)
        active = max(active, other.active)
        resident = max(resident, other.resident)
        mapped = max(mapped, other.mapped)
        retained = max(retained, other.retained)
    }
}
