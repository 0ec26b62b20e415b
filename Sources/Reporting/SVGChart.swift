import Foundation

/// One panel of a line chart: series of (x, y) points drawn as lines and/or markers over linear
/// axes (x may be base-2 logarithmic), with ticks at round numbers, grid lines and a legend.
/// `SVGFigure` places panels side by side in one SVG document.
public struct SVGChart {
    /// How a series is drawn.
    public enum Style: Equatable {
        /// A solid line through the points, with a marker on each.
        case line
        /// A dashed line without markers (ideal lines, projections).
        case dashed
        /// Markers only (measured points next to a model).
        case markers
    }

    /// A named list of points.
    public struct Series {
        public var name: String
        public var points: [(x: Double, y: Double)]
        public var style: Style

        public init(name: String, points: [(x: Double, y: Double)], style: Style = .line) {
            self.name = name
            self.points = points
            self.style = style
        }
    }

    public var title: String
    public var xLabel: String
    public var yLabel: String
    public var series: [Series]
    /// Draws x on a base-2 logarithmic axis (x must be positive).
    public var logX: Bool
    /// Forces the y range to include 0.
    public var yFromZero: Bool
    /// x is a count (ranks, steps): ticks at whole numbers only.
    public var integerX: Bool

    public init(title: String, xLabel: String, yLabel: String, series: [Series], logX: Bool = false, yFromZero: Bool = true,
                integerX: Bool = false) {
        self.title = title
        self.xLabel = xLabel
        self.yLabel = yLabel
        self.series = series
        self.logX = logX
        self.yFromZero = yFromZero
        self.integerX = integerX
    }

    static let palette = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf"]

