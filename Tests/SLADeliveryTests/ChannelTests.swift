import Foundation
import Logging
import SLACore
import SLADelivery
import SLAMessageIDs
import SLAStore
import Testing

/// A store of breach entries, written as slad writes them, and a deliverer of robot routes.
struct ChannelFixture {
    let directory = NSTemporaryDirectory() + "slad-channels-" + UUID().uuidString
    let store: Store
    let logs = LogCapture()
    let policy: Policy
    let deliverer: Deliverer

    init(delivery: String) throws {
        try self.init(policy: DeliveryFixture.policy(delivery: delivery))
    }

    init(policy: Policy) throws {
        store = try Store(directory: directory)
        self.policy = policy
        deliverer = Deliverer(policy: policy, store: store, logger: logs.logger)
        deliverer.start(every: 0.05)
    }

    /// Opens `count` cases (C-first...) in store `shop` and writes each one's supervisor breach, in
    /// one commit; returns the entry ids.
    @discardableResult
    func writeBreaches(_ count: Int, from first: Int = 1, shop: String = "S1") throws -> [Int64] {
        let engine = Engine(policy: policy)
        let start = SystemClock().now().adding(seconds: -10)
        var batch = WriteBatch(writtenAt: start.adding(seconds: 2))
        for number in first..<(first + count) {
            var (record, _) = try engine.open(
                CaseOpening(
                    id: "C-\(number)", kind: "fast", store: shop, category: "product-quality", channel: "phone",
                    openedAt: start), now: start)
            batch.escalations += engine.advance(&record, to: start.adding(seconds: 2)).compactMap(\.escalation)
                .filter { $0.kind == .breach }
            batch.cases.append(record)
        }
        let ids = try store.commit(batch).map(\.id)
        deliverer.wake()
        return ids
    }

    func entries(_ state: DeliveryState) throws -> [QueueEntry] {
        try store.entries(EntryFilter(state: state, limit: 10_000))
    }

    /// Waits up to `seconds` for `done`.
    func wait(seconds: Double = 20, until done: () throws -> Bool) rethrows -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if try done() { return true }
            Thread.sleep(forTimeInterval: 0.05)
        }
        return try done()
    }
}

