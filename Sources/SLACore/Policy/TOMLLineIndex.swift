import Foundation

/// Where each table and key of a TOML document was written, so that an error found after parsing
/// can name its line. TOMLKit parses; this only remembers lines.
///
/// Paths are dotted (`calendar.store.zone`); arrays of tables are indexed (`tier[2].id`).
struct TOMLLineIndex {
    private var lines: [String: Int] = [:]

    init(_ text: String) {
        var table: [String] = []
        var arrayCounts: [String: Int] = [:]
        for (offset, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = rawLine.trimmingPrefix { $0 == " " || $0 == "\t" }
            let number = offset + 1
            if line.hasPrefix("[[") {
                let name = Self.keyParts(Self.between(line, open: "[[", close: "]]")).joined(separator: ".")
                let index = arrayCounts[name, default: -1] + 1
                arrayCounts[name] = index
                table = [name + "[\(index)]"]
                record(table, number)
            } else if line.hasPrefix("[") {
                table = Self.keyParts(Self.between(line, open: "[", close: "]"))
                record(table, number)
            } else if let equals = Self.assignment(line) {
                record(table + Self.keyParts(String(line[..<equals])), number)
            }
        }
    }

    /// The line of the path, or of its nearest enclosing table or key that was written.
    func line(of path: String) -> Int? {
        var parts = path.split(separator: ".").map(String.init)
        while !parts.isEmpty {
            if let line = lines[parts.joined(separator: ".")] { return line }
            parts.removeLast()
        }
        return nil
    }

    /// Records the path and each table it implies (`[calendar.store]` also writes `calendar`).
    private mutating func record(_ path: [String], _ line: Int) {
        for count in 1...max(1, path.count) {
            let key = path.prefix(count).joined(separator: ".")
            if lines[key] == nil { lines[key] = line }
        }
    }

    /// The position of `=` in a `key = value` line, if the line is one.
    private static func assignment(_ line: Substring) -> String.Index? {
        guard let first = line.first,
            first.isLetter || first.isNumber || first == "\"" || first == "'"
                || first == "_" || first == "-"
        else { return nil }
        var quote: Character?
        for index in line.indices {
            let char = line[index]
            if let open = quote {
                if char == open { quote = nil }
            } else if char == "\"" || char == "'" {
                quote = char
            } else if char == "=" {
                return index
            }
        }
        return nil
    }

    private static func between(_ line: Substring, open: String, close: String) -> String {
        let body = line.dropFirst(open.count)
        guard let end = body.range(of: close) else { return String(body) }
        return String(body[..<end.lowerBound])
    }

    /// Splits `a."b.c".d` into its keys, unquoted.
    private static func keyParts(_ text: String) -> [String] {
        var parts: [String] = []
        var current = ""
        var quote: Character?
        for char in text {
            if let open = quote {
                if char == open { quote = nil } else { current.append(char) }
            } else if char == "\"" || char == "'" {
                quote = char
            } else if char == "." {
                parts.append(current.trimmingCharacters(in: .whitespaces))
                current = ""
            } else {
                current.append(char)
            }
        }
        parts.append(current.trimmingCharacters(in: .whitespaces))
        return parts
    }
}
