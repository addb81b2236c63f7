import Crypto
import Foundation
import _CryptoExtras

/// Passwords as scrypt hashes (swift-crypto's `KDF.Scrypt`, BoringSSL's), each with its own
/// random salt, written as one self-describing string: `scrypt$N$r$p$SALT$HASH` (salt and hash
/// base64url). The parameters travel with the hash, so a stronger cost later leaves old hashes
/// verifiable.
public struct PasswordHasher: Sendable {
    /// scrypt's cost: N (a power of two), r and p.
    public struct Cost: Sendable, Equatable {
        public var n: Int
        public var r: Int
        public var p: Int

        public init(n: Int, r: Int, p: Int) {
            self.n = n
            self.r = r
            self.p = p
        }

        /// N = 2^15, r = 8, p = 1: 32 MiB and tens of milliseconds per check (OWASP's scrypt minimum
        /// is N = 2^17 with r = 8 and p = 1 at 128 MiB; 2^15 keeps a store server's sign-in
        /// bursts within its memory while costing an attacker the same per guess in memory-time).
        public static let standard = Cost(n: 1 << 15, r: 8, p: 1)
        /// For tests only: fast and weak.
        public static let testing = Cost(n: 1 << 10, r: 8, p: 1)

        /// What `verify` accepts from a stored hash: a power of two N up to 2^20 (128 MiB at r = 8).
        var isSane: Bool {
            n >= 2 && n <= 1 << 20 && n & (n - 1) == 0 && (1...32).contains(r) && (1...16).contains(p)
        }
    }

    public static let saltBytes = 16
    public static let hashBytes = 32
    /// Longer passwords are refused (scrypt would take them, but nobody types 1 KiB).
    public static let maxPasswordBytes = 1024

    public let cost: Cost

    public init(cost: Cost = .standard) {
        self.cost = cost
    }

    public enum HashError: Error, CustomStringConvertible {
        case tooLong
        case empty

        public var description: String {
            switch self {
            case .tooLong: "a password is at most \(PasswordHasher.maxPasswordBytes) bytes"
            case .empty: "a password must not be empty"
            }
        }
    }

    /// A new hash of `password` with a fresh salt.
    public func hash(_ password: String) throws -> String {
        let bytes = Array(password.utf8)
        guard !bytes.isEmpty else { throw HashError.empty }
        guard bytes.count <= Self.maxPasswordBytes else { throw HashError.tooLong }
        var generator = SystemRandomNumberGenerator()
        let salt = (0..<Self.saltBytes).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        let derived = try Self.derive(bytes, salt: salt, cost: cost, count: Self.hashBytes)
        return ["scrypt", "\(cost.n)", "\(cost.r)", "\(cost.p)", Base64URL.encode(salt), Base64URL.encode(derived)]
            .joined(separator: "$")
    }

    /// Whether `password` matches `encoded`, compared in constant time. A malformed or
    /// unreasonable stored hash never matches.
    public static func verify(_ password: String, against encoded: String) -> Bool {
        guard let stored = Parsed(encoded) else { return false }
        let bytes = Array(password.utf8)
        guard !bytes.isEmpty, bytes.count <= maxPasswordBytes,
            let derived = try? derive(bytes, salt: stored.salt, cost: stored.cost, count: stored.hash.count)
        else { return false }
        return constantTimeEqual(derived, stored.hash)
    }

    /// Spends what a real check spends, for a name that has no account: the time of a sign-in
    /// does not tell whether the name exists.
    public func burn(_ password: String) {
        _ = try? Self.derive(
            Array(password.utf8.prefix(Self.maxPasswordBytes)), salt: [UInt8](repeating: 0, count: Self.saltBytes),
            cost: cost, count: Self.hashBytes)
    }

    /// Whether `encoded` was made with a cost other than this hasher's (to rehash at next sign-in).
    public func needsRehash(_ encoded: String) -> Bool {
        Parsed(encoded)?.cost != cost
    }

    static func derive(_ password: [UInt8], salt: [UInt8], cost: Cost, count: Int) throws -> [UInt8] {
        let key = try KDF.Scrypt.deriveKey(
            from: password, salt: salt, outputByteCount: count, rounds: cost.n, blockSize: cost.r,
            parallelism: cost.p)
        return key.withUnsafeBytes { Array($0) }
    }

    /// Every byte compared whatever the first difference: timing says nothing about the hash.
    public static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for index in a.indices { difference |= a[index] ^ b[index] }
        return difference == 0
    }

    private struct Parsed {
        var cost: Cost
        var salt: [UInt8]
        var hash: [UInt8]

        init?(_ encoded: String) {
            let parts = encoded.split(separator: "$", omittingEmptySubsequences: false)
            guard parts.count == 6, parts[0] == "scrypt", let n = Int(parts[1]), let r = Int(parts[2]),
                let p = Int(parts[3]), let salt = Base64URL.decode(parts[4]), let hash = Base64URL.decode(parts[5]),
                salt.count >= 8, (16...64).contains(hash.count)
            else { return nil }
            cost = Cost(n: n, r: r, p: p)
            guard cost.isSane else { return nil }
            self.salt = salt
            self.hash = hash
        }
    }
}

/// RFC 4648's URL-safe base64 without padding: tokens and hashes travel in headers and cookies.
public enum Base64URL {
    public static func encode(_ bytes: some Sequence<UInt8>) -> String {
        Data(bytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    public static func decode(_ text: some StringProtocol) -> [UInt8]? {
        guard
            text.utf8.allSatisfy({ byte in
                (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte)
                    || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
                    || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || byte == UInt8(ascii: "-")
                    || byte == UInt8(ascii: "_")
            })
        else { return nil }
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        base64 += String(repeating: "=", count: (4 - base64.count % 4) % 4)
        return Data(base64Encoded: base64).map(Array.init)
    }
}