@Suite(.serialized) struct ChannelTests {
    @Test func aBurstOf100BreachesReachesAWeComRobotAsAtMost20MessagesNamingEveryCase() throws {
        let fake = try FakeVendor("wecom")
        let fixture = try ChannelFixture(
            delivery: """
                [delivery]
                language = "en"
                [[delivery.route]]
                name = "store-robot"
                tiers = ["supervisor"]
                wecom = "\(fake.baseURL)"
                token-file = "\(try fake.file("key", fake.token))"
                [delivery.route.mention]
                supervisor = ["13800000001", "zhang.san"]
                """)
        defer { fixture.deliverer.stop() }
        // 100 breaches in ten commits over a second, as a morning's backlog would arrive.
        var ids: [Int64] = []
        for batch in 0..<10 {
            ids += try fixture.writeBreaches(10, from: batch * 10 + 1)
            Thread.sleep(forTimeInterval: 0.1)
        }
        #expect(ids.count == 100)
        #expect(try fixture.wait(seconds: 30) { try fixture.entries(.delivered).count == 100 })

        let requests = fake.requests
        #expect(requests.count <= 20, "\(requests.count) messages")
        #expect(
            requests.allSatisfy { $0.code == 0 }, "the robot refused: \(requests.filter { $0.code != 0 }.map(\.code))")
        let texts = requests.map(\.text).joined(separator: "\n")
        let missing = (1...100).filter { !texts.contains("C-\($0) ") }
        #expect(missing.isEmpty, "cases not named: \(missing)")
        #expect(requests.allSatisfy { $0.text.utf8.count <= 2048 })
        // Digests were needed; each message mentions the supervisor's phone and user id.
        #expect(texts.contains("[SLA digest]"))
        let mentioned = requests.compactMap {
            ($0.body["text"] as? [String: Any])?["mentioned_mobile_list"] as? [String]
        }
        #expect(mentioned.count == requests.count && mentioned.allSatisfy { $0 == ["13800000001"] })
        // Every entry is delivered with the message that carried it; a digest carried many.
        var carriers: [String: Int] = [:]
        for id in ids {
            let message = try fixture.store.deliveryMessages(entry: id)["store-robot"]
            #expect(message != nil)
            carriers[message ?? "", default: 0] += 1
        }
        #expect(carriers.count == requests.count)
        #expect(carriers.values.max()! > 1)
        // The key never reaches the log.
        #expect(!fixture.logs.logged.contains { $0.message.contains(fake.token) })
    }

    @Test func aWrongDingTalkSecretGetsTheVendorsErrorLoggedRetriedWithBackoffThenFailed() throws {
        let fake = try FakeVendor("dingtalk", secret: "SEC-the-right-one")
        let wrongSecret = "SEC-a-wrong-one"
        let fixture = try ChannelFixture(
            delivery: """
                [delivery]
                max-attempts = 3
                backoff = "200ms"
                [[delivery.route]]
                name = "ding"
                tiers = ["supervisor"]
                dingtalk = "\(fake.baseURL)?access_token=\(fake.token)"
                secret-file = "\(try fake.file("secret", wrongSecret))"
                """)
        defer { fixture.deliverer.stop() }
        let id = try fixture.writeBreaches(1)[0]
        #expect(try fixture.wait { try fixture.entries(.failed).map(\.id) == [id] })
        let requests = fake.requests
        #expect(requests.map(\.code) == [310000, 310000, 310000])
        let gaps = zip(requests.dropFirst(), requests).map { $0.at - $1.at }
        #expect(gaps[0] >= 0.15 && gaps[1] >= 0.3, "backoff doubles: \(gaps)")
        #expect(try fixture.store.deliveryErrors(entry: id)["ding"] == "errcode 310000: sign not match")
        let refused = fixture.logs.logged.filter { $0.metadata["message_id"] == "\(MessageID.deliveryRefused)" }
        #expect(refused.count == 3)
        #expect(
            refused.allSatisfy { $0.metadata["sla_vendor_code"] == "310000" && $0.message.contains("sign not match") })
        #expect(fixture.logs.logged.contains { $0.metadata["message_id"] == "\(MessageID.deliveryFailed)" })
        #expect(
            !fixture.logs.logged.contains { $0.message.contains(wrongSecret) || "\($0.metadata)".contains(wrongSecret) }
        )
    }

    @Test func signedDingTalkMarkdownAndFeishuMessagesAreAcceptedWithTheirMentions() throws {
        let ding = try FakeVendor("dingtalk", secret: "SEC-ding")
        let feishu = try FakeVendor("feishu", secret: "feishu-secret")
        let fixture = try ChannelFixture(
            delivery: """
                [[delivery.route]]
                name = "ding"
                tiers = ["supervisor"]
                dingtalk = "\(ding.baseURL)"
                token-file = "\(try ding.file("token", ding.token))"
                secret-file = "\(try ding.file("secret", "SEC-ding"))"
                format = "markdown"
                mention = { supervisor = ["13800000002"] }
                store-mention = { S1 = { supervisor = ["13900000009"] } }
                [[delivery.route]]
                name = "lark"
                tiers = ["supervisor"]
                feishu = "\(feishu.baseURL)"
                token-file = "\(try feishu.file("token", feishu.token))"
                secret-file = "\(try feishu.file("secret", "feishu-secret"))"
                language = "en"
                """)
        defer { fixture.deliverer.stop() }
        let id = try fixture.writeBreaches(1, from: 7)[0]
        #expect(try fixture.wait { try fixture.entries(.delivered).map(\.id) == [id] })
        let dingRequest = try #require(ding.requests.first)
        #expect(dingRequest.code == 0)
        #expect(dingRequest.text.hasPrefix("**【SLA 超时】S1 门店 · C-7**"))
        // DingTalk shows an @ only for numbers also written in the text: the store's first.
        #expect(dingRequest.text.hasSuffix("@13900000009 @13800000002"))
        let at = dingRequest.body["at"] as? [String: Any]
        #expect(at?["atMobiles"] as? [String] == ["13900000009", "13800000002"])
        let feishuRequest = try #require(feishu.requests.first)
        #expect(feishuRequest.code == 0)
        #expect(feishuRequest.text.hasPrefix("[SLA breach] Store S1 · A case whose clock falls due in seconds C-7"))
    }

    @Test func anOverLongMessageIsShortenedNotRefused() throws {
        let fake = try FakeVendor("wecom")
        let folder = fake.folder + "/templates"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        // A store's own template that says far too much for WeCom's 2,048 bytes.
        try (String(repeating: "{{case_id}} 超时了，请立即处理。", count: 200)).write(
            toFile: folder + "/breach.text.mustache", atomically: true, encoding: .utf8)
        let fixture = try ChannelFixture(
            delivery: """
                [[delivery.route]]
                name = "robot"
                tiers = ["supervisor"]
                wecom = "\(fake.baseURL)?key=\(fake.token)"
                templates = "\(folder)"
                """)
        defer { fixture.deliverer.stop() }
        try fixture.writeBreaches(1)
        #expect(try fixture.wait { try fixture.entries(.delivered).count == 1 })
        let request = try #require(fake.requests.first)
        #expect(request.code == 0)
        #expect(request.text.utf8.count <= 2048 && request.text.utf8.count > 1900)
        #expect(request.text.hasPrefix("C-1 超时了") && request.text.hasSuffix("…"))
    }

    @Test func nothingIsSentToADingTalkRobotWhileItIsLockedOut() throws {
        let fake = try FakeVendor("dingtalk")
        // No rate limit of slad's own (a store that turned it off): the robot's limit is hit.
        let fixture = try ChannelFixture(
            delivery: """
                [[delivery.route]]
                name = "ding"
                tiers = ["supervisor"]
                dingtalk = "\(fake.baseURL)?access_token=\(fake.token)"
                rate-limit = "off"
                """)
        defer { fixture.deliverer.stop() }
        try fixture.writeBreaches(25)
        #expect(fixture.wait { fake.requests.count >= 21 })
        Thread.sleep(forTimeInterval: 1.5)  // twenty ticks in which nothing may go
        let requests = fake.requests
        #expect(requests.count == 21)
        #expect(requests.prefix(20).allSatisfy { $0.code == 0 } && requests[20].code == 130101)
        #expect(!requests.contains { $0.locked })
        #expect(try fixture.entries(.delivered).count == 20)
        #expect(try fixture.entries(.pending).count == 5)
        let logged = fixture.logs.logged.filter { $0.metadata["sla_vendor_code"] == "130101" }
        #expect(logged.count == 1)
    }

    @Test func mailGoesThroughSendmailAndSMTPAsAnRFC5322MessagePythonReadsBack() throws {
        // sendmail is msmtp (Debian's msmtp, as msmtp-mta installs it), talking real SMTP to a sink.
        let msmtp = "/usr/bin/msmtp"
        try #require(FileManager.default.isExecutableFile(atPath: msmtp), "apt-get install msmtp (make deps does)")
        let sink = try SMTPSink()
        let folder = sink.folder
        let fixture = try ChannelFixture(
            delivery: """
                [delivery]
                console-url = "https://console.store.example"
                [[delivery.route]]
                name = "mail"
                tiers = ["supervisor"]
                email = ["manager@store.example", "duty@store.example"]
                from = "slad@store.example"
                sendmail = ["\(msmtp)", "--host=127.0.0.1", "--port=\(sink.port)", "--auth=off", "--tls=off",
                    "--from=slad@store.example", "-t", "-i"]
                """)
        defer { fixture.deliverer.stop() }
        let id = try fixture.writeBreaches(1, from: 42)[0]
        #expect(try fixture.wait { try fixture.entries(.delivered).map(\.id) == [id] })
        let envelope = try String(contentsOfFile: folder + "/1.json", encoding: .utf8)
        let recipients = #"["<manager@store.example>", "<duty@store.example>"]"#
        #expect(envelope == #"{"from": "<slad@store.example>", "to": "# + recipients + "}")
        let parse = Process()
        parse.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        parse.arguments = [
            "python3", "-c",
            """
            import email, email.policy, email.utils, json, sys
            m = email.message_from_binary_file(open(sys.argv[1], 'rb'), policy=email.policy.default)
            print(json.dumps({'subject': str(m['Subject']), 'to': [str(a) for a in m['To'].addresses],
              'from': str(m['From']), 'auto': m['Auto-Submitted'], 'list': m['List-Id'], 'id': m['Message-ID'],
              'date': email.utils.parsedate_to_datetime(m['Date']).timestamp(), 'entries': m['X-Slad-Entries'],
              'type': m.get_content_type(), 'body': m.get_content(), 'defects': len(m.defects)}, ensure_ascii=False))
            """, folder + "/1.eml",
        ]
        let output = Pipe()
        parse.standardOutput = output
        try parse.run()
        parse.waitUntilExit()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        let mail = try #require(
            try JSONSerialization.jsonObject(with: data) as? [String: Any], "\(String(decoding: data, as: UTF8.self))")
        #expect(
            mail["subject"] as? String
                == "【SLA 超时】S1 门店 · A case whose clock falls due in seconds C-42 · quick已超时 不到 1 分钟 · 已通知：Duty supervisor（下一级：Store manager \(Self.localTime(fixture, id))）"
        )
        #expect(mail["to"] as? [String] == ["manager@store.example", "duty@store.example"])
        #expect(mail["from"] as? String == "slad@store.example")
        #expect(mail["auto"] as? String == "auto-generated")
        #expect((mail["list"] as? String)?.hasPrefix("SLA escalations <escalations.slad.") == true)
        #expect((mail["id"] as? String)?.hasPrefix("<slad.mail") == true)
        #expect(abs(((mail["date"] as? NSNumber)?.doubleValue ?? 0) - Date().timeIntervalSince1970) < 60)
        #expect(mail["entries"] as? String == "\(id)")
        #expect(mail["type"] as? String == "text/plain")
        let body = mail["body"] as? String ?? ""
        #expect(body.contains("类别：product-quality") && body.contains("详情：https://console.store.example/cases/C-42"))
        #expect(mail["defects"] as? NSNumber == 0)
    }

    /// When the next tier is told, as the message gives it (UTC: the fixture's calendar).
    static func localTime(_ fixture: ChannelFixture, _ id: Int64) -> String {
        let entry = try! fixture.store.entry(id: id)!
        let next = entry.escalation.dueAt.adding(seconds: 1)
        return String(ISO8601.format(next, offsetSeconds: 0).dropFirst(11).prefix(5))
    }

    @Test func thePolicyChecksRouteKinds() throws {
        func refusal(_ route: String) -> String {
            do {
                _ = try DeliveryFixture.policy(
                    delivery: "[[delivery.route]]\nname = \"r\"\ntiers = [\"supervisor\"]\n" + route)
                return "accepted"
            } catch {
                return "\(error)"
            }
        }
        #expect(refusal("wecom = \"https://x\"\nexec = [\"/bin/true\"]").contains("a route has one of"))
        #expect(refusal("wecom = \"https://x\"\nsecret-file = \"/etc/slad/s\"").contains("WeCom robots are not signed"))
        #expect(
            refusal("dingtalk = \"https://x\"\nformat = \"html\"").contains("format: expected \"text\" or \"markdown\"")
        )
        #expect(refusal("feishu = \"https://x\"\nrate-limit = \"lots\"").contains("rate-limit"))
        #expect(refusal("email = [\"nobody\"]").contains("mail addresses"))
        #expect(refusal("webhook = \"https://x\"\nlanguage = \"en\"").contains("only routes of people's messages"))
        #expect(refusal("dingtalk = \"https://x\"\nmention = { nobody = [\"1\"] }").contains("unknown tier 'nobody'"))
        let policy = try DeliveryFixture.policy(
            delivery: "[[delivery.route]]\nname = \"f\"\ntiers = [\"supervisor\"]\nfeishu = \"https://x\"\n")
        #expect(
            policy.delivery.routes[0].rateLimits == [
                RateLimit(count: 100, seconds: 60), RateLimit(count: 5, seconds: 1),
            ])
    }

    @Test func signaturesAreTheVendorsHMACs() {
        // Known answers from Python's hmac (DingTalk: key = secret; Feishu: key = "ts\nsecret", message empty).
        #expect(
            RobotPayload.dingTalkSignature(secret: "SECabc", timestampMillis: "1700000000000")
                == Self.python(
                    "import hmac,hashlib,base64;print(base64.b64encode(hmac.new(b'SECabc', b'1700000000000\\nSECabc', hashlib.sha256).digest()).decode())"
                ))
        #expect(
            RobotPayload.feishuSignature(secret: "s3cret", timestampSeconds: "1700000000")
                == Self.python(
                    "import hmac,hashlib,base64;print(base64.b64encode(hmac.new(b'1700000000\\ns3cret', b'', hashlib.sha256).digest()).decode())"
                ))
    }

    static func python(_ code: String) -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", code]
        let output = Pipe()
        process.standardOutput = output
        try? process.run()
        process.waitUntilExit()
        return String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            .trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
