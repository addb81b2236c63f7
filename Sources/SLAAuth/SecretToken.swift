import Crypto
import Foundation

/// Bearer tokens and session cookies: 256 random bits, base64url, with a `slad_` prefix on API
/// tokens so secret scanners and people recognise one. slad keeps only their SHA-256: a copy of
/// the database gives nobody a working token.
public enum SecretToken {
    public static let byteCount = 32
    public static let apiPrefix = "slad_"
    /// No token slad makes is longer: anything over this is refused before it is hashed.
    public static let maxLength = 128

    /// A new secret: 32 bytes from the system's CSPRNG, base64url (43 characters).
    public static func random() -> String {
        var generator = SystemRandomNumberGenerator()
        return Base64URL.encode((0..<byteCount).map { _ in UInt8.random(in: .min ... .max, using: &generator) })
    }

    /// A new API token: `slad_` and a random secret.
    public static func apiToken() -> String {
        apiPrefix + random()
    }

    /// The hex SHA-256 of a token: what the database keeps and looks up.
    public static func digest(_ token: String) -> String {
        SHA256.hash(data: Array(token.utf8)).map { byte in
            let hex = String(byte, radix: 16)
            return byte < 16 ? "0" + hex : hex
        }.joined()
    }

    /// Whether `text` could be a token slad made (length and alphabet), checked before any lookup.
    public static func isPlausible(_ text: String) -> Bool {
        (43...maxLength).contains(text.utf8.count)
            && text.utf8.allSatisfy { byte in
                (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte)
                    || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
                    || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
                    || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "_")
            }
    }
}
