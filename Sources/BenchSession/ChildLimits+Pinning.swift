import BenchModel
import BenchSystem

extension ChildLimits {
    /// Pins the children to `option` (`--cpus` as typed) when given, else to the set already
    /// here (a plan file's), checked against this machine, else to the default (``ChildCPUs``).
    package mutating func pinChildren(to option: String?) throws(BenchError) {
        cpus = try ChildCPUs.resolve(option ?? cpus.map(\.description))
    }
}
