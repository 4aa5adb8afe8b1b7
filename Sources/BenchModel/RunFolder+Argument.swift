import BenchSystem

extension RunFolder.Reports {
    /// A run folder named on the command line: a path as given, or `latest` (or nothing) for the
    /// folder `Reports/latest` leads to in the project `projectRoot` finds (asked only then: a
    /// path needs no project).
    public static func runDirectory(
        _ argument: String?, projectRoot: () throws(BenchError) -> String
    ) throws(BenchError) -> String {
        if let argument, argument != "latest" { return argument }
        return try RunFolder.Reports(projectRoot: projectRoot()).runFolder(argument).path
    }
}
