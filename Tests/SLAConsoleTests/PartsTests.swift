import Testing

@testable import SLAConsole

/// Forms, cookies, tokens, the language and the policy's titles.
@Suite struct PartsTests {
    @Test func formsDecodePlusAndPercentAndKeepTheFirstValue() throws {
        let form = try #require(
            FormBody.parse("name=amy+li&note=%E5%B7%B2%E5%A4%84%E7%90%86%20ok&csrf=a&csrf=b&empty="))
        #expect(form["name"] == "amy li")
        #expect(form["note"] == "已处理 ok")
        #expect(form["csrf"] == "a")
        #expect(form["empty"] == "")
        #expect(FormBody.parse("bad=%E5%") == nil)
        #expect(FormBody.parse([0xFF, 0x3D]) == nil)  // not UTF-8
        #expect(FormBody.encode("C-1/../x y") == "C-1%2F..%2Fx%20y")
    }

    @Test func aRequestBodyIsAFormOnlyWhenItSaysSo() {
        var request = ConsoleRequest(method: "POST", path: "/console/signin", body: Array("a=1".utf8))
        #expect(request.form == nil)
        request.contentType = "application/x-www-form-urlencoded; charset=UTF-8"
        #expect(request.form?["a"] == "1")
    }

    @Test func cookiesAreParsedAndSetStrictly() {
        let cookies = Cookies.parse("lang=zh; slad_session=abc; slad_session=planted; quoted=\"v\"")
        #expect(cookies["lang"] == "zh" && cookies["slad_session"] == "abc" && cookies["quoted"] == "v")
        let set = Cookies.set(Cookies.session, "abc")
        #expect(set == "slad_session=abc; Path=/console; HttpOnly; Secure; SameSite=Strict")
        #expect(Cookies.delete(Cookies.session).contains("Max-Age=0"))
    }

    @Test func tokensAreRandomAndComparedWhole() {
        let tokens = Set((0..<100).map { _ in Tokens.random() })
        #expect(tokens.count == 100)
        #expect(tokens.allSatisfy { $0.count == 64 && Console.looksLikeToken($0) })
        let token = tokens.first!
        #expect(Tokens.equal(token, token))
        #expect(!Tokens.equal(nil, token) && !Tokens.equal("", token) && !Tokens.equal(String(token.dropLast()), token))
        #expect(!Tokens.equal(token + "0", token))
        #expect(!Tokens.equal("", ""))  // an empty expected token never matches
    }

    @Test func theLanguageComesFromTheCookieElseTheBrowser() {
        #expect(Language.choose(cookie: nil, acceptLanguage: nil) == .en)
        #expect(Language.choose(cookie: nil, acceptLanguage: "zh-CN,zh;q=0.9,en;q=0.8") == .zh)
        #expect(Language.choose(cookie: nil, acceptLanguage: "en-US,en;q=0.9,zh-CN;q=0.8") == .en)
        #expect(Language.choose(cookie: nil, acceptLanguage: "fr-FR, zh-TW;q=0.7, en;q=0.5") == .zh)
        #expect(Language.choose(cookie: nil, acceptLanguage: "de, fr;q=0.5") == .en)
        #expect(Language.choose(cookie: "en", acceptLanguage: "zh-CN") == .en)
        #expect(Language.choose(cookie: "xx", acceptLanguage: "zh-CN") == .zh)
    }

    @Test func everyPhraseIsInBothLanguages() {
        for phrase in Phrase.allCases {
            #expect(Phrase.english[phrase] != nil, "no English for \(phrase)")
            #expect(Phrase.chinese[phrase] != nil, "no Chinese for \(phrase)")
        }
    }

    @Test func thePolicysTitlesSplitIntoTheirLanguages() {
        #expect(PolicyTitles.localized("Store manager (店长)", .en) == "Store manager")
        #expect(PolicyTitles.localized("Store manager (店长)", .zh) == "店长")
        #expect(PolicyTitles.localized("Repair request", .zh) == "Repair request")
        #expect(PolicyTitles.localized("Reply (section 2 item 6)", .en) == "Reply (section 2 item 6)")
        let glossed = "Customer revisit (回访) after resolution (property procedure 4.3)"
        #expect(PolicyTitles.localized(glossed, .zh) == glossed)
        #expect(PolicyTitles.localized("Customer-service HQ (客服课 / 部本部)", .zh) == "客服课 / 部本部")
    }

    @Test func durationsShowTheTwoLargestUnits() {
        let en = Language.en.durationUnits
        #expect(ConsoleTime.duration(0, units: en) == "0s")
        #expect(ConsoleTime.duration(59_999, units: en) == "59s")
        #expect(ConsoleTime.duration(3_723_000, units: en) == "1h 2m")
        #expect(ConsoleTime.duration(3_600_000, units: en) == "1h")
        #expect(ConsoleTime.duration(90_061_000, units: en) == "1d 1h")
        #expect(ConsoleTime.duration(125_000, units: Language.zh.durationUnits) == "2分5秒")
    }

    @Test func onlyConsolePathsAreReturnedTo() {
        #expect(Console.localTarget("/console/queue?store=S01") == "/console/queue?store=S01")
        #expect(Console.localTarget("//evil.example/console") == "/console/")
        #expect(Console.localTarget("https://evil.example/") == "/console/")
        #expect(Console.localTarget("/console\\@evil") == "/console/")
        #expect(Console.localTarget(nil) == "/console/")
    }
}
