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
        /// Open arrays (`[`) and inline tables (`{`) inside a value, innermost last.
        var nesting: [Unicode.Scalar] = []
        /// At the start of a statement: only whitespace so far on this line, outside any value.
        var atLineStart = true
        /// Inside an inline table, right after `{` or `,`: a key comes next.
        var expectingInlineKey = false

        static let nonASCII = "a non-ASCII character outside a string or comment: keys must be ASCII (or quoted)"
        static let brokenHeader = "a table header must be on one line: [name] or [[name]] with a plain or quoted key"
        static let badKey = "expected a key (letters, digits, _ and -, or a quoted key) and then ="

        init(_ scalars: [Unicode.Scalar]) {
            self.scalars = scalars
        }

        func at(_ offset: Int) -> Unicode.Scalar? {
            index + offset < scalars.count ? scalars[index + offset] : nil
        }

        mutating func run() -> Problem? {
            while index < scalars.count {
                let char = scalars[index]
                if char.value > 0x7F { return Problem(line: line, message: Self.nonASCII) }
                switch char {
                case "\n":
                    line += 1
                    atLineStart = nesting.isEmpty
                    index += 1
                case " ", "\t", "\r":
                    index += 1
                case "#":
                    while index < scalars.count, scalars[index] != "\n" { index += 1 }
                case "[" where atLineStart:
                    let start = line
                    let double = at(1) == "["
                    index += double ? 2 : 1
                    guard keyPath(), take("]"), !double || take("]") else {
                        return Problem(line: start, message: atNonASCII ? Self.nonASCII : Self.brokenHeader)
                    }
                    atLineStart = false
                case _ where atLineStart || expectingInlineKey:
                    let start = line
                    guard keyPath(), take("=") else {
                        return Problem(line: start, message: atNonASCII ? Self.nonASCII : Self.badKey)
                    }
                    atLineStart = false
                    expectingInlineKey = false
                case "\"", "'":
                    skipString(char, count: at(1) == char && at(2) == char ? 3 : 1)
                case "[", "{":
                    nesting.append(char)
                    expectingInlineKey = char == "{" && !skipSpaces(then: "}")
                    index += 1
                case "]", "}":
                    if !nesting.isEmpty { nesting.removeLast() }
                    index += 1
                case ",":
                    expectingInlineKey = nesting.last == "{"
                    index += 1
                default:
                    index += 1
                }
            }
            return nil
        }

        var atNonASCII: Bool { (at(0)?.value ?? 0) > 0x7F }

        /// `key(.key)*` with spaces around dots, each key plain (A-Z a-z 0-9 _ -) or quoted on one line.
        mutating func keyPath() -> Bool {
            repeat {
                skipBlanks()
                guard let char = at(0) else { return false }
                if char == "\"" || char == "'" {
                    let before = line
                    skipString(char, count: 1)
                    guard line == before, index <= scalars.count, scalars[index - 1] == char else { return false }
                } else {
                    var length = 0
                    while let next = at(0), Self.isBare(next) {
                        index += 1
                        length += 1
                    }
                    guard length > 0 else { return false }
                }
                skipBlanks()
            } while take(".")
            return true
        }

        static func isBare(_ char: Unicode.Scalar) -> Bool {
            switch char {
            case "a"..."z", "A"..."Z", "0"..."9", "_", "-": return true
            default: return false
            }
        }

        mutating func take(_ char: Unicode.Scalar) -> Bool {
            skipBlanks()
            guard at(0) == char else { return false }
            index += 1
            return true
        }

        mutating func skipBlanks() {
            while let char = at(0), char == " " || char == "\t" { index += 1 }
        }

        /// Whether only blanks stand between here (an opening `{`) and `closer`: `{}` has no key.
        func skipSpaces(then closer: Unicode.Scalar) -> Bool {
            var offset = 1
            while let char = at(offset), char == " " || char == "\t" { offset += 1 }
            return at(offset) == closer
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
