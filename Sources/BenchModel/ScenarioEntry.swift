import BenchProtocol

/// One discovered scenario: its folder, how its child is started, and what it says it is
/// (``ScenarioCatalog`` finds them; a plan's steps carry them).
public struct ScenarioEntry: Sendable {
    public var folder: String
    public var launch: ScenarioLaunch
    public var description: ScenarioDescription
    public var name: String { description.name }

    public init(folder: String, launch: ScenarioLaunch, description: ScenarioDescription) {
        self.folder = folder
        self.launch = launch
        self.description = description
    }

    /// A Swift scenario built at `executable`.
    public init(folder: String, executable: String, description: ScenarioDescription) {
        self.init(folder: folder, launch: .built(executable: executable), description: description)
    }
}
