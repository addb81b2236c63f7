import Foundation
import SLACore
import SLAStore
import Testing

@testable import SLADelivery

/// Routes with `on-duty`: the people the contacts file has on duty for an entry's tier and store
/// are @-mentioned by the id each vendor needs, where that vendor looks for it (golden bodies), and
/// mailed; a real deliverer puts them in what the robot gets.
@Suite(.serialized) struct ContactsTests {
    static let contacts = """
        [person.amy]
        name = "Amy Wang"
        phone = "13800000001"
        wecom = "AmyWang"
        dingtalk = "amy.ding"
        feishu = "ou_amy"
        email = "amy@store.example"

        [person.li]
        phone = "13900000002"
        email = "li@store.example"

        [person.zhou]
        wecom = "ZhouHQ"
        feishu = "ou_zhou"
        email = "zhou@hq.example"

        [duty]
        manager = ["zhou"]

        [duty.S1]
        manager = ["amy", "li"]
        """

    /// The shell tests' fast policy plus `delivery`, the contacts read from memory.
    static func policy(_ delivery: String, contacts: String = contacts) throws -> Policy {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        let base = try String(
            contentsOfFile: root.appendingPathComponent("shell/fixtures/fast.toml").path, encoding: .utf8)
        return try PolicyLoader.load(
            text: base + "\n[delivery]\ncontacts = \"/etc/slad/contacts.toml\"\n" + delivery, file: "test.toml",
            holidayFiles: nil,
            contactsFile: { path in
                .success(ContactsSource(path: path, bytes: Array(contacts.utf8), worldReadable: false))
            })
    }

    static func facts(_ id: Int64, store: String, tier: String = "manager") -> EntryFacts {
        let deadline = Instant(seconds: 1_796_090_400)
        return EntryFacts(
            entryID: id,
            escalation: Escalation(
                caseID: "C-\(id)", clock: "quick", cycle: 0, tier: tier, kind: .breach, dueAt: deadline,
                deadline: deadline),
            store: store, caseKind: "fast", writtenAt: deadline.adding(seconds: 60))
    }

    static func composer(_ route: String) throws -> (MessageComposer, DeliveryRoute) {
        let policy = try policy(route)
        let route = policy.delivery.routes[0]
        let composer = MessageComposer(
            route: route, renderer: try MessageRenderer(policy: policy, language: .english), consoleURL: nil,
            contacts: policy.delivery.contacts)
        return (composer, route)
    }

    @Test(arguments: ["wecom", "dingtalk", "feishu"], [RobotRoute.Format.text, .markdown])
    func eachVendorsBodyMentionsThePeopleOnDutyWhereItLooks(vendor: String, format: RobotRoute.Format) throws {
        let (composer, route) = try Self.composer(
            """
            [[delivery.route]]
            name = "robot"
            tiers = ["manager"]
            \(vendor) = "https://robot.example/send?key=k"
            format = "\(format.rawValue)"
            on-duty = true
            mention = { manager = ["@all"] }
            """)
        guard case .robot(let robot) = route.target else { throw CocoaError(.featureUnsupported) }
        let plan = try #require(composer.singles([Self.facts(1042, store: "S1")]).first)
        let body = RobotPayload(robot: robot, token: nil, secret: nil).body(
            text: plan.text, title: "title", mentioning: plan.mentions, now: Instant(seconds: 1_796_090_460))
        let text = String(decoding: body, as: UTF8.self)
        let file = TemplateGoldenTests.goldenFolder + "/contacts.\(vendor).\(format.rawValue).json"
        if ProcessInfo.processInfo.environment["SLAD_UPDATE_GOLDEN"] == "1" {
            try (text + "\n").write(toFile: file, atomically: true, encoding: .utf8)
        }
        let golden = try String(contentsOfFile: file, encoding: .utf8)
        #expect(text + "\n" == golden, "\(file) differs:\n\(text)")
    }

    @Test func theIdsAreTheOnesEachVendorNeeds() throws {
        func mentions(_ vendor: String, _ format: String, store: String = "S1") throws -> [String] {
            let (composer, _) = try Self.composer(
                """
                [[delivery.route]]
                name = "robot"
                tiers = ["manager"]
                \(vendor) = "https://robot.example/send?key=k"
                format = "\(format)"
                on-duty = true
                """)
            return try #require(composer.singles([Self.facts(1, store: store)]).first).mentions
        }
        // S1's own (amy, li) first, then the chain-wide manager (zhou), by what each vendor takes.
        #expect(try mentions("dingtalk", "text") == ["13800000001", "13900000002"])  // zhou: no phone, no id
        #expect(try mentions("wecom", "text") == ["AmyWang", "13900000002", "ZhouHQ"])
        #expect(try mentions("wecom", "markdown") == ["AmyWang", "ZhouHQ"])  // li has no WeCom user id
        #expect(try mentions("feishu", "markdown") == ["ou_amy", "ou_zhou"])
        #expect(try mentions("feishu", "text", store: "S2") == ["ou_zhou"])
    }

    @Test func withoutOnDutyTheRosterIsNotUsed() throws {
        let (composer, _) = try Self.composer(
            """
            [[delivery.route]]
            name = "robot"
            tiers = ["manager"]
            wecom = "https://robot.example/send?key=k"
            """)
        #expect(try #require(composer.singles([Self.facts(1, store: "S1")]).first).mentions.isEmpty)
    }

    @Test func aMailOnDutyGoesToTheRoutesAddressesAndThoseOnDutyOnceEach() throws {
        let (composer, _) = try Self.composer(
            """
            [[delivery.route]]
            name = "mail"
            tiers = ["manager"]
            email = ["desk@store.example", "amy@store.example"]
            on-duty = true
            """)
        let single = try #require(composer.singles([Self.facts(1, store: "S2")]).first)
        #expect(single.recipients == ["desk@store.example", "amy@store.example", "zhou@hq.example"])
        // A digest of two stores goes to everyone on duty for either.
        let digest = try #require(
            composer.digests([Self.facts(1, store: "S1"), Self.facts(2, store: "S2")], limit: 1).rendered.first)
        #expect(
            digest.recipients == ["desk@store.example", "amy@store.example", "li@store.example", "zhou@hq.example"])
    }

    @Test func aRealDelivererMentionsThePersonOnDutyInTheRobotsBody() throws {
        let fake = try FakeVendor("wecom")
        let policy = try Self.policy(
            """
            [[delivery.route]]
            name = "store-robot"
            tiers = ["supervisor"]
            wecom = "\(fake.baseURL)"
            token-file = "\(try fake.file("key", fake.token))"
            format = "markdown"
            on-duty = true
            """,
            contacts: Self.contacts + "\nsupervisor = [\"amy\"]\n")
        let fixture = try ChannelFixture(policy: policy)
        defer { fixture.deliverer.stop() }
        try fixture.writeBreaches(1)
        #expect(try fixture.wait { try fixture.entries(.delivered).count == 1 })
        let request = try #require(fake.requests.first)
        #expect(request.code == 0)
        #expect(request.text.hasSuffix("<@AmyWang>"), "\(request.text)")
    }
}
