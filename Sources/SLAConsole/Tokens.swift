/// Random tokens and their comparison.
public enum Tokens {
    /// 256 random bits from the system's CSPRNG (getrandom), as 64 hex digits.
    public static func random() -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<4).map { _ in
            let word = generator.next() as UInt64
            let hex = String(word, radix: 16)
            return String(repeating: "0", count: 16 - hex.count) + hex
        }.joined()
    }

    /// Compares in time that depends on the lengths only, not on where the first difference is.
    public static func equal(_ presented: String?, _ expected: String) -> Bool {
        guard let presented else { return false }
        let given = Array(presented.utf8)
        let wanted = Array(expected.utf8)
        guard !wanted.isEmpty else { return false }
        var difference = UInt8(given.count == wanted.count ? 0 : 1)
        for index in 0..<wanted.count {
            difference |= wanted[index] ^ (index < given.count ? given[index] : 0)
        }
        return difference == 0
    }
}
