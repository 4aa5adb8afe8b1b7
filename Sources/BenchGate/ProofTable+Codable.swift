import Foundation

/// A proof's finished steps as data, so `gate-proof --resume` can rebuild its table from the
/// steps an earlier session ran (``ProofTable``). A cell keeps its report's findings and
/// judgements — all that its mark and its effect are read from; notes and what-grew stay in the
/// cell's own `check.md`.
extension ProofTable.Cell: Codable {
    enum CodingKeys: String, CodingKey {
        case scenario, kind, findingKind, factor, injection, required, scales, findings, judgements, repeats
    }

    package init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        var report = GateReport()
        report.findings = try container.decode([Finding].self, forKey: .findings)
        report.judgements = try container.decode([Judgement].self, forKey: .judgements)
        self.init(
            scenario: try container.decode(String.self, forKey: .scenario),
            kind: try container.decode(ProofSpec.Kind.self, forKey: .kind),
            findingKind: try container.decode(ProofSpec.Kind.self, forKey: .findingKind),
            factor: try container.decodeIfPresent(Double.self, forKey: .factor),
            injection: try container.decode(String.self, forKey: .injection),
            required: try container.decode(Bool.self, forKey: .required),
            scales: try container.decode([Double].self, forKey: .scales), report: report,
            repeats: try container.decode(String.self, forKey: .repeats))
    }

    package func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(scenario, forKey: .scenario)
        try container.encode(kind, forKey: .kind)
        try container.encode(findingKind, forKey: .findingKind)
        try container.encodeIfPresent(factor, forKey: .factor)
        try container.encode(injection, forKey: .injection)
        try container.encode(required, forKey: .required)
        try container.encode(scales, forKey: .scales)
        try container.encode(report.findings, forKey: .findings)
        try container.encode(report.judgements, forKey: .judgements)
        try container.encode(repeats, forKey: .repeats)
    }
}

extension ProofSpec.Kind: Encodable {}
