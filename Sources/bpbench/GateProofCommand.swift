import ArgumentParser
import BenchCore
import BenchGate
import BenchModel
import BenchProtocol
import BenchReport
import BenchSession
import BenchSystem
import Foundation

/// `bpbench gate-proof`: what the gate can and cannot see, measured on this machine.
///
/// (a) `--checks` unchanged checks, each the full baseline plan run twice interleaved (the same
/// binaries on both sides) and judged exactly as `check --against` judges: any finding is a
/// false alarm. (b) For every scenario the proof file names, regressions injected through its
/// own parameters on the head side only — what holds its memory ×1.25, ×1.5, ×2, its
/// throughput ×0.5, its latency ×2 — each judged against the baseline and an unchanged base run
/// interleaved with it: detected or missed, with the change the injection really made.
struct GateProofCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gate-proof",
        abstract: "Measure the gate's false-alarm rate and detection power on this machine; write gate-proof.md.",
        discussion: "Exit codes: 0 targets met (no false alarm; every ×1.5/×2 memory, ×0.5 throughput, ×2 latency injection detected); 1 a target missed; 64/65/66 as check.")

    @OptionGroup var project: ProjectOptions

    @Option(help: "Unchanged checks to run (each: the whole plan, head and base interleaved).")
    var checks: Int = 10

    @Option(help: "Which parameter of each scenario each injection scales.")
    var spec: String = "Reports/gate-proof.json"

    @Option(help: "The baseline file.")
    var baseline: String = "Reports/baseline.json"

    @Option(help: "A thresholds file (default: Reports/thresholds.json if present).")
    var thresholds: String?

    @Option(help: "The folder to write (default: Reports/runs/<timestamp>).")
    var out: String?

    @Flag(help: "Run the baseline's repeat count for every row instead of stopping a row early once the gate's answer for it cannot change.")
    var fixedRepeats = false

    @Flag(help: "No progress lines.")
    var quiet = false

    func run() throws {
        let met = try reportingErrors { () throws(BenchError) -> Bool in
            guard checks >= 0 else { throw BenchError(.usage, "--checks must be 0 or more") }
            let catalog = try project.catalog()
            let baselineFile = try Baseline.load(baseline)
            let limits = try GateSession.thresholds(thresholds, project: catalog)
            let proof = try ProofSpec.load(spec)
            let interruption = Interruption()
            interruption.install()
            let session = GateSession(project: catalog, baseline: baselineFile, thresholds: limits, interruption: interruption, quiet: true, adaptive: !fixedRepeats)
            let entries = try session.entries(in: catalog)
            let plan = try session.plan(entries, overrides: [])
            if let difference = session.incomparability(of: plan, injected: nil) {
                throw BenchError(.data, "not comparable with \(baseline): \(difference) (make baseline records a new one)")
            }
            let directory = try RunFolder.create(out: out, in: RunFolder.Reports(projectRoot: catalog.projectRoot)).path
            var table = ProofTable()
            let started = Date()
            let environment = HostEnvironment.capture(projectRoot: catalog.projectRoot)
            // Written after every step, so a proof cut short still shows what it measured.
            func save(final: Bool) throws(BenchError) {
                let text = table.markdown(checks: table.unchanged.count, minutes: Date().timeIntervalSince(started) / 60, baseline: baseline, environment: environment)
                try AtomicFile.write(final ? text : text + "\n_(in progress)_\n", to: directory + "/gate-proof.md")
            }

            for (scenario, knobs) in proof.scenarios.sorted(by: { $0.key < $1.key }) {
                guard let entry = entries.first(where: { $0.name == scenario }) else { throw BenchError(.data, "\(spec) names '\(scenario)', which the baseline does not run") }
                let cellBaseline = baselineFile.restricted(to: scenario)
                let cellSession = GateSession(project: catalog, baseline: cellBaseline, thresholds: limits, interruption: interruption, quiet: true, adaptive: !fixedRepeats)
                let basePlan = try cellSession.plan([entry], overrides: [])
                for cell in knobs.cells(memoryFactors: proof.memoryFactors) {
                    var injections: [String] = []
                    for parameter in cell.parameters {
                        injections.append("\(parameter)=\(try Self.scaled(entry: entry, plan: basePlan, parameter: parameter, by: cell.factor))")
                    }
                    let headPlan = try cellSession.plan([entry], overrides: injections.map { "\(scenario).\($0)" })
                    let folder = directory + "/\(scenario)-\(cell.kind.rawValue)-x\(cell.factor)"
                    _ = try RunFolder.create(exactly: folder)
                    let result = try cellSession.run(head: headPlan, headEntries: [entry], base: (catalog, basePlan, [entry]),
                                                     injected: [scenario: cell.parameters], directory: folder)
                    try AtomicFile.write(result.report.markdown(title: "gate-proof cell: \(scenario) \(injections.joined(separator: " "))"), to: folder + "/check.md")
                    if interruption.isInterrupted { throw BenchError(.interrupted, "interrupted; partial results in \(directory)") }
                    let row = ProofTable.Cell(scenario: scenario, kind: cell.kind, factor: cell.factor, injection: injections.joined(separator: ", "), report: result.report,
                                              repeats: ProofTable.repeats(result.head))
                    table.cells.append(row)
                    try save(final: false)
                    say("\(scenario) \(cell.kind.rawValue) ×\(cell.factor) (\(row.injection)): \(row.detected ? "detected" : "MISSED") — \(row.effect)")
                }
            }
            for index in 1...max(checks, 1) where checks > 0 {
                let folder = directory + "/unchanged-\(index)"
                _ = try RunFolder.create(exactly: folder)
                let base = (catalog: catalog, plan: plan, entries: entries)
                let checkStarted = Date()
                let result = try session.run(head: plan, headEntries: entries, base: base, injected: nil, directory: folder)
                if interruption.isInterrupted { throw BenchError(.interrupted, "interrupted; partial results in \(directory)") }
                let children = result.head.document.records.count + (result.base?.document.records.count ?? 0)
                table.unchanged.append(.init(findings: result.report.findings.map(\.description), children: children,
                                             seconds: Date().timeIntervalSince(checkStarted)))
                try save(final: false)
                say("unchanged check \(index)/\(checks): \(result.report.findings.isEmpty ? "pass" : "FALSE ALARM: " + result.report.findings.map(\.description).joined(separator: "; ")) (\(children) recorded children)")
            }

            try save(final: true)
            print(table.markdown(checks: table.unchanged.count, minutes: Date().timeIntervalSince(started) / 60, baseline: baseline, environment: environment))
            print("wrote \(directory)/gate-proof.md")
            return table.targetsMet
        }
        if !met { throw ExitCode(1) }
    }

    func say(_ line: String) {
        if !quiet { print(line) }
        fflush(nil)
    }

    /// The plan's value of `parameter` × `factor`, in the parameter's base unit.
    static func scaled(entry: ScenarioCatalog.Entry, plan: RunPlan, parameter: String, by factor: Double) throws(BenchError) -> String {
        guard let spec = entry.description.parameter(named: parameter),
              let text = plan.steps.first?.parameters.first(where: { $0.0 == parameter })?.1 else {
            throw BenchError(.data, "\(entry.name) has no parameter '\(parameter)'")
        }
        let value: ParameterValue
        do { value = try spec.parse(text) } catch { throw BenchError(.data, "\(entry.name).\(parameter): \(error)") }
        switch value {
        case .integer(let number): return String(Int((Double(number) * factor).rounded()))
        case .real(let number): return String(number * factor)
        case .flag, .text: throw BenchError(.data, "\(entry.name).\(parameter) is not numeric; it cannot be scaled")
        }
    }
}

