import BenchModel
import BenchProtocol
import BenchSystem
import Foundation

/// `Reports/gate-proof.json`: what `gate-proof` injects on the head side, per scenario — the
/// parameter each parameter injection scales, the leak it injects — and the source edits it
/// builds as code-change injections.
///
/// ```json
/// { "formatVersion": 2, "memoryFactors": [1.25, 1.5, 2],
///   "scenarios": { "bounded-queue": { "memory": { "parameter": "capacity" },
///                                     "throughput": { "parameter": "workers", "factor": 0.5 },
///                                     "leak": { "perItem": "1/32" } } },
///   "codeChanges": [ { "scenario": "bounded-queue", "kind": "memory", "what": "…",
///                      "file": "Scenarios/bounded-queue/BoundedQueue.swift",
///                      "find": "…", "replace": "…" } ] }
/// ```
///
/// Format 1 (no `leak`, no `codeChanges`) still reads.
package struct ProofSpec: Decodable {
    /// What an injection is, and so which findings count as detecting it.
    package enum Kind: String, Decodable, CaseIterable {
        /// A parameter that holds memory, scaled by each of `memoryFactors`.
        case memory
        case throughput
        case latency
        /// A harness-injected leak (``ResultProtocol/injectedLeakVariable``): memory findings at
        /// every scale detect it.
        case leak
        /// A source edit built as the head side; detected by findings of its declared effect.
        case code

        /// The kind of finding that detects an injection of this kind (a code change's is its
        /// declared effect).
        var findingKind: Kind { self == .leak ? .memory : self }
    }

    /// A parameter injection.
    package struct Knob: Decodable {
        /// The parameter(s) scaled together (e.g. a producer and a consumer rate: the whole
        /// workload stretched in time).
        package var parameters: [String]
        /// For throughput and latency: the factor that halves throughput / doubles latency
        /// (e.g. workers × 0.5, job_latency × 2).
        package var factor: Double?
        /// Whether the targets require it detected (default: ``ProofSpec/requiredByDefault(_:factor:)``).
        package var required: Bool?

        package enum CodingKeys: String, CodingKey { case parameter, parameters, factor, required }

        package init(from decoder: Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            if let one = try container.decodeIfPresent(String.self, forKey: .parameter) {
                parameters = [one]
            } else {
                parameters = try container.decode([String].self, forKey: .parameters)
            }
            factor = try container.decodeIfPresent(Double.self, forKey: .factor)
            required = try container.decodeIfPresent(Bool.self, forKey: .required)
        }
    }

    /// A harness-injected leak: the share of each processed item's bytes the head's child keeps.
    package struct Leak: Decodable {
        /// In (0, 1]; written `"1/32"` or `0.03125`.
        package var perItem: Double
        /// As written, for the table ("1/32").
        package var text: String
        package var required: Bool?

        package enum CodingKeys: String, CodingKey { case perItem, required }

        package init(from decoder: Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            if let number = try? container.decode(Double.self, forKey: .perItem) {
                perItem = number
                text = String(number)
            } else {
                text = try container.decode(String.self, forKey: .perItem)
                perItem = ValueParser.fraction(text) ?? .nan
            }
            required = try container.decodeIfPresent(Bool.self, forKey: .required)
        }
    }

    /// One scenario's injections.
    package struct Knobs: Decodable {
        package var memory: Knob?
        package var throughput: Knob?
        package var latency: Knob?
        package var leak: Leak?
    }

    /// A source edit: `find` (exactly once in `file`, a path in the project) replaced by
    /// `replace` in an exported copy of the working tree, which is built as the head side.
    package struct CodeChange: Decodable {
        package var scenario: String
        /// The effect it must be detected by: memory, throughput or latency findings.
        package var kind: Kind
        /// What the edit does, for the table ("the job pool's queue capacity doubled").
        package var what: String
        package var file: String
        package var find: String
        package var replace: String
        package var required: Bool?
    }

    /// One cell of the proof, planned: what to inject, and whether the targets require it.
    package struct Cell {
        package enum Injection {
            /// Each parameter scaled by the cell's factor.
            case parameters([String])
            case leak(Leak)
            case code(CodeChange)
        }

        package var scenario: String
        package var kind: Kind
        package var factor: Double?
        package var injection: Injection
        package var required: Bool

        /// The kind of finding that detects it: a code change's declared effect, else its kind's.
        package var findingKind: Kind {
            if case .code(let change) = injection { return change.kind }
            return kind.findingKind
        }

        /// The parameters it scales (none for a leak or a code change).
        package var parameterNames: [String] {
            if case .parameters(let names) = injection { return names }
            return []
        }
    }

    package var formatVersion: Int
    package var memoryFactors: [Double]
    package var scenarios: [String: Knobs]
    package var codeChanges: [CodeChange]

    package enum CodingKeys: String, CodingKey { case formatVersion, memoryFactors, scenarios, codeChanges }

    package init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        formatVersion = try container.decode(Int.self, forKey: .formatVersion)
        memoryFactors = try container.decodeIfPresent([Double].self, forKey: .memoryFactors) ?? []
        scenarios = try container.decodeIfPresent([String: Knobs].self, forKey: .scenarios) ?? [:]
        codeChanges = try container.decodeIfPresent([CodeChange].self, forKey: .codeChanges) ?? []
    }

    /// The targets: every ×1.5 / ×2 memory injection, every throughput, latency, leak and
    /// code-change injection detected; ×1.25 memory reported as measured.
    package static func requiredByDefault(_ kind: Kind, factor: Double?) -> Bool {
        kind != .memory || (factor ?? 0) >= 1.5
    }

    /// Every cell, scenarios in name order, then the code changes in the file's order.
    package var cells: [Cell] {
        var cells: [Cell] = []
        for (scenario, knobs) in scenarios.sorted(by: { $0.key < $1.key }) {
            if let memory = knobs.memory {
                cells += memoryFactors.map { factor in
                    Cell(
                        scenario: scenario, kind: .memory, factor: factor, injection: .parameters(memory.parameters),
                        required: memory.required ?? Self.requiredByDefault(.memory, factor: factor))
                }
            }
            for (kind, knob, factor) in [(Kind.throughput, knobs.throughput, 0.5), (.latency, knobs.latency, 2)] {
                guard let knob else { continue }
                cells.append(
                    Cell(
                        scenario: scenario, kind: kind, factor: knob.factor ?? factor,
                        injection: .parameters(knob.parameters),
                        required: knob.required ?? Self.requiredByDefault(kind, factor: knob.factor ?? factor)))
            }
            if let leak = knobs.leak {
                cells.append(
                    Cell(
                        scenario: scenario, kind: .leak, factor: nil, injection: .leak(leak),
                        required: leak.required ?? true))
            }
        }
        for change in codeChanges {
            cells.append(
                Cell(
                    scenario: change.scenario, kind: .code, factor: nil, injection: .code(change),
                    required: change.required ?? true))
        }
        return cells
    }

    /// The proof limited to `names` (every scenario when empty).
    package func narrowed(to names: [String]) -> ProofSpec {
        guard !names.isEmpty else { return self }
        var copy = self
        copy.scenarios = scenarios.filter { names.contains($0.key) }
        copy.codeChanges = codeChanges.filter { names.contains($0.scenario) }
        return copy
    }

    /// Reads a proof file (format 1 or 2): 66 when there is none at `path`, 74 when it cannot be
    /// read, 65 when it is not a proof file or of another format.
    package static func load(_ path: String) throws(BenchError) -> ProofSpec {
        let spec = try JSONDocument.load(ProofSpec.self, from: path, what: "proof file")
        try JSONDocument.requireFormat(spec.formatVersion, readable: [1, 2], of: "proof file \(path)")
        return spec
    }

    /// Everything the proof names must exist before anything runs or is written: its scenarios
    /// in `entries`, numeric factors, a leak only where ScenarioKit can honour it (a Swift
    /// scenario built here), and each code change's `find` exactly once in its file.
    package func validate(path: String, projectRoot: String, entries: [ScenarioEntry]) throws(BenchError) {
        func entry(_ scenario: String) throws(BenchError) -> ScenarioEntry {
            guard let entry = entries.first(where: { $0.name == scenario }) else {
                throw BenchError(.data, "\(path) names '\(scenario)', which the baseline does not run")
            }
            return entry
        }
        for factor in memoryFactors where !(factor > 0) || !factor.isFinite {
            throw BenchError(.data, "\(path): memoryFactors must be positive numbers, got \(factor)")
        }
        for (scenario, knobs) in scenarios {
            let entry = try entry(scenario)
            for knob in [knobs.memory, knobs.throughput, knobs.latency].compactMap({ $0 }) {
                if let factor = knob.factor, !(factor > 0) || !factor.isFinite {
                    throw BenchError(.data, "\(path): \(scenario)'s factor must be positive, got \(factor)")
                }
                for parameter in knob.parameters where entry.description.parameter(named: parameter) == nil {
                    throw BenchError(.data, "\(path): \(scenario) has no parameter '\(parameter)'")
                }
            }
            if let leak = knobs.leak {
                guard leak.perItem > 0, leak.perItem <= 1 else {
                    throw BenchError(
                        .data, "\(path): \(scenario)'s leak perItem must be a fraction in (0, 1], got '\(leak.text)'")
                }
                guard case .built = entry.launch else {
                    throw BenchError(
                        .data,
                        "\(path): \(scenario) is not a Swift scenario built here; the injected leak is ScenarioKit's, so it cannot leak"
                    )
                }
            }
        }
        for change in codeChanges {
            _ = try entry(change.scenario)
            guard [.memory, .throughput, .latency].contains(change.kind) else {
                throw BenchError(
                    .data,
                    "\(path): a code change's kind is memory, throughput or latency (the findings that detect it), got '\(change.kind.rawValue)'"
                )
            }
            _ = try Self.applying(change, toFileIn: projectRoot, path: path)
        }
    }

    /// `change.file`'s text in the tree at `root` with the edit made. The file must be inside the
    /// tree and `find` must occur exactly once: an edit that matched nowhere would build an
    /// unchanged head (a miss the gate is not to blame for), one that matched twice something
    /// else than what the proof file says.
    package static func applying(_ change: CodeChange, toFileIn root: String, path: String) throws(BenchError) -> String
    {
        let standardized = ((root + "/" + change.file) as NSString).standardizingPath
        guard !change.file.hasPrefix("/"), standardized.hasPrefix((root as NSString).standardizingPath + "/") else {
            throw BenchError(.data, "\(path): code change file '\(change.file)' is not a path inside the project")
        }
        guard let data = FileManager.default.contents(atPath: standardized) else {
            throw BenchError(.data, "\(path): code change file '\(change.file)' does not exist")
        }
        let text = String(decoding: data, as: UTF8.self)
        guard !change.find.isEmpty else {
            throw BenchError(.data, "\(path): a code change's find text is empty (\(change.file))")
        }
        let occurrences = text.components(separatedBy: change.find).count - 1
        guard occurrences == 1 else {
            throw BenchError(
                .data,
                "\(path): code change find text occurs \(occurrences) times in \(change.file), not exactly once: \(change.find.debugDescription)"
            )
        }
        return text.replacingOccurrences(of: change.find, with: change.replace)
    }
}
