/// Checks a policy's text before the TOML parser sees it. toml++ (inside TOMLKit) asserts, and so
/// aborts the whole process, on some malformed input where a key is expected. Fuzzing found two:
/// a non-ASCII character in a table header (`[[\u{FFFD}tier]]`) and a header broken over lines
/// (`[` then `defaults]`). Both are invalid TOML, so they are refused here, with their line, and
/// the parser never gets them.
public enum TOMLPrecheck {
    public struct Problem: Equatable, Sendable {
        public let line: Int
        public let message: String
    }

    /// The first problem found, if any.
    public static func check(_ text: String) -> Problem? {
        var scanner = Scanner(Array(text.unicodeScalars))
        return scanner.run()
    }

    /// The 1-based line of the first non-ASCII character outside strings and comments, if any.
    public static func firstNonASCIIOutsideStrings(_ text: String) -> Int? {
        guard let problem = check(text), problem.message.hasPrefix("a non-ASCII") else { return nil }
        return problem.line
    }

    private struct Scanner {
        let scalars: [Unicode.Scalar]
        var index = 0
        var line = 1
        /// Nesting of arrays and inline tables inside a value.
        var depth = 0
        /// Only whitespace so far on this line (outside any value nesting).
        var atLineStart = true

        init(_ scalars: [Unicode.Scalar]) {
            self.scalars = scalars
        }

        func at(_ offset: Int) -> Unicode.Scalar? {
            index + offset < scalars.count ? scalars[index + offset] : nil
        }

        mutating func run() -> Problem? {
            while index < scalars.count {
                let char = scalars[index]
                switch char {
                case "\n":
                    line += 1
                    atLineStart = true
                    index += 1
                case " ", "\t", "\r":
                    index += 1
                case "#":
                    while index < scalars.count, scalars[index] != "\n" { index += 1 }
                case "\"", "'":
                    atLineStart = false
                    skipString(char, count: at(1) == char && at(2) == char ? 3 : 1)
                case "[" where depth == 0 && atLineStart:
                    if let problem = header() { return problem }
                case "[", "{":
                    depth += 1
                    atLineStart = false
                    index += 1
                case "]", "}":
                    depth = max(0, depth - 1)
                    atLineStart = false
                    index += 1
                default:
                    if char.value > 0x7F {
                        return Problem(
                            line: line,
                            message: "a non-ASCII character outside a string or comment: keys must be ASCII (or quoted)"
                        )
                    }
                    atLineStart = false
                    index += 1
                }
            }
            return nil
        }

        /// A `[table]` or `[[array]]` header: on one line, with keys, dots, spaces and quoted keys only.
        mutating func header() -> Problem? {
            let start = line
            let double = at(1) == "["
            index += double ? 2 : 1
            let broken = Problem(
                line: start,
                message: "a table header must be on one line: [name] or [[name]] with a plain or quoted key")
            while index < scalars.count {
                let char = scalars[index]
                switch char {
                case "\n", "#", "[":
                    return broken
                case "\"", "'":
                    let before = line
                    skipString(char, count: 1)
                    if line != before { return broken }
                case "]":
                    if double {
                        guard at(1) == "]" else { return broken }
                        index += 2
                    } else {
                        index += 1
                    }
                    atLineStart = false
                    return nil
                default:
                    let plain = char.properties.isASCIIHexDigit || (char.value < 0x80 && char.properties.isAlphabetic)
                    guard
                        plain || char == "_" || char == "-" || char == "." || char == " " || char == "\t"
                            || (char.value >= 0x30 && char.value <= 0x39)
                    else {
                        return char.value > 0x7F
                            ? Problem(
                                line: line,
                                message:
                                    "a non-ASCII character outside a string or comment: keys must be ASCII (or quoted)")
                            : broken
                    }
                    index += 1
                }
            }
            return broken
        }

        /// Skips a string opened by `quote` (1 or 3 of them); basic strings honour backslashes.
        mutating func skipString(_ quote: Unicode.Scalar, count: Int) {
            index += count
            while index < scalars.count {
                let char = scalars[index]
                if char == "\n" {
                    if count == 1 { return }  // a single-line string does not cross lines
                    line += 1
                }
                if char == "\\" && quote == "\"" {
                    if at(1) == "\n" { line += 1 }
                    index += 2
                    continue
                }
                if char == quote && (count == 1 || (at(1) == quote && at(2) == quote)) {
                    index += count
                    return
                }
                index += 1
            }
        }
    }
}
