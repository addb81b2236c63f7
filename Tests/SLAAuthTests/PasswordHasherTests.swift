import Testing

@testable import SLAAuth

@Suite struct PasswordHasherTests {
    let hasher = PasswordHasher(cost: .testing)

    @Test func aHashVerifiesItsPasswordAndNoOther() throws {
        let hash = try hasher.hash("correct horse battery staple")
        #expect(PasswordHasher.verify("correct horse battery staple", against: hash))
        #expect(!PasswordHasher.verify("correct horse battery stapl", against: hash))
        #expect(!PasswordHasher.verify("Correct horse battery staple", against: hash))
        #expect(!PasswordHasher.verify("", against: hash))
    }

    @Test func theHashSaysItsParametersAndHidesThePassword() throws {
        let hash = try hasher.hash("s3cret-密码")
        let parts = hash.split(separator: "$")
        #expect(parts.count == 6)
        #expect(parts[0] == "scrypt")
        #expect(parts[1] == "1024")
        #expect(parts[2] == "8")
        #expect(parts[3] == "1")
        #expect(Base64URL.decode(parts[4])?.count == PasswordHasher.saltBytes)
        #expect(Base64URL.decode(parts[5])?.count == PasswordHasher.hashBytes)
        #expect(!hash.contains("s3cret"))
        #expect(PasswordHasher.verify("s3cret-密码", against: hash))
    }

    @Test func eachHashHasItsOwnSalt() throws {
        let first = try hasher.hash("same")
        let second = try hasher.hash("same")
        #expect(first != second)
        #expect(PasswordHasher.verify("same", against: first))
        #expect(PasswordHasher.verify("same", against: second))
    }

    @Test func theStandardCostIsWhatTheDocsSay() throws {
        #expect(PasswordHasher.Cost.standard == PasswordHasher.Cost(n: 32768, r: 8, p: 1))
        let hash = try PasswordHasher().hash("x")
        #expect(hash.hasPrefix("scrypt$32768$8$1$"))
        #expect(PasswordHasher.verify("x", against: hash))
        #expect(hasher.needsRehash(hash))
        #expect(!PasswordHasher().needsRehash(hash))
    }

    @Test func malformedOrUnreasonableHashesNeverMatch() throws {
        let good = try hasher.hash("pw")
        var parts = good.split(separator: "$").map(String.init)
        #expect(!PasswordHasher.verify("pw", against: ""))
        #expect(!PasswordHasher.verify("pw", against: "pw"))
        #expect(!PasswordHasher.verify("pw", against: "bcrypt$" + parts.dropFirst().joined(separator: "$")))
        parts[1] = "1000"  // not a power of two
        #expect(!PasswordHasher.verify("pw", against: parts.joined(separator: "$")))
        parts[1] = "\(1 << 24)"  // 2 GiB of memory: refused, not attempted
        #expect(!PasswordHasher.verify("pw", against: parts.joined(separator: "$")))
        parts[1] = "1024"
        parts[5] = "not*base64"
        #expect(!PasswordHasher.verify("pw", against: parts.joined(separator: "$")))
    }

    @Test func emptyAndOverlongPasswordsAreRefused() {
        #expect(throws: PasswordHasher.HashError.self) { try hasher.hash("") }
        #expect(throws: PasswordHasher.HashError.self) {
            try hasher.hash(String(repeating: "a", count: PasswordHasher.maxPasswordBytes + 1))
        }
    }

    @Test func constantTimeComparisonComparesEveryByte() {
        #expect(PasswordHasher.constantTimeEqual([1, 2, 3], [1, 2, 3]))
        #expect(!PasswordHasher.constantTimeEqual([1, 2, 3], [1, 2, 4]))
        #expect(!PasswordHasher.constantTimeEqual([1, 2, 3], [1, 2]))
        #expect(PasswordHasher.constantTimeEqual([], []))
    }
}
