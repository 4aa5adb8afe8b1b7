import BenchModel
import Foundation

/// `flame-<row>.svg`: the heap at a row's peak as a flame graph (`bpbench run --attribute`). Each
/// box is a frame; its width is the bytes held at the peak by allocations made under it; the
/// allocating calls are at the top. Hover a box for its name and bytes.
public struct FlameGraphExporter: Exporter {
    public let attribution: PeakAttribution
    public var fileName: String { Self.fileName(for: attribution.row) }

    public init(attribution: PeakAttribution) { self.attribution = attribution }

    /// One exporter per attributed row of the run.
    public static func exporters(for analysis: RunAnalysis) -> [any Exporter] {
        (analysis.document.attributions ?? []).map(FlameGraphExporter.init)
    }

    public static func fileName(for row: RowID) -> String {
        "flame-" + row.description.replacingOccurrences(of: "/", with: "-") + ".svg"
    }

    /// A frame and the stacks under it.
    final class Node {
        let name: String
        var bytes = 0
        var children: [String: Node] = [:]
        var order: [String] = []
        init(name: String) { self.name = name }

        func child(_ name: String) -> Node {
            if let existing = children[name] { return existing }
            let node = Node(name: name)
            children[name] = node
            order.append(name)
            return node
        }

        var depth: Int { 1 + (children.values.map(\.depth).max() ?? 0) }
    }

    static let width = 1200.0
    static let rowHeight = 16.0

    public func render(_ analysis: RunAnalysis) throws -> String {
        let profiled = attribution.profiledAllocatedBytes.map { " at \(Format.bytes(Double($0))) allocated" } ?? ""
        let title =
            "\(attribution.row) \(Format.scale(attribution.scale)), repeat \(attribution.repeatIndex): heap at its peak\(profiled) (peak \(Format.bytes(Double(attribution.peakAllocatedBytes)))), \(Format.bytes(Double(attribution.totalBytes))) in sampled stacks"
        return Self.svg(
            stacks: attribution.stacks, title: title,
            legend:
                "width = bytes held at the peak by allocations under the frame; allocating calls on top (jemalloc heap profile, jeprof)"
        )
    }

    /// A flame graph of `stacks` (frames outermost first, bytes ≥ 0): one drawing for a row's
    /// heap at its peak and for what grew between two profiles (`check`'s what-grew section).
    public static func svg(stacks: [PeakAttribution.Stack], title: String, legend: String) -> String {
        let root = Node(name: "all")
        for stack in stacks where stack.bytes > 0 {
            root.bytes += stack.bytes
            var node = root
            for frame in stack.frames {
                node = node.child(frame)
                node.bytes += stack.bytes
            }
        }
        let depth = root.depth
        let top = 40.0
        let height = top + Double(depth) * Self.rowHeight + 10
        var body: [String] = []
        // Flame layout: the root at the bottom, callees above their callers.
        func draw(_ node: Node, x: Double, level: Int) {
            guard root.bytes > 0 else { return }
            let width = Double(node.bytes) / Double(root.bytes) * Self.width
            guard width >= 0.5 else { return }
            let y = top + Double(depth - level - 1) * Self.rowHeight
            let share = Double(node.bytes) / Double(root.bytes) * 100
            let label = "\(node.name) — \(Format.bytes(Double(node.bytes))) (\(String(format: "%.1f", share)) %)"
            body.append(
                "<g><title>\(SVGPlot.escape(label))</title><rect x=\"\(fixed(x))\" y=\"\(fixed(y))\" width=\"\(fixed(width))\" height=\"\(fixed(Self.rowHeight - 1))\" fill=\"\(Self.color(node.name))\" rx=\"2\"/>"
            )
            let characters = Int(width / 7)
            if characters >= 4 {
                let text = node.name.count > characters ? String(node.name.prefix(characters - 1)) + "…" : node.name
                body.append(
                    "<text x=\"\(fixed(x + 3))\" y=\"\(fixed(y + Self.rowHeight - 4))\">\(SVGPlot.escape(text))</text>")
            }
            body.append("</g>")
            var childX = x
            for name in node.order.sorted(by: { node.children[$0]!.bytes > node.children[$1]!.bytes }) {
                let child = node.children[name]!
                draw(child, x: childX, level: level + 1)
                childX += Double(child.bytes) / Double(root.bytes) * Self.width
            }
        }
        draw(root, x: 0, level: 0)
        return """
            <svg xmlns="http://www.w3.org/2000/svg" width="\(fixed(Self.width))" height="\(fixed(height))" viewBox="0 0 \(fixed(Self.width)) \(fixed(height))" font-family="monospace" font-size="11">
            <rect width="100%" height="100%" fill="white"/>
            <text x="4" y="18" font-size="14" font-family="sans-serif">\(SVGPlot.escape(title))</text>
            <text x="4" y="33" font-size="11" font-family="sans-serif" fill="#555">\(SVGPlot.escape(legend))</text>
            \(body.joined(separator: "\n"))
            </svg>

            """
    }

    private static func fixed(_ value: Double) -> String { String(format: "%.1f", value) }

    /// A warm colour per frame name, stable across runs.
    static func color(_ name: String) -> String {
        var hash: UInt32 = 2_166_136_261
        for byte in name.utf8 { hash = (hash ^ UInt32(byte)) &* 16_777_619 }
        let red = 205 + Int(hash % 50)
        let green = 80 + Int((hash >> 8) % 120)
        let blue = 30 + Int((hash >> 16) % 40)
        return "rgb(\(red),\(green),\(blue))"
    }
}
