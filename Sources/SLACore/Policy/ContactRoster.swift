import TOMLKit

/// Who the people are and who is on duty for which tier at which store: the contacts file that
/// `[delivery] contacts` names. Kept out of the policy because staff change often and phone
/// numbers are personal data that should not sit in a file everyone reads.
public struct ContactRoster: Hashable, Sendable {
    /// One person and the ways each vendor reaches them; every way is optional.
    public struct Person: Hashable, Sendable {
        /// The key of `[person.KEY]`, what duty lists name.
        public let key: String
        public var name: String
        public var phone: String?
        /// WeCom user id (企业微信 userid).
        public var wecom: String?
        /// DingTalk user id (钉钉 userId).
        public var dingtalk: String?
        /// Feishu open id (飞书 open_id, `ou_...`).
        public var feishu: String?
        public var email: String?

        public init(key: String, name: String) {
            self.key = key
            self.name = name
        }
    }

    /// The file it was read from (for messages).
    public var file: String
    public var people: [String: Person] = [:]
    /// Tier -> person keys on duty at every store.
    public var chainDuty: [String: [String]] = [:]
    /// Store -> tier -> person keys on duty there.
    public var storeDuty: [String: [String: [String]]] = [:]
    /// Things worth saying that do not make the file wrong (it is readable by every user).
    public var warnings: [String] = []

    public init(file: String) {
        self.file = file
    }

    /// Those on duty for an entry of this tier at this store: the store's own first, then the
    /// chain-wide ones, each once.
    public func onDuty(tier: String, store: String) -> [Person] {
        var keys = storeDuty[store]?[tier] ?? []
        for key in chainDuty[tier] ?? [] where !keys.contains(key) { keys.append(key) }
        return keys.compactMap { people[$0] }
    }

    /// How a robot of `vendor` in `format` @-mentions `person`, or nil when it cannot (no id of
    /// the kind that vendor needs): DingTalk by phone (its text must carry the number for the @ to
    /// show), else its user id; WeCom by user id (markdown knows nothing else), text also by phone;
    /// Feishu by open id only.
    public static func mention(_ person: Person, vendor: RobotVendor, format: RobotRoute.Format) -> String? {
        switch (vendor, format) {
        case (.dingtalk, _): return person.phone ?? person.dingtalk
        case (.wecom, .text): return person.wecom ?? person.phone
        case (.wecom, .markdown): return person.wecom
        case (.feishu, _): return person.feishu
        }
    }
}

/// A contacts file as read from disk: its path, bytes, and whether every user may read it.
public struct ContactsSource: Sendable {
    public let path: String
    public let bytes: [UInt8]
    public let worldReadable: Bool

    public init(path: String, bytes: [UInt8], worldReadable: Bool) {
        self.path = path
        self.bytes = bytes
        self.worldReadable = worldReadable
    }
}

/// Reads the contacts file that `[delivery] contacts` names (relative paths are beside the
/// policy), or says why it cannot (`cannot read /etc/slad/contacts.toml: permission denied`).
public typealias ContactsFileReader = @Sendable (String) -> Result<ContactsSource, ContactsFileError>

public struct ContactsFileError: Error, Sendable, CustomStringConvertible {
    public let message: String

    public init(_ message: String) {
        self.message = message
    }

    public var description: String { message }
}

extension PolicyReader {
    static let personKeys: Set<String> = ["name", "phone", "wecom", "dingtalk", "feishu", "email"]

    /// Reads `[delivery] contacts`: the file through `contactsFile` (errors are the file's own,
    /// with its lines), or without a reader only the key's form.
    mutating func readContacts(_ table: TOMLTable, path: String, tiers: [Tier]) -> ContactRoster? {
        guard let name = optionalString(table, "contacts", path: path) else { return nil }
        guard let contactsFile else { return ContactRoster(file: name) }
        switch contactsFile(name) {
        case .failure(let error):
            fail(path + ".contacts", error.message)
            return nil
        case .success(let source):
            var reader = PolicyReader(
                file: source.path, lines: TOMLLineIndex(String(decoding: source.bytes, as: UTF8.self)),
                holidayFiles: nil, contactsFile: nil)
            let roster = reader.parseContacts(source, tiers: tiers)
            errors += reader.errors
            return roster
        }
    }

