import Foundation

/// The child's command line: `<scenario> [--profile P] [--param k=v]... [--describe] [--help]`,
/// or, under the harness, `--parameters JSON` with every parameter already resolved.
///
/// Exit codes: 0 ok, 1 failed verification, 64 bad usage or parameter, 70 the scenario threw.
enum ScenarioMain {
    struct Options {
        var profile = Profile.standard.rawValue
        var overrides: [String: String] = [:]
        /// The harness's resolved set (``ResultProtocol/parametersFlag``): used as given.
        var resolved: [String: String]?
        var sampleIntervalMs = 1.0
        var timelineIntervalMs = 10.0
        var cacheDirectory =
            ProcessInfo.processInfo.environment["BPBENCH_CACHE_DIR"] ?? NSTemporaryDirectory() + "bpbench-cache"
        var workDirectory: String?
        var describe = false
        var help = false
    }

    static func run<S: Scenario>(_ scenario: S.Type) async -> Never {
        let definition = S.definition
        let options: Options
        do {
            options = try parse(Array(CommandLine.arguments.dropFirst()))
        } catch {
            fail("\(definition.name): \(error)", code: 64)
        }
        if options.help {
            print(usage(definition))
            exit(0)
        }
        if options.describe {
            print((try? JSONLineCoding.line(definition)) ?? "{}")
            exit(0)
        }
        guard Profile(rawValue: options.profile) != nil else {
            fail(
                "\(definition.name): unknown profile '\(options.profile)' (known: \(Profile.allCases.map(\.rawValue).joined(separator: ", ")))",
                code: 64)
        }
        let parameters: Parameters
        do {
            if let resolved = options.resolved {
                // Resolved once, by the parent: parse into types, never re-apply defaults.
                parameters = try Parameters(description: definition, handed: resolved)
            } else {
                parameters = try Parameters(
                    description: definition,
                    resolved: definition.resolve(profile: options.profile, overrides: options.overrides))
            }
        } catch {
            fail("\(definition.name): \(error)", code: 64)
        }

        let fileManager = FileManager.default
        let workDirectory =
            options.workDirectory ?? NSTemporaryDirectory() + "bpbench-work-\(definition.name)-\(getpid())"
        do {
            try fileManager.createDirectory(atPath: options.cacheDirectory, withIntermediateDirectories: true)
            try fileManager.createDirectory(atPath: workDirectory, withIntermediateDirectories: true)
        } catch {
            fail("\(definition.name): cannot create working folders: \(error)", code: 73)
        }
        defer { if options.workDirectory == nil { try? fileManager.removeItem(atPath: workDirectory) } }

        let context = ScenarioContext(
            parameters: parameters, profile: options.profile, cacheDirectory: options.cacheDirectory,
            workDirectory: workDirectory)
        let channel = ResultChannel(environment: ProcessInfo.processInfo.environment)
        let stats = JemallocStats()
        // `bpbench run --allocator system` preloaded glibc's malloc: jemalloc is loaded but sees no
        // allocation, so its counters would only say zero.
        let onSystemAllocator = ProcessInfo.processInfo.environment[ResultProtocol.allocatorVariable] == "system"
        if channel.toHarness {
            let hello =
                onSystemAllocator
                ? HelloMessage(
                    scenario: definition.name, pid: getpid(), jemallocVersion: nil, mallocConf: nil,
                    sampleIntervalMs: options.sampleIntervalMs,
                    runtime: "swift", allocator: "glibc malloc (system): no allocator counters")
                : HelloMessage(
                    scenario: definition.name, pid: getpid(), jemallocVersion: JemallocStats.version,
                    mallocConf: JemallocStats.optionsInForce, sampleIntervalMs: options.sampleIntervalMs,
                    runtime: "swift")
            if let line = try? JSONLineCoding.line(hello) { channel.send(line: line) }
        }

        var status = RunStatus.ok
        var message: String?
        var verification: VerificationReport?
        do {
            try await S.prepare(context)
        } catch {
            status = .error
            message = "prepare failed: \(error)"
        }
        let profiler = PeakProfiler.fromEnvironment(ProcessInfo.processInfo.environment)
        let sampler = MemorySampler(
            stats: stats, intervalMs: options.sampleIntervalMs, timelineIntervalMs: options.timelineIntervalMs,
            channel: channel, context: context,
            profiler: profiler)
        let clock = ContinuousClock()
        let started = clock.now
        let operationsBefore = stats.operationCounts()
        if status == .ok {
            sampler.start()
            do {
                let report = try await S.run(context)
                verification = report
                if !report.passed {
                    status = .failedVerification
                    message = report.problems.joined(separator: "; ")
                }
            } catch let unavailable as ScenarioUnavailable {
                status = .skipped
                message = unavailable.reason
            } catch {
                status = .error
                message = "\(error)"
            }
        }
        let elapsed = clock.now - started
        let summary = sampler.stop()
        let operationsAfter = stats.operationCounts()
        let progress = context.progressSnapshot()
        var result = ResultMessage(
            status: status, message: message, items: progress.items, bytes: progress.bytes,
            durationS: Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18,
            latency: context.latency.summary(), peaks: summary.peaks, finalAllocated: stats.read().allocated,
            gaugeMaxima: context.gauges.maxima, metrics: context.metricsSnapshot(), verification: verification,
            samplerTicks: summary.ticks, samplerTickUs: summary.meanTickMicroseconds)
        if let profiler {
            // How close the attributed profile is to the peak (its allocated bytes against the
            // peak's), and what the dumps cost. The sampler's last reading, taken above once the
            // scenario returned, was dumped whatever the interval if it passed the step.
            result.metrics.merge(profiler.metrics) { $1 }
        }
        if !onSystemAllocator {
            result.allocations = operationsAfter.allocations - operationsBefore.allocations
            result.frees = operationsAfter.frees - operationsBefore.frees
        }
        if channel.toHarness {
            if let line = try? JSONLineCoding.line(result) { channel.send(line: line) }
        } else {
            result.parameters = parameters.text  // a hand run's JSON says what it ran with
            if let data = try? JSONLineCoding.prettyEncoder.encode(result) {
                print(String(decoding: data, as: UTF8.self))
            }
        }
        if options.workDirectory == nil { try? fileManager.removeItem(atPath: workDirectory) }
        exit(status == .ok || status == .skipped ? 0 : status == .failedVerification ? 1 : 70)
    }

