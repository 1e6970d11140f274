/// Small inline SVG charts for the HTML report: a line or bar chart of one value per day, and a
/// stacked bar chart of the gateway's status classes. No script, no external resource; every
/// label passes through `HTMLText.escape`; each point carries a `<title>` so a reader sees its
/// value on hover with JavaScript off.
public enum SVGChart {
    /// Drawing area and margins, in SVG user units (the chart scales to its container's width).
    static let width = 360.0
    static let height = 130.0
    static let left = 46.0
    static let right = 8.0
    static let top = 10.0
    static let bottom = 22.0

    public enum Style {
        case line
        case bars
    }

    /// One series against the days. `values[i]` belongs to `labels[i]`; nil is no data that day
    /// (a gap in the line). A `threshold` draws a dashed line and colours points above it red.
    public static func series(
        title: String, labels: [String], values: [Double?], style: Style, threshold: Double? = nil,
        format: (Double) -> String
    ) -> String {
        let present = values.compactMap { $0 }
        let maximum = max(present.max() ?? 0, (threshold ?? 0) * 1.15, 1e-9)
        let plotWidth = width - left - right
        let plotHeight = height - top - bottom
        let step = plotWidth / Double(max(labels.count, 1))
        func x(_ index: Int) -> Double { left + step * (Double(index) + 0.5) }
        func y(_ value: Double) -> Double { top + plotHeight * (1 - value / maximum) }
        var out =
            "<svg class=\"chart\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" role=\"img\" aria-label=\"\(HTMLText.escape(title))\">"
        out += "<title>\(HTMLText.escape(title))</title>"
        out += axes(maximum: maximum, labels: labels, format: format)
        switch style {
        case .bars:
            let barWidth = max(1, step * 0.7)
            for (index, value) in values.enumerated() {
                guard let value else { continue }
                let hot = threshold.map { value > $0 } ?? false
                out +=
                    "<rect class=\"\(hot ? "bar hot" : "bar")\" x=\(q(x(index) - barWidth / 2)) y=\(q(y(value))) width=\(q(barWidth)) height=\(q(max(0, top + plotHeight - y(value))))><title>\(HTMLText.escape(labels[index])): \(HTMLText.escape(format(value)))</title></rect>"
            }
        case .line:
            var path = ""
            var drawing = false
            for (index, value) in values.enumerated() {
                guard let value else {
                    drawing = false
                    continue
                }
                path += (drawing ? "L" : "M") + "\(fmt(x(index))) \(fmt(y(value)))"
                drawing = true
            }
            if !path.isEmpty { out += "<path class=\"line\" d=\"\(path)\"/>" }
            for (index, value) in values.enumerated() {
                guard let value else { continue }
                let hot = threshold.map { value > $0 } ?? false
                out +=
                    "<circle class=\"\(hot ? "dot hot" : "dot")\" cx=\(q(x(index))) cy=\(q(y(value))) r=\"2.5\"><title>\(HTMLText.escape(labels[index])): \(HTMLText.escape(format(value)))</title></circle>"
            }
        }
        if let threshold {
            out +=
                "<line class=\"threshold\" x1=\(q(left)) x2=\(q(width - right)) y1=\(q(y(threshold))) y2=\(q(y(threshold)))><title>threshold \(HTMLText.escape(format(threshold)))</title></line>"
        }
        return out + "</svg>"
    }

    /// The gateway's answers per day, stacked by status class (2xx, 3xx, 4xx, 5xx, other).
    public static func statusClasses(title: String, labels: [String], classes: [[Int]]) -> String {
        let totals = classes.map { $0.reduce(0, +) }
        let maximum = Double(max(totals.max() ?? 0, 1))
        let plotWidth = width - left - right
        let plotHeight = height - top - bottom
        let step = plotWidth / Double(max(labels.count, 1))
        let barWidth = max(1, step * 0.7)
        var out =
            "<svg class=\"chart\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" role=\"img\" aria-label=\"\(HTMLText.escape(title))\">"
        out += "<title>\(HTMLText.escape(title))</title>"
        out += axes(maximum: maximum, labels: labels) { SummaryReport.fixed($0, 0) }
        // Bottom to top: 2xx, 3xx, 1xx and no status, 4xx, 5xx.
        let order: [(index: Int, name: String)] = [(2, "2xx"), (3, "3xx"), (0, "other"), (4, "4xx"), (5, "5xx")]
        for (day, counts) in classes.enumerated() {
            var base = top + plotHeight
            for (index, name) in order {
                let count = index == 0 ? counts[0] + counts[1] : counts[index]
                guard count > 0 else { continue }
                let barHeight = plotHeight * Double(count) / maximum
                base -= barHeight
                out +=
                    "<rect class=\"s\(name)\" x=\(q(left + step * (Double(day) + 0.5) - barWidth / 2)) y=\(q(base)) width=\(q(barWidth)) height=\(q(barHeight))><title>\(HTMLText.escape(labels[day])): \(count) \(name)</title></rect>"
            }
        }
        return out + "</svg>"
    }

    /// The y axis (0 and the maximum) and the x axis (first, middle and last day).
    static func axes(maximum: Double, labels: [String], format: (Double) -> String) -> String {
        let baseline = height - bottom
        var out =
            "<line class=\"axis\" x1=\(q(left)) x2=\(q(width - right)) y1=\(q(baseline)) y2=\(q(baseline))/>"
        out +=
            "<text class=\"tick\" x=\(q(left - 4)) y=\(q(top + 4)) text-anchor=\"end\">\(HTMLText.escape(format(maximum)))</text>"
        out += "<text class=\"tick\" x=\(q(left - 4)) y=\(q(baseline)) text-anchor=\"end\">0</text>"
        let step = (width - left - right) / Double(max(labels.count, 1))
        var shown = Set([0, labels.count - 1])
        if labels.count > 4 { shown.insert(labels.count / 2) }
        for index in shown.sorted() where labels.indices.contains(index) {
            let anchor =
                labels.count == 1 ? "middle" : index == 0 ? "start" : index == labels.count - 1 ? "end" : "middle"
            let x =
                labels.count == 1
                ? left + step / 2
                : index == 0 ? left : index == labels.count - 1 ? width - right : left + step * (Double(index) + 0.5)
            out +=
                "<text class=\"tick\" x=\(q(x)) y=\(q(height - 6)) text-anchor=\"\(anchor)\">\(HTMLText.escape(labels[index]))</text>"
        }
        return out
    }

    /// A coordinate as a quoted attribute value with one decimal.
    static func q(_ value: Double) -> String { "\"" + fmt(value) + "\"" }

    static func fmt(_ value: Double) -> String { SummaryReport.fixed(value, 1) }
}

/// Escaping for text that goes into HTML (element content or a quoted attribute). Log text is
/// attacker-controlled: a path `<script>` or a key `<svg/onload=...>` must show as text.
public enum HTMLText {
    /// Replaces `& < > " '` by entities, and control characters (C0 but tab, DEL, C1, and the
    /// line and paragraph separators) by U+FFFD, so nothing in the text can open a tag or close an
    /// attribute.
    public static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default:
                let value = scalar.value
                if (value < 0x20 && value != 0x09) || (0x7F...0x9F).contains(value) || value == 0x2028
                    || value == 0x2029
                {
                    out += "\u{FFFD}"
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out
    }
}
