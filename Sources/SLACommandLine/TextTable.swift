/// Plain aligned columns for terminals, like `systemctl list-units`.
public enum TextTable {
    public static func render(header: [String], rows: [[String]]) -> String {
        let all = [header] + rows
        let widths = header.indices.map { column in all.map { $0[column].count }.max() ?? 0 }
        return all.map { row in
            row.indices.map { column in
                column == row.count - 1 ? row[column] : row[column].padding(to: widths[column])
            }.joined(separator: "  ")
        }.joined(separator: "\n")
    }
}

extension String {
    fileprivate func padding(to width: Int) -> String {
        count >= width ? self : self + String(repeating: " ", count: width - count)
    }
}

/// A length of time as people read it: `45s`, `12m5s`, `3h20m`, `2d4h`.
public func duration(_ millis: Int64) -> String {
    let seconds = millis / 1000
    if seconds < 60 { return "\(seconds)s" }
    if seconds < 3600 { return "\(seconds / 60)m\(seconds % 60)s" }
    if seconds < 86_400 { return "\(seconds / 3600)h\(seconds / 60 % 60)m" }
    return "\(seconds / 86_400)d\(seconds / 3600 % 24)h"
}
