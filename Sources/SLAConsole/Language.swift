import Foundation

/// The console's two languages. The `lang` cookie (set by the switch in the page header) wins;
/// else the browser's `Accept-Language`, by its q-values; else English.
public enum Language: String, Sendable, CaseIterable {
    case en, zh

    /// The `lang` attribute of the page.
    public var htmlTag: String {
        switch self {
        case .en: return "en"
        case .zh: return "zh-CN"
        }
    }

    public static func choose(cookie: String?, acceptLanguage: String?) -> Language {
        if let cookie, let chosen = Language(rawValue: cookie) { return chosen }
        guard let acceptLanguage else { return .en }
        var best: (language: Language, quality: Double)?
        for item in acceptLanguage.split(separator: ",") {
            let parts = item.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
            guard let tag = parts.first?.lowercased(), !tag.isEmpty else { continue }
            var quality = 1.0
            for parameter in parts.dropFirst() where parameter.hasPrefix("q=") {
                quality = Double(parameter.dropFirst(2)) ?? 0
            }
            let primary = tag.split(separator: "-").first.map(String.init) ?? tag
            guard quality > 0, let language = Language(rawValue: primary) else { continue }
            // The first of equal quality wins: the browser lists its preference first.
            if best == nil || quality > best!.quality { best = (language, quality) }
        }
        return best?.language ?? .en
    }
}