    static func parse(_ arguments: [String]) throws -> Options {
        var options = Options()
        var iterator = arguments.makeIterator()
        func value(for flag: String) throws -> String {
            guard let next = iterator.next() else { throw UsageError("\(flag) needs a value") }
            return next
        }
        func milliseconds(_ flag: String) throws -> Double {
            let text = try value(for: flag)
            guard let number = Double(text), number >= 0, number.isFinite else {
                throw UsageError("\(flag) must be a number of milliseconds ≥ 0, got '\(text)'")
            }
            return number
        }
        while let argument = iterator.next() {
            switch argument {
            case "--describe": options.describe = true
            case "--help", "-h": options.help = true
            case "--profile": options.profile = try value(for: argument)
            case "--param", "-p": try addOverride(try value(for: argument), to: &options)
            case ResultProtocol.parametersFlag:
                let text = try value(for: argument)
                guard let object = try? JSONLineCoding.decoder.decode([String: String].self, from: Data(text.utf8))
                else {
                    throw UsageError("\(argument) takes a JSON object of strings, got '\(text)'")
                }
                options.resolved = object
            case "--sample-interval-ms": options.sampleIntervalMs = try milliseconds(argument)
            case "--timeline-interval-ms": options.timelineIntervalMs = try milliseconds(argument)
            case "--cache-dir": options.cacheDirectory = try value(for: argument)
            case "--work-dir": options.workDirectory = try value(for: argument)
            default:
                guard argument.contains("="), !argument.hasPrefix("-") else {
                    throw UsageError("unknown option '\(argument)' (see --help)")
                }
                try addOverride(argument, to: &options)
            }
        }
        return options
    }

    private static func addOverride(_ pair: String, to options: inout Options) throws {
        guard let equals = pair.firstIndex(of: "="), equals != pair.startIndex else {
            throw UsageError("parameters are key=value, got '\(pair)'")
        }
        options.overrides[String(pair[..<equals])] = String(pair[pair.index(after: equals)...])
    }

    static func usage(_ definition: ScenarioDescription) -> String {
        var lines = [
            "\(definition.name): \(definition.summary)",
            "",
            "usage: \(definition.name) [--profile quick|standard|stress] [--param key=value]... [--sample-interval-ms N]",
            "       [--timeline-interval-ms N] [--cache-dir DIR] [--work-dir DIR] [--describe]",
            "",
            "Prints its result as JSON on stdout (under bpbench: JSON lines on fd 3).",
            "",
            "parameters (default; per-profile defaults in brackets):",
        ]
        for spec in definition.parameters {
            let profiles = spec.profileDefaults.keys.sorted().map { "\($0)=\(spec.profileDefaults[$0]!)" }.joined(
                separator: " ")
            let choices = spec.choices.isEmpty ? "" : " {\(spec.choices.joined(separator: "|"))}"
            lines.append(
                "  \(spec.name)=\(spec.defaultValue)\(choices)\(profiles.isEmpty ? "" : " [\(profiles)]")  \(spec.help)"
            )
        }
        return lines.joined(separator: "\n")
    }

    static func fail(_ message: String, code: Int32) -> Never {
        FileHandle.standardError.write(Data(("error: " + message + "\n").utf8))
        exit(code)
    }
}

struct UsageError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
