import Foundation
import SLACore
import Testing

/// The contacts file `[delivery] contacts` names: people, who is on duty where, and every
/// mistake refused with the contacts file's own name and line.
@Suite struct ContactRosterTests {
    static let contacts = """
        [person.amy]
        name = "Amy Wang"
        phone = "13800000001"
        wecom = "AmyWang"
        feishu = "ou_amy"
        email = "amy@store.example"

        [person.li]
        name = "Li Lei"
        phone = "+8613900000002"
        dingtalk = "li.lei"

        [person.zhou]
        email = "zhou@hq.example"

        [duty]
        hq = ["zhou"]
        store-manager = ["li"]

        [duty.S01]
        store-manager = ["amy"]
        duty-supervisor = ["amy", "li"]
        """

    static let delivery = """

        [delivery]
        contacts = "contacts.toml"

        [[delivery.route]]
        name = "robot"
        tiers = ["store-manager"]
        wecom = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k"
        on-duty = true
        """

    /// Loads the shipped policy plus `delivery`, with `contacts.toml` read from memory.
    static func load(
        _ contacts: String = contacts, delivery: String = delivery, worldReadable: Bool = false
    ) throws(PolicyErrors) -> Policy {
        try PolicyLoader.load(
            text: Fixtures.policyText + delivery, file: "policy.toml",
            holidayFiles: InMemoryHolidayFiles.finder(Fixtures.holidayFiles),
            contactsFile: { name in
                guard name == "contacts.toml" else {
                    return .failure(ContactsFileError("cannot read \(name): no such file"))
                }
                return .success(
                    ContactsSource(
                        path: "/etc/slad/contacts.toml", bytes: Array(contacts.utf8), worldReadable: worldReadable))
            })
    }

    static func errors(_ contacts: String = contacts, delivery: String = delivery) -> [String] {
        do {
            _ = try load(contacts, delivery: delivery)
            return []
        } catch {
            return error.errors.map(\.description)
        }
    }

    @Test func peopleAndTheirDutiesAreRead() throws {
        let roster = try #require(try Self.load().delivery.contacts)
        #expect(roster.people.count == 3)
        #expect(roster.people["amy"]?.name == "Amy Wang")
        #expect(roster.people["amy"]?.wecom == "AmyWang")
        #expect(roster.people["li"]?.dingtalk == "li.lei")
        #expect(roster.people["zhou"]?.name == "zhou")  // no name: the key
        #expect(roster.warnings.isEmpty)
        // The store's own first, then the chain-wide ones, each once.
        #expect(roster.onDuty(tier: "store-manager", store: "S01").map(\.key) == ["amy", "li"])
        #expect(roster.onDuty(tier: "store-manager", store: "S02").map(\.key) == ["li"])
        #expect(roster.onDuty(tier: "duty-supervisor", store: "S01").map(\.key) == ["amy", "li"])
        #expect(roster.onDuty(tier: "hq", store: "S09").map(\.key) == ["zhou"])
        #expect(roster.onDuty(tier: "service-desk", store: "S01").isEmpty)
        let robot = try #require(try Self.load().delivery.routes.first)
        #expect(robot.onDuty)
    }

    @Test func eachVendorGetsTheIdItNeeds() throws {
        let roster = try #require(try Self.load().delivery.contacts)
        let amy = roster.people["amy"]!
        let li = roster.people["li"]!
        let zhou = roster.people["zhou"]!
        #expect(ContactRoster.mention(amy, vendor: .dingtalk, format: .text) == "13800000001")
        #expect(ContactRoster.mention(li, vendor: .dingtalk, format: .markdown) == "+8613900000002")
        #expect(ContactRoster.mention(amy, vendor: .wecom, format: .markdown) == "AmyWang")
        #expect(ContactRoster.mention(li, vendor: .wecom, format: .markdown) == nil)  // markdown needs the user id
        #expect(ContactRoster.mention(li, vendor: .wecom, format: .text) == "+8613900000002")
        #expect(ContactRoster.mention(amy, vendor: .feishu, format: .text) == "ou_amy")
        #expect(ContactRoster.mention(li, vendor: .feishu, format: .markdown) == nil)
        #expect(ContactRoster.mention(zhou, vendor: .dingtalk, format: .text) == nil)
    }

