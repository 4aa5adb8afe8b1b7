/// The child → parent result protocol, version 2: what any program — Swift or not — writes so
/// the harness gets full rows from it. The full contract, for authors in any language (manifest,
/// parameters, messages, items), is `Scenarios/PROTOCOL.md`; this is its summary and constants.
///
/// **Channel.** The harness opens fd 3 for writing and names it in `BPBENCH_RESULT_FD=3`. Without
/// that variable a program run by hand prints its result to stdout instead.
///
/// **Input.** The harness resolves every parameter (profile defaults, the user's overrides,
/// validation) and hands the child the whole set once, as one JSON object of strings in
/// `--parameters '{"items":"1600",…}'`; the child only parses the values into its types. A hand
/// run may instead give `--profile P` and `--param k=v` (the child then applies its own defaults).
///
/// **Messages**, one JSON object per line, each with its kind in `"type"`:
/// 1. `hello` once, first: `scenario`, `pid`, `sampleIntervalMs`; `jemallocVersion` and
///    `mallocConf` (Swift), or `runtime` and `allocator` (another runtime's counters).
/// 2. `sample` any number of times: `tMs` (since the run started), `counters` (the allocator's
///    `allocated`, `active`, `resident`, `mapped`, `retained` bytes — each the maximum over the
///    window), `items` and `bytes` so far, `gauges` (each gauge's maximum over the window).
/// 3. `result` once, last: `status` (`ok`, `failed-verification`, `error`, `skipped`), `message`, `items`,
///    `bytes`, `durationS`, `latency` (µs percentiles), `peaks` (allocator counters' maxima),
///    `finalAllocated`, `gaugeMaxima`, `metrics`, `verification` (expected and received counts
///    and checksums, problems), `samplerTicks`, `samplerTickUs`.
///
/// A line that is not one of these is a protocol error (the row's status is `protocol-error`).
/// The parent measures RSS, CPU, wall time and the kernel's peak itself, so a program that says
/// nothing still gets those.
public enum ResultProtocol {
    /// Bumped whenever a message or the input changes shape; scenarios declare the version they
    /// speak in their description, and the gate does not pit two versions against each other.
    public static let version = 2
    /// The file descriptor of the result channel.
    public static let fd: Int32 = 3
    /// Names the result channel's descriptor to the child.
    public static let environmentVariable = "BPBENCH_RESULT_FD"
    /// The flag that hands the child its resolved parameters (a JSON object of strings).
    public static let parametersFlag = "--parameters"
    /// Set (with jemalloc's profiling on in `MALLOC_CONF`) by `bpbench run --attribute`: the file
    /// a Swift child dumps its heap profile to at each new peak.
    public static let peakProfileVariable = "BPBENCH_PEAK_PROFILE"
    /// `system` when `bpbench run --allocator system` preloaded glibc's malloc ahead of jemalloc:
    /// the child then reports no allocator counters (jemalloc sees nothing) and says so in hello.
    public static let allocatorVariable = "BPBENCH_ALLOCATOR"
    /// A fraction in (0, 1], set by `bpbench gate-proof` on the head side only: a Swift child
    /// keeps that share of the bytes of every item it reports as processed until it exits — a
    /// harness-injected 1/32-per-item leak in a real scenario, to prove the gate catches one.
    public static let injectedLeakVariable = "BPBENCH_INJECT_LEAK_PER_ITEM"
}
