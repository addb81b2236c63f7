/// Checks a policy's text before the TOML parser sees it. toml++ (inside TOMLKit) asserts, and so
/// aborts the whole process, on some non-ASCII characters where a key is expected (found by
/// fuzzing: `[[\u{FFFD}tier]]`). TOML 1.0 allows non-ASCII only in strings and comments, so
/// anything else is refused here with its line, and the parser never gets it.
public enum TOMLPrecheck {
    /// The 1-based line of the first non-ASCII character outside strings and comments, if any.
    public static func firstNonASCIIOutsideStrings(_ text: String) -> Int? {
        let scalars = Array(text.unicodeScalars)
        var index = 0
        var line = 1
        func at(_ offset: Int) -> Unicode.Scalar? {
            index + offset < scalars.count ? scalars[index + offset] : nil
        }
        /// Skips a string opened by `quote` (1 or 3 of them); basic strings honour backslashes.
        func skipString(_ quote: Unicode.Scalar, count: Int) {
            index += count
            while index < scalars.count {
                let char = scalars[index]
                if char == "\n" {
                    line += 1
                    if count == 1 { return }  // a single-line string does not cross lines
                }
                if char == "\\" && quote == "\"" {
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
        while index < scalars.count {
            let char = scalars[index]
            switch char {
            case "\n":
                line += 1
                index += 1
            case "#":
                while index < scalars.count, scalars[index] != "\n" { index += 1 }
            case "\"", "'":
                skipString(char, count: at(1) == char && at(2) == char ? 3 : 1)
            default:
                if char.value > 0x7F { return line }
                index += 1
            }
        }
        return nil
    }
}
