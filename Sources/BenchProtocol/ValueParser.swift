/// Parses the human forms of counts, sizes, rates and durations used on the command line.
///
/// Binary suffixes (`KiB`, `MiB`, `GiB`, and the shorthands `k`, `m`, `g` for sizes) are powers
/// of 1024; `KB`, `MB`, `GB` are powers of 1000, as in `/usr/bin/time` versus `ls -h`. Every
/// multiplication is overflow-checked: `99999999999GiB` is an error, not a wrap-around.
public enum ValueParser {
    public static func count(_ text: String, parameter: String) throws(ParameterError) -> Int {
        try scaled(
            text, parameter: parameter,
            units: [
                "": 1, "k": 1_000, "K": 1_000, "M": 1_000_000, "G": 1_000_000_000,
            ], what: "a whole number such as 20000 or 20k")
    }

    public static func bytes(_ text: String, parameter: String) throws(ParameterError) -> Int {
        try scaled(text, parameter: parameter, units: byteUnits, what: "a size such as 16384, 16KiB or 4MiB")
    }

    public static func byteRate(_ text: String, parameter: String) throws(ParameterError) -> Int {
        var body = text
        if body.hasSuffix("/s") { body.removeLast(2) }
        return try scaled(
            body, parameter: parameter, units: byteUnits, what: "a rate such as 32MiB/s (0 = unthrottled)")
    }

    public static func seconds(_ text: String, parameter: String) throws(ParameterError) -> Double {
        let units: [(String, Double)] = [("us", 1e-6), ("µs", 1e-6), ("ms", 1e-3), ("s", 1), ("m", 60)]
        for (suffix, factor) in units where text.hasSuffix(suffix) {
            let digits = String(text.dropLast(suffix.count))
            if let value = Double(digits), value.isFinite, value >= 0 { return value * factor }
        }
        if let value = Double(text), value.isFinite, value >= 0 { return value }
        throw ParameterError(parameter: parameter, message: "must be a duration such as 10ms or 1.5s, got '\(text)'")
    }

    public static func number(_ text: String, parameter: String) throws(ParameterError) -> Double {
        guard let value = Double(text), value.isFinite else {
            throw ParameterError(parameter: parameter, message: "must be a number, got '\(text)'")
        }
        return value
    }

    /// A share written as a ratio or a number, "1/32" or "0.03125": the gate proof's leak per
    /// item, which the proof file writes the first way and a child reads the second.
    public static func fraction(_ text: String) -> Double? {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        if parts.count == 2, let numerator = Double(parts[0]), let denominator = Double(parts[1]), denominator != 0 {
            return numerator / denominator
        }
        return parts.count == 1 ? Double(text) : nil
    }

    public static func flag(_ text: String, parameter: String) throws(ParameterError) -> Bool {
        switch text.lowercased() {
        case "true", "1", "yes", "on": return true
        case "false", "0", "no", "off": return false
        default: throw ParameterError(parameter: parameter, message: "must be true or false, got '\(text)'")
        }
    }

    /// Renders a base-unit value back in the kind's usual unit, for messages and `bpbench list`.
    public static func format(_ value: Double, kind: ParameterKind) -> String {
        switch kind {
        case .bytes, .byteRate: return formatBytes(Int(value)) + (kind == .byteRate ? "/s" : "")
        case .duration: return value < 1 ? "\(value * 1000)ms" : "\(value)s"
        case .count: return String(Int(value))
        default: return String(value)
        }
    }

    /// `20480` → `20KiB`; exact where it can be, one decimal otherwise.
    public static func formatBytes(_ bytes: Int) -> String {
        let units = ["B", "KiB", "MiB", "GiB", "TiB"]
        var value = Double(bytes)
        var index = 0
        while abs(value) >= 1024, index < units.count - 1 {
            value /= 1024
            index += 1
        }
        if index == 0 { return "\(bytes)B" }
        let rounded = (value * 10).rounded() / 10
        return rounded == rounded.rounded() ? "\(Int(rounded))\(units[index])" : "\(rounded)\(units[index])"
    }

    static let byteUnits: [String: Int] = [
        "": 1, "B": 1,
        "k": 1 << 10, "K": 1 << 10, "KiB": 1 << 10, "KB": 1_000,
        "m": 1 << 20, "M": 1 << 20, "MiB": 1 << 20, "MB": 1_000_000,
        "g": 1 << 30, "G": 1 << 30, "GiB": 1 << 30, "GB": 1_000_000_000,
    ]

    static func scaled(
        _ text: String, parameter: String, units: [String: Int], what: String
    ) throws(ParameterError) -> Int {
        let trimmed = text.trimmingWhitespace()
        let digitsEnd = trimmed.firstIndex { !($0.isNumber || $0 == "." || $0 == "_") } ?? trimmed.endIndex
        let number = String(trimmed[..<digitsEnd]).replacingUnderscores()
        let suffix = String(trimmed[digitsEnd...])
        guard !number.isEmpty, let factor = units[suffix] else {
            throw ParameterError(parameter: parameter, message: "must be \(what), got '\(text)'")
        }
        if let whole = Int(number) {
            let (product, overflow) = whole.multipliedReportingOverflow(by: factor)
            guard !overflow else { throw ParameterError(parameter: parameter, message: "is too large: '\(text)'") }
            return product
        }
        guard let real = Double(number), real.isFinite else {
            throw ParameterError(parameter: parameter, message: "must be \(what), got '\(text)'")
        }
        let product = real * Double(factor)
        guard product < 9.2e18 else { throw ParameterError(parameter: parameter, message: "is too large: '\(text)'") }
        guard product == product.rounded() else {
            throw ParameterError(parameter: parameter, message: "must be a whole number, got '\(text)'")
        }
        return Int(product)
    }
}

extension String {
    func trimmingWhitespace() -> String {
        var scalars = Substring(self)
        while let first = scalars.first, first.isWhitespace { scalars.removeFirst() }
        while let last = scalars.last, last.isWhitespace { scalars.removeLast() }
        return String(scalars)
    }

    func replacingUnderscores() -> String { String(filter { $0 != "_" }) }
}
