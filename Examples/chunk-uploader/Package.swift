// swift-tools-version: 6.1
//
// chunk-uploader: a small library of one's own (two ways to upload chunks to a slow remote), and
// the BackpressureBench scenarios that measure it. It lives outside the harness's target graph
// and depends on BackpressureBench by path, as `bpbench init DIR --local PATH` writes it; its
// scenarios need ScenarioKit only, so its first release build compiles no SwiftNIO.
//
//   bpbench run --package-path Examples/chunk-uploader --profile quick --scale 1,4

import Foundation
import PackageDescription

let root = Context.packageDirectory

/// The folders under Scenarios/ holding Swift sources, sorted for a stable manifest.
func swiftScenarioFolders() -> [String] {
    let names = (try? FileManager.default.contentsOfDirectory(atPath: root + "/Scenarios")) ?? []
    return names.sorted().filter { name in
        let files = (try? FileManager.default.contentsOfDirectory(atPath: root + "/Scenarios/" + name)) ?? []
        return !name.hasPrefix(".") && files.contains { $0.hasSuffix(".swift") }
    }
}

let package = Package(
    name: "chunk-uploader",
    platforms: [.macOS(.v15)],
    products: [.library(name: "ChunkUploader", targets: ["ChunkUploader"])],
    dependencies: [
        .package(name: "BackpressureBench", path: "../..")
    ],
    targets: [
        // The code under test: it knows nothing about the harness.
        .target(name: "ChunkUploader"),
        // What both scenarios do around the uploader they measure (chunks, paced remote, verifier).
        .target(
            name: "UploadWorkload",
            dependencies: ["ChunkUploader", .product(name: "ScenarioKit", package: "BackpressureBench")]),
    ]
        + swiftScenarioFolders().map { scenario in
            .executableTarget(
                name: scenario,
                dependencies: [
                    "ChunkUploader", "UploadWorkload", .product(name: "ScenarioKit", package: "BackpressureBench"),
                ],
                path: "Scenarios/" + scenario,
                exclude: FileManager.default.fileExists(atPath: root + "/Scenarios/" + scenario + "/README.md")
                    ? ["README.md"] : []
            )
        }
)