    /// The panel's SVG elements inside a `width` × `height` box whose top-left corner is (`left`, `top`).
    func render(left: Double, top: Double, width: Double, height: Double) -> String {
        let plot = (x0: left + 62, y0: top + 34, x1: left + width - 14, y1: top + height - 50)
        var out = [String]()
        out.append(text(title, x: (plot.x0 + plot.x1) / 2, y: top + 20, anchor: "middle", size: 15, weight: "bold"))
        out.append(text(xLabel, x: (plot.x0 + plot.x1) / 2, y: top + height - 12, anchor: "middle", size: 13))
        let yMid = (plot.y0 + plot.y1) / 2
        out.append("<text x=\"\(f(left + 16))\" y=\"\(f(yMid))\" text-anchor=\"middle\" font-size=\"13\" "
                   + "transform=\"rotate(-90 \(f(left + 16)) \(f(yMid)))\">\(escape(yLabel))</text>")

        let all = series.flatMap(\.points).filter { $0.x.isFinite && $0.y.isFinite && (!logX || $0.x > 0) }
        guard !all.isEmpty else {
            out.append(text("no data", x: (plot.x0 + plot.x1) / 2, y: yMid, anchor: "middle", size: 13))
            return out.joined(separator: "\n")
        }
        let xs = all.map { logX ? log2($0.x) : $0.x }
        var (xMin, xMax) = SVGChart.widened(xs.min()!, xs.max()!)
        var yMin = all.map(\.y).min()!, yMax = all.map(\.y).max()!
        if yFromZero { yMin = min(yMin, 0); yMax = max(yMax, 0) }
        (yMin, yMax) = SVGChart.widened(yMin, yMax)
        // headroom above the data for the legend (halves: the span of ±1e308 does not overflow)
        yMax = min(yMax + 0.24 * (yMax / 2 - yMin / 2), .greatestFiniteMagnitude)
        let yTicks = SVGChart.niceTicks(yMin, yMax)
        yMin = min(yMin, yTicks.first ?? yMin); yMax = max(yMax, yTicks.last ?? yMax)
        let xTicks = logX ? SVGChart.log2Ticks(xMin, xMax, integer: integerX) : SVGChart.niceTicks(xMin, xMax, integer: integerX)
        // a count on a log axis starts at 2^0 = 1 (no room for half a rank)
        if logX && integerX && xs.min()! >= 0 { xMin = max(xMin, 0) }
        xMin = min(xMin, xTicks.first ?? xMin); xMax = max(xMax, xTicks.last ?? xMax)
        // positions from halves, so that no difference overflows
        let xHalfSpan = xMax / 2 - xMin / 2, yHalfSpan = yMax / 2 - yMin / 2
        func px(_ x: Double) -> Double { plot.x0 + ((logX ? log2(x) : x) / 2 - xMin / 2) / xHalfSpan * (plot.x1 - plot.x0) }
        func py(_ y: Double) -> Double { plot.y1 - (y / 2 - yMin / 2) / yHalfSpan * (plot.y1 - plot.y0) }

        for t in yTicks {
            let y = py(t)
            out.append(line(plot.x0, y, plot.x1, y, stroke: "#dddddd"))
            out.append(text(SVGChart.label(t), x: plot.x0 - 6, y: y + 4, anchor: "end", size: 11))
        }
        for t in xTicks {
            let x = plot.x0 + (t / 2 - xMin / 2) / xHalfSpan * (plot.x1 - plot.x0)
            out.append(line(x, plot.y0, x, plot.y1, stroke: "#eeeeee"))
            let value = logX ? pow(2, t) : t
            out.append(text(SVGChart.label(value), x: x, y: plot.y1 + 16, anchor: "middle", size: 11))
        }
        out.append("<rect x=\"\(f(plot.x0))\" y=\"\(f(plot.y0))\" width=\"\(f(plot.x1 - plot.x0))\" "
                   + "height=\"\(f(plot.y1 - plot.y0))\" fill=\"none\" stroke=\"#333333\"/>")

        if !series.isEmpty {
            let widest = series.map(\.name.count).max() ?? 0
            out.append("<rect x=\"\(f(plot.x0 + 4))\" y=\"\(f(plot.y0 + 3))\" width=\"\(f(34 + 6.2 * Double(widest)))\" "
                       + "height=\"\(f(16 * Double(series.count) + 4))\" fill=\"white\" fill-opacity=\"0.85\" stroke=\"#cccccc\"/>")
        }
        for (i, s) in series.enumerated() {
            let color = SVGChart.palette[i % SVGChart.palette.count]
            let points = s.points.filter { $0.x.isFinite && $0.y.isFinite && (!logX || $0.x > 0) }
            if s.style != .markers && points.count > 1 {
                let path = points.map { "\(f(px($0.x))),\(f(py($0.y)))" }.joined(separator: " ")
                let dash = s.style == .dashed ? " stroke-dasharray=\"6 4\"" : ""
                out.append("<polyline points=\"\(path)\" fill=\"none\" stroke=\"\(color)\" stroke-width=\"2\"\(dash)/>")
            }
            if s.style != .dashed && points.count <= 200 {
                for p in points {
                    out.append("<circle cx=\"\(f(px(p.x)))\" cy=\"\(f(py(p.y)))\" r=\"3.5\" fill=\"\(color)\"/>")
                }
            }
            // legend, top-left inside the plot
            let ly = plot.y0 + 14 + Double(i) * 16
            let dash = s.style == .dashed ? " stroke-dasharray=\"6 4\"" : ""
            out.append("<line x1=\"\(f(plot.x0 + 8))\" y1=\"\(f(ly - 4))\" x2=\"\(f(plot.x0 + 28))\" y2=\"\(f(ly - 4))\" "
                       + "stroke=\"\(color)\" stroke-width=\"2\"\(dash)/>")
            if s.style == .markers { out.append("<circle cx=\"\(f(plot.x0 + 18))\" cy=\"\(f(ly - 4))\" r=\"3.5\" fill=\"\(color)\"/>") }
            out.append(text(s.name, x: plot.x0 + 32, y: ly, anchor: "start", size: 11))
        }
        return out.joined(separator: "\n")
    }

    /// `[lo, hi]` with room: a single value (or a range below the doubles' resolution there) is
    /// widened to distinct ends, by 1 or by a few units in the last place where 1 is lost.
    static func widened(_ lo: Double, _ hi: Double) -> (Double, Double) {
        precondition(lo.isFinite && hi.isFinite && lo <= hi, "widened: [\(lo), \(hi)]")
        let magnitude = max(abs(lo), abs(hi))
        let pad = max(1, 8 * magnitude.ulp)
        guard hi - lo < pad else { return (lo, hi) }
        let a = max(lo - pad, -.greatestFiniteMagnitude), b = min(hi + pad, .greatestFiniteMagnitude)
        return (a, b)
    }