    @Test func anUnknownPersonInADutyListIsRefusedWithTheContactsFilesLine() {
        let broken = Self.contacts.replacingOccurrences(
            of: "duty-supervisor = [\"amy\", \"li\"]", with: "duty-supervisor = [\"amy\", \"bob\"]")
        let errors = Self.errors(broken)
        #expect(errors.count == 1, "\(errors)")
        #expect(
            errors.first?.hasPrefix("/etc/slad/contacts.toml:22: duty.S01.duty-supervisor: unknown person 'bob'")
                == true,
            "\(errors)")
        #expect(errors.first?.contains("add [person.bob]") == true)
    }

    @Test func badValuesAndUnknownKeysAreEachNamed() {
        let broken = """
            [person.amy]
            phone = "138-0000"
            email = "amy at store"
            wecom = "Amy Wang"
            pager = "1"

            [duty.S01]
            owner = ["amy"]

            [rota]
            x = 1
            """
        let errors = Self.errors(broken)
        #expect(
            errors.contains {
                $0.hasPrefix("/etc/slad/contacts.toml:2: person.amy.phone: '138-0000' is not a phone number")
            })
        #expect(
            errors.contains {
                $0.hasPrefix("/etc/slad/contacts.toml:3: person.amy.email: 'amy at store' is not a mail address")
            })
        #expect(
            errors.contains { $0.hasPrefix("/etc/slad/contacts.toml:4: person.amy.wecom: 'Amy Wang' is not a user id") }
        )
        #expect(errors.contains { $0.hasPrefix("/etc/slad/contacts.toml:5: person.amy.pager: unknown key 'pager'") })
        #expect(errors.contains { $0.hasPrefix("/etc/slad/contacts.toml:8: duty.S01.owner: unknown tier 'owner'") })
        #expect(errors.contains { $0.hasPrefix("/etc/slad/contacts.toml:10: rota: unknown key 'rota'") })
        #expect(errors.count == 6, "\(errors)")
    }

    @Test func aContactsFileThatIsNotTOMLIsRefusedWithItsLine() {
        let errors = Self.errors("[person.amy]\nphone = \"1380000\n")
        #expect(errors.count == 1)
        #expect(errors.first?.hasPrefix("/etc/slad/contacts.toml:2: ") == true, "\(errors)")
    }

    @Test func aMissingFileIsRefusedOnThePolicysLine() {
        let errors = Self.errors(
            delivery: Self.delivery.replacingOccurrences(of: "\"contacts.toml\"", with: "\"staff.toml\""))
        #expect(errors.count == 1)
        #expect(errors.first?.contains("delivery.contacts: cannot read staff.toml: no such file") == true, "\(errors)")
        #expect(errors.first?.hasPrefix("policy.toml:") == true)
    }

    @Test func onDutyWithoutAContactsFileIsRefused() {
        let errors = Self.errors(
            delivery: Self.delivery.replacingOccurrences(of: "contacts = \"contacts.toml\"\n", with: ""))
        #expect(errors.count == 1)
        #expect(errors.first?.contains("on-duty: the people on duty come from a contacts file") == true, "\(errors)")
        let webhook = Self.errors(
            delivery: Self.delivery.replacingOccurrences(
                of: "wecom = \"https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k\"",
                with: "webhook = \"https://x\""))
        #expect(webhook.first?.contains("only routes of people's messages") == true, "\(webhook)")
    }

    @Test func aWorldReadableFileIsAcceptedWithAWarning() throws {
        let roster = try #require(try Self.load(worldReadable: true).delivery.contacts)
        #expect(roster.warnings.count == 1)
        #expect(
            roster.warnings.first?.contains("/etc/slad/contacts.toml holds phone numbers and is readable by every user")
                == true)
    }

    @Test func anEmailRouteOnDutyMayListNoAddressOfItsOwn() throws {
        let policy = try Self.load(
            delivery: """

                [delivery]
                contacts = "contacts.toml"

                [[delivery.route]]
                name = "mail"
                tiers = ["hq"]
                email = []
                on-duty = true
                """)
        guard case .email(let email) = policy.delivery.routes.first?.target else {
            Issue.record("not an email route")
            return
        }
        #expect(email.to.isEmpty)
        #expect(
            Self.errors(delivery: "\n[[delivery.route]]\nname = \"m\"\ntiers = [\"hq\"]\nemail = []\n").first?.contains(
                "the list is empty") == true)
    }
}