/// `Reports/gate-proof.json`: per scenario, the parameter each injection scales.
struct ProofSpec: Decodable {
    enum Kind: String, Decodable { case memory, throughput, latency }

    struct Knob: Decodable {
        /// The parameter(s) scaled together (e.g. a producer and a consumer rate: the whole
        /// workload stretched in time).
        var parameters: [String]
        /// For throughput and latency: the factor that halves throughput / doubles latency
        /// (e.g. workers × 0.5, job_latency × 2).
        var factor: Double?

        enum CodingKeys: String, CodingKey { case parameter, parameters, factor }

        init(from decoder: Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            if let one = try container.decodeIfPresent(String.self, forKey: .parameter) {
                parameters = [one]
            } else {
                parameters = try container.decode([String].self, forKey: .parameters)
            }
            factor = try container.decodeIfPresent(Double.self, forKey: .factor)
        }
    }

    struct Knobs: Decodable {
        var memory: Knob?
        var throughput: Knob?
        var latency: Knob?

        func cells(memoryFactors: [Double]) -> [(kind: Kind, parameters: [String], factor: Double)] {
            var cells: [(Kind, [String], Double)] = []
            if let memory { cells += memoryFactors.map { (.memory, memory.parameters, $0) } }
            if let throughput { cells.append((.throughput, throughput.parameters, throughput.factor ?? 0.5)) }
            if let latency { cells.append((.latency, latency.parameters, latency.factor ?? 2)) }
            return cells
        }
    }

    var formatVersion: Int
    var memoryFactors: [Double]
    var scenarios: [String: Knobs]

    static func load(_ path: String) throws(BenchError) -> ProofSpec {
        guard let data = FileManager.default.contents(atPath: path) else { throw BenchError(.noInput, "proof file \(path) does not exist") }
        do {
            let spec = try JSONLineCoding.decoder.decode(ProofSpec.self, from: data)
            guard spec.formatVersion == 1 else { throw BenchError(.data, "proof file \(path) has format version \(spec.formatVersion); this bpbench reads 1") }
            return spec
        } catch let error as BenchError {
            throw error
        } catch {
            throw BenchError(.data, "proof file \(path) is not valid: \(error.localizedDescription)")
        }
    }
}