    /// Ticks at 1, 2 or 5 × 10^k covering [lo, hi] (finite, lo < hi), about five of them; with
    /// `integer`, whole numbers only (a step of at least 1). Works for every finite range: the
    /// span is taken in halves (so ±1e308 does not overflow), ticks are multiples k·step with k
    /// counted (no stride that a step below the values' resolution would never end), repeated
    /// values are dropped, and non-finite ticks beyond the doubles' range are left out.
    static func niceTicks(_ lo: Double, _ hi: Double, integer: Bool = false) -> [Double] {
        guard lo.isFinite && hi.isFinite && lo < hi else { return lo.isFinite ? [lo] : [] }
        // (hi − lo) / 5 without overflow
        let raw = (hi / 2 - lo / 2) / 2.5
        var step = raw
        if raw > 0 && raw.isFinite {
            let magnitude = pow(10, floor(log10(raw)))
            step = [1.0, 2, 5, 10].map { $0 * magnitude }.first { $0 >= raw } ?? 10 * magnitude
        }
        if integer { step = max(step.rounded(.up), 1) }
        // a step lost in the values' resolution (lo ≥ 2^53 with a span of 1): one unit in the last place
        let resolution = max(abs(lo), abs(hi)).ulp
        if !(step > resolution) || !step.isFinite { step = step.isFinite ? max(resolution, step) : .greatestFiniteMagnitude }
        let first = (lo / step).rounded(.down), last = (hi / step).rounded(.up)
        var ticks: [Double] = []
        // at most a dozen or so ticks by construction; bounded anyway
        var k = first
        while k <= last && ticks.count < 64 {
            let t = k * step
            if t.isFinite, ticks.last.map({ t > $0 }) ?? true { ticks.append(abs(t) < step * 1e-9 ? 0 : t) }
            let next = k + 1
            if next == k { break }   // k beyond 2^53: the next multiple is not representable
            k = next
        }
        return ticks.isEmpty ? [lo, hi] : ticks
    }

    /// Ticks of a base-2 logarithmic axis over exponents [lo, hi]: every whole exponent (thinned to
    /// at most a dozen), not below 0 for a count axis (`integer`: 2^-1 ranks is not a count).
    static func log2Ticks(_ lo: Double, _ hi: Double, integer: Bool) -> [Double] {
        let a = max(lo.rounded(.down), integer ? 0 : -1074), b = max(min(hi.rounded(.up), 1023), a)
        let every = max(1, ((b - a) / 12).rounded(.up))
        return Array(stride(from: a, through: b, by: every))
    }

    /// A tick label: integers without decimals, others with up to three significant digits.
    static func label(_ v: Double) -> String {
        if v == v.rounded() && abs(v) < 1e7 { return String(Int(v)) }
        return String(format: "%.3g", v)
    }

    private func text(_ s: String, x: Double, y: Double, anchor: String, size: Int, weight: String = "normal") -> String {
        "<text x=\"\(f(x))\" y=\"\(f(y))\" text-anchor=\"\(anchor)\" font-size=\"\(size)\" font-weight=\"\(weight)\">\(escape(s))</text>"
    }

    private func line(_ x1: Double, _ y1: Double, _ x2: Double, _ y2: Double, stroke: String) -> String {
        "<line x1=\"\(f(x1))\" y1=\"\(f(y1))\" x2=\"\(f(x2))\" y2=\"\(f(y2))\" stroke=\"\(stroke)\"/>"
    }
}

/// Panels side by side, each `panelWidth` × `panelHeight`, with an optional note under them.
public struct SVGFigure {
    public var panels: [SVGChart]
    public var note: String?
    public var panelWidth: Double
    public var panelHeight: Double

    public init(panels: [SVGChart], note: String? = nil, panelWidth: Double = 480, panelHeight: Double = 380) {
        self.panels = panels
        self.note = note
        self.panelWidth = panelWidth
        self.panelHeight = panelHeight
    }

    /// The whole SVG document (white background, sans-serif text).
    public var svg: String {
        let width = panelWidth * Double(max(panels.count, 1))
        let height = panelHeight + (note == nil ? 0 : 24)
        var out = ["<?xml version=\"1.0\" encoding=\"UTF-8\"?>",
                   "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(f(width))\" height=\"\(f(height))\" "
                   + "viewBox=\"0 0 \(f(width)) \(f(height))\" font-family=\"DejaVu Sans, Helvetica, Arial, sans-serif\">",
                   "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>"]
        for (i, panel) in panels.enumerated() {
            out.append(panel.render(left: Double(i) * panelWidth, top: 0, width: panelWidth, height: panelHeight))
        }
        if let note {
            out.append("<text x=\"10\" y=\"\(f(height - 8))\" font-size=\"12\" fill=\"#444444\">\(escape(note))</text>")
        }
        out.append("</svg>")
        return out.joined(separator: "\n") + "\n"
    }
}

/// A coordinate with two decimals.
func f(_ v: Double) -> String { String(format: "%.2f", v) }

/// `s` with the XML special characters escaped.
func escape(_ s: String) -> String {
    s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
        .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
}