    /// The contacts file's own errors go to this reader (made for that file).
    mutating func parseContacts(_ source: ContactsSource, tiers: [Tier]) -> ContactRoster? {
        let text = String(decoding: source.bytes, as: UTF8.self)
        if let problem = TOMLPrecheck.check(text) {
            errors.append(PolicyError(file: file, line: problem.line, key: "", message: problem.message))
            return nil
        }
        let root: TOMLTable
        do {
            root = try TOMLTable(string: text)
        } catch let error as TOMLParseError {
            errors.append(PolicyError(file: file, line: error.source.begin.line, key: "", message: error.description))
            return nil
        } catch {
            errors.append(PolicyError(file: file, line: nil, key: "", message: "\(error)"))
            return nil
        }
        var roster = ContactRoster(file: source.path)
        if source.worldReadable {
            roster.warnings.append(
                "\(source.path) holds phone numbers and is readable by every user: chmod 640 and chgrp it to slad's group"
            )
        }
        checkKeys(root, allowed: ["person", "duty"], path: "")
        if let people = table(root, "person", path: "person", required: false) {
            for key in people.keys.sorted() {
                let path = "person.\(key)"
                guard let entry = people[key]?.table else {
                    fail(path, "a person is a table: [person.\(key)] with name, phone, wecom, dingtalk, feishu, email")
                    continue
                }
                checkKeys(entry, allowed: Self.personKeys, path: path)
                var person = ContactRoster.Person(key: key, name: optionalString(entry, "name", path: path) ?? key)
                person.phone = optionalString(entry, "phone", path: path)
                person.wecom = optionalString(entry, "wecom", path: path)
                person.dingtalk = optionalString(entry, "dingtalk", path: path)
                person.feishu = optionalString(entry, "feishu", path: path)
                person.email = optionalString(entry, "email", path: path)
                if let phone = person.phone,
                    !(phone.count >= 5 && phone.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == "+") }))
                {
                    fail(path + ".phone", "'\(phone)' is not a phone number (digits, optionally a leading +)")
                }
                if let email = person.email,
                    !email.contains("@") || email.contains(where: { $0.isNewline || $0 == " " })
                {
                    fail(path + ".email", "'\(email)' is not a mail address")
                }
                for (id, value) in [("wecom", person.wecom), ("dingtalk", person.dingtalk), ("feishu", person.feishu)] {
                    if let value, value.contains(where: { $0.isWhitespace || $0 == "<" || $0 == ">" || $0 == "\"" }) {
                        fail(path + ".\(id)", "'\(value)' is not a user id (no spaces, quotes or angle brackets)")
                    }
                }
                roster.people[key] = person
            }
        }
        guard let duty = table(root, "duty", path: "duty", required: false) else { return roster }
        let tierIDs = Set(tiers.map(\.id))
        // `[duty]` holds chain-wide tiers (lists) and stores (tables of tiers).
        for key in duty.keys.sorted() {
            if duty[key]?.table != nil, let store = table(duty, key, path: "duty.\(key)") {
                var tiersHere: [String: [String]] = [:]
                for tier in store.keys.sorted() {
                    tiersHere[tier] = dutyList(store, tier, path: "duty.\(key)", tiers: tierIDs, roster: roster)
                }
                roster.storeDuty[key] = tiersHere
            } else {
                roster.chainDuty[key] = dutyList(duty, key, path: "duty", tiers: tierIDs, roster: roster)
            }
        }
        return roster
    }

    /// `tier = ["amy", "li"]`: a known tier, and people the file names.
    private mutating func dutyList(
        _ table: TOMLTable, _ tier: String, path: String, tiers: Set<String>, roster: ContactRoster
    ) -> [String] {
        if !tiers.contains(tier) {
            fail(path + ".\(tier)", "unknown tier '\(tier)' (tiers: \(tiers.sorted().joined(separator: ", ")))")
        }
        let keys = stringList(table, tier, path: path, required: false) ?? []
        for key in keys where roster.people[key] == nil {
            let known = roster.people.keys.sorted().prefix(8).joined(separator: ", ")
            fail(
                path + ".\(tier)",
                "unknown person '\(key)' (add [person.\(key)]; people: \(known.isEmpty ? "none" : known))")
        }
        return keys
    }
}
