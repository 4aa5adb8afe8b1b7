import ArgumentParser
import BenchSession
import BenchSystem

/// `bpbench gate-proof`: what the gate can and cannot see, measured on this machine.
///
/// (a) `--checks` unchanged checks, each the full baseline plan run twice interleaved (the same
/// binaries on both sides) and judged exactly as `check --against` judges: any finding is a
/// false alarm. (b) For every scenario the proof file names, regressions injected on the head
/// side only, each judged against the baseline and an unchanged base run interleaved with it:
/// its own parameters scaled (what holds its memory ×1.25, ×1.5, ×2, its throughput ×0.5, its
/// latency ×2), a harness-injected leak of a share of every item's bytes (ScenarioKit honours
/// ``ResultProtocol/injectedLeakVariable``: no build, no parameter), and source edits built as
/// the head (``PatchedTree``). Every rate is reported with its exact 95 % interval.
struct GateProofCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gate-proof",
        abstract: "Measure the gate's false-alarm rate and detection power on this machine; write gate-proof.md.",
        discussion:
            "Exit codes: 0 targets met (no false alarm; every required injection detected — ×1.5/×2 memory, ×0.5 throughput, ×2 latency, the leak at every scale, each code change); 1 a target missed; 64/65/66 as check; 65 also for a proof file whose code change's find text is not in its file exactly once (nothing is written), and for --resume DIR whose proof is not this one; 66 for --resume DIR with no proof-state.json."
    )

    @OptionGroup var project: ProjectOptions

    @Option(help: "Unchanged checks to run (each: the whole plan, head and base interleaved).")
    var checks: Int = GateProof.defaults.checks

    @Option(
        name: .customLong("scenario"),
        help: "Limit the unchanged checks and the injections to this scenario (repeatable): a quick proof of one row.")
    var scenarios: [String] = []

    @Option(help: "The proof file: what each injection changes.")
    var spec: String = GateProof.defaults.spec

    @Option(help: "The baseline file.")
    var baseline: String = GateProof.defaults.baseline

    @Option(help: "A thresholds file (default: Reports/thresholds.json if present).")
    var thresholds: String?

    @Option(help: "The folder to write (default: Reports/runs/<timestamp>).")
    var out: String?

    @Option(
        help: ArgumentHelp(
            "Continue the proof in this folder: the steps an earlier session finished are kept, the rest run (one in flight when the proof was cut runs again).",
            discussion:
                "Give the options the proof was started with; a folder whose proof differs from this tree or these options (commit, scenario inputs, proof file, baseline, thresholds, --checks, --scenario, --cpus, --fixed-repeats, host) is refused with one line naming the difference, exit 65.",
            valueName: "dir"))
    var resume: String?

    @Flag(
        help:
            "Run every row to the most the adaptive rule can reach (11 a side at the committed thresholds: the growth verdict's run-on; the cells alone stop at 7), so every claim is judged at one n fixed in advance, instead of stopping a row once the gate's answer for it cannot change."
    )
    var fixedRepeats = false

    @OptionGroup var pinning: CPUOptions

    @Flag(help: "No progress lines.")
    var quiet = false

    func run() throws {
        let proof = GateProof(
            checks: checks, scenarios: scenarios, spec: spec, baseline: baseline, thresholds: thresholds, out: out,
            fixedRepeats: fixedRepeats, cpus: pinning.cpus, resume: resume, quiet: quiet)
        let met = try reportingErrors { () throws(BenchError) -> Bool in
            try proof.execute(catalog: project.catalog)
        }
        if !met { throw ExitCode(1) }
    }
}
