import Testing

@testable import SLAAuth

@Suite struct SecretTokenTests {
    @Test func tokensAre256RandomBitsInBase64URL() throws {
        let token = SecretToken.apiToken()
        #expect(token.hasPrefix("slad_"))
        let secret = token.dropFirst(SecretToken.apiPrefix.count)
        #expect(secret.count == 43)  // 32 bytes, base64 without padding
        #expect(try #require(Base64URL.decode(secret)).count == 32)
        #expect(SecretToken.isPlausible(token))
        #expect(SecretToken.isPlausible(SecretToken.random()))
    }

    @Test func tokensDoNotRepeatAndUseTheWholeAlphabet() {
        let tokens = (0..<2000).map { _ in SecretToken.random() }
        #expect(Set(tokens).count == tokens.count)
        // Every base64url character shows up in 2000 × 43 characters of random text; a broken
        // generator (a constant, a narrow range) would not.
        let seen = Set(tokens.joined())
        #expect(seen.count == 64)
        // Each bit of the first byte is set about half the time.
        let firstBytes = tokens.compactMap { Base64URL.decode($0)?.first }
        for bit in 0..<8 {
            let ones = firstBytes.filter { $0 & (1 << bit) != 0 }.count
            #expect((800...1200).contains(ones), "bit \(bit) set in \(ones) of 2000")
        }
    }

    @Test func theDigestIsSHA256InHex() {
        // echo -n abc | sha256sum
        #expect(SecretToken.digest("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(SecretToken.digest("a") != SecretToken.digest("b"))
    }

    @Test func implausibleTokensAreRefusedBeforeAnyLookup() {
        #expect(!SecretToken.isPlausible(""))
        #expect(!SecretToken.isPlausible("short"))
        #expect(!SecretToken.isPlausible(String(repeating: "a", count: SecretToken.maxLength + 1)))
        #expect(!SecretToken.isPlausible("slad_" + String(repeating: "a", count: 42) + "'"))
        #expect(!SecretToken.isPlausible(String(repeating: "a", count: 43) + " OR 1=1"))
    }
}
