import SLACore

/// The policy's titles in the reader's language. A policy writes one title per kind, clock and
/// tier, by the stores' custom in English with the Chinese term after it: `Store manager (店长)`.
/// A trailing parenthesis with Chinese in it is that title's Chinese; the rest is its English. A
/// title without one reads the same in both languages, and one with a Chinese gloss in its
/// middle (`Customer revisit (回访) after resolution`) is kept whole.
public struct PolicyTitles: Sendable {
    public let policy: Policy
    public let language: Language

    public init(policy: Policy, language: Language) {
        self.policy = policy
        self.language = language
    }

    public func kind(_ id: String) -> String {
        policy.kinds[id].map { Self.localized($0.title, language) } ?? id
    }

    public func clock(_ name: String) -> String {
        policy.clock(named: name).map { Self.localized($0.title, language) } ?? name
    }

    public func tier(_ id: String) -> String {
        policy.tiers.first { $0.id == id }.map { Self.localized($0.title, language) } ?? id
    }

    /// An empty title (a policy may leave it out) is the id, as written.
    public static func localized(_ title: String, _ language: Language) -> String {
        let trimmed = title.trimmingSpaces
        guard trimmed.hasSuffix(")"), let open = trimmed.lastIndex(of: "(") else { return trimmed }
        let inside = trimmed[trimmed.index(after: open)..<trimmed.index(before: trimmed.endIndex)]
        let before = String(trimmed[..<open]).trimmingSpaces
        guard inside.unicodeScalars.contains(where: isChinese), !before.isEmpty else { return trimmed }
        switch language {
        case .en: return before
        case .zh: return String(inside).trimmingSpaces
        }
    }

    /// The CJK Unified Ideographs (and their extension A): what a Chinese title is written in.
    private static func isChinese(_ scalar: Unicode.Scalar) -> Bool {
        (0x4E00...0x9FFF).contains(scalar.value) || (0x3400...0x4DBF).contains(scalar.value)
    }
}

extension String {
    var trimmingSpaces: String {
        String(drop { $0.isWhitespace }.reversed().drop { $0.isWhitespace }.reversed())
    }
}