/// The proof's results and their markdown.
struct ProofTable {
    struct Cell {
        var scenario: String
        var kind: ProofSpec.Kind
        var factor: Double
        var injection: String
        var report: GateReport
        /// The head side's recorded repeats per scale, e.g. "×1: 5, ×4: 5".
        var repeats: String = ""

        /// Findings of the injection's own kind.
        var matching: [Finding] {
            report.findings.filter { finding in
                switch kind {
                case .memory: return finding.metric.hasSuffix("_bytes") || finding.metric.hasPrefix(Metric.gaugePrefix)
                case .throughput: return finding.metric.hasPrefix("throughput")
                case .latency: return finding.metric.hasPrefix("latency")
                }
            }
        }

        var detected: Bool { !matching.isEmpty }

        /// What the injection really changed: the judged cells of its kind, largest change first.
        var effect: String {
            let relevant = report.judgements.filter { judgement in
                switch kind {
                case .memory: return judgement.unit == .bytes || judgement.metric.hasPrefix(Metric.gaugePrefix)
                case .throughput: return judgement.metric.hasPrefix("throughput")
                case .latency: return judgement.metric.hasPrefix("latency")
                }
            }.sorted { $0.worsening > $1.worsening }
            return relevant.prefix(2).map { "\($0.metric) \($0.changeText) (p = \(String(format: "%.3f", $0.p)))" }.joined(separator: "; ")
        }

        /// Whether the issue's targets require this cell to be detected.
        var required: Bool { kind != .memory || factor >= 1.5 }
    }

    /// One unchanged check: its findings (false alarms), and what it cost.
    struct UnchangedCheck {
        var findings: [String]
        var children: Int
        var seconds: Double
    }

    var unchanged: [UnchangedCheck] = []
    var cells: [Cell] = []

    var falseAlarms: Int { unchanged.filter { !$0.findings.isEmpty }.count }

    /// A run's recorded repeats per row and scale, as "row ×1: 3, ×4: 5".
    static func repeats(_ analysis: RunAnalysis) -> String {
        analysis.summaries.map { "\(Format.scale($0.scale)): \($0.records.count)" }.joined(separator: ", ")
    }
    var targetsMet: Bool { falseAlarms == 0 && cells.allSatisfy { !$0.required || $0.detected } }

    func markdown(checks: Int, minutes: Double, baseline: String, environment: HostEnvironment) -> String {
        var lines = ["# Gate proof", "",
                     "Machine: \(environment.cpu), \(environment.cores) cores, kernel \(environment.kernel); commit \(environment.gitCommit); baseline \(baseline). Took \(String(format: "%.1f", minutes)) min.", "",
                     "## False alarms", "",
                     "\(checks) unchanged checks (the whole plan, the same binaries on both sides, interleaved; judged as `check --against`): **\(falseAlarms) false alarm(s)** (\(checks > 0 ? String(format: "%.0f%%", Double(falseAlarms) / Double(checks) * 100) : "—")).", ""]
        for (index, check) in unchanged.enumerated() where !check.findings.isEmpty {
            lines.append("- check \(index + 1): " + check.findings.joined(separator: "; "))
        }
        if !unchanged.isEmpty {
            let children = unchanged.map(\.children), seconds = unchanged.map(\.seconds)
            lines += ["", String(format: "Each unchanged check ran %d–%d recorded children (both sides; adaptive repeats stop a row once the gate's answer cannot change) in %.0f–%.0f s.",
                                 children.min()!, children.max()!, seconds.min()!, seconds.max()!)]
        }
        lines += ["", "## Detection power", "",
                  "Each cell: the scenario at every scale of the baseline, the injected parameter(s) on the head side only, interleaved with an unchanged base, judged against the baseline and the base. *Required*: the targets (every ×1.5 / ×2 memory, ×0.5 throughput, ×2 latency injection detected); ×1.25 is reported as measured.", "",
                  "| scenario | injection | kind | factor | detected | what it changed (largest judged changes) | findings | head repeats |",
                  "|---|---|---|---:|---|---|---|---|"]
        for cell in cells {
            let mark = cell.detected ? "✅ detected" : (cell.required ? "❌ missed" : "➖ missed")
            let findings = cell.matching.map { "\($0.metric) \($0.scale == 1 ? "" : Format.scale($0.scale))" }.joined(separator: ", ")
            lines.append("| `\(cell.scenario)` | \(cell.injection) | \(cell.kind.rawValue) | ×\(cell.factor) | \(mark) | \(cell.effect) | \(findings.isEmpty ? "—" : findings) | \(cell.repeats) |")
        }
        let required = cells.filter(\.required)
        lines += ["", "Detection: \(required.filter(\.detected).count) / \(required.count) required cells; ×1.25: \(cells.filter { !$0.required && $0.detected }.count) / \(cells.filter { !$0.required }.count). Targets \(targetsMet ? "met" : "**not met**")."]
        return lines.joined(separator: "\n") + "\n"
    }
}
