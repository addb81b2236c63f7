import Foundation
import SLACore
import Testing

@Suite("The default policy")
struct DefaultPolicyTests {
    let policy = Fixtures.policy

    @Test func loadsWithEveryPart() {
        #expect(policy.clocks.count == 13)
        #expect(
            policy.tiers.map(\.id) == ["service-desk", "duty-supervisor", "store-manager", "department-head", "hq"])
        #expect(policy.calendars.keys.sorted() == ["always", "office", "store"])
        #expect(
            policy.kinds.keys.sorted() == [
                "hard-complaint", "market-complaint", "quality-inspection", "repair-request", "soft-complaint",
            ])
        #expect(policy.categories == ["product-quality", "service-attitude", "facilities", "other"])
        #expect(policy.channels == ["phone", "in-store", "authority", "online"])
        #expect(
            Set(policy.clocks.map(\.name)) == [
                "soft-first-reaction", "soft-check", "hard-first-response", "hard-second-response",
                "hard-satisfaction-call", "repair-contact", "repair-concrete-reply", "repair-satisfaction-call",
                "revisit", "market-quick-resolution", "market-resolution", "inspection-resolution", "phone-closure",
            ])
        #expect(policy.clocks.map(\.name) == policy.clocks.map(\.name).sorted())
        for calendar in policy.calendars.values {
            #expect(calendar.zone.identifier == "Asia/Shanghai")
        }
    }

    @Test func clockDefinitionsTakeTheirValuesAndTheDefaults() throws {
        let revisit = try #require(policy.clock(named: "revisit"))
        #expect(revisit.target == Target(value: 3, unit: .workingDays))
        #expect(revisit.calendar == "office")
        #expect(revisit.kinds == ["soft-complaint", "hard-complaint", "market-complaint", "quality-inspection"])
        #expect(revisit.startsOn == ["resolved"])
        #expect(revisit.metBy == ["revisited"])
        #expect(revisit.warnAt == 0.8)
        #expect(revisit.warnTier == 0)
        #expect(revisit.escalateTo == 1)
        #expect(revisit.escalateEvery == Target("1wd"))

        let second = try #require(policy.clock(named: "hard-second-response"))
        #expect(second.escalateTo == policy.tierIndex("store-manager"))
        #expect(second.escalateEvery == Target("1h"))  // from [defaults]

        let reply = try #require(policy.clock(named: "repair-concrete-reply"))
        #expect(reply.pausesOn == ["awaiting-customer"])
        #expect(reply.resumesOn == ["customer-responded"])
        #expect(reply.target == Target("72h"))

        let inspection = try #require(policy.clock(named: "inspection-resolution"))
        #expect(inspection.restartsOn == ["inspection-report-received"])

        #expect(policy.clock(named: "market-quick-resolution")?.condition == ClockCondition(amountBelow: 2000))
        #expect(policy.clock(named: "market-resolution")?.condition == ClockCondition(amountAtLeast: 2000))
        #expect(policy.clock(named: "phone-closure")?.condition == ClockCondition(channels: ["phone"]))
        #expect(policy.kinds["repair-request"]?.events.isSuperset(of: ["opened", "resolved", "closed"]) == true)
    }

    @Test func clocksByKindChannelAndAmount() {
        func names(_ kind: String, _ channel: String?, _ amount: Double?) -> [String] {
            policy.clocks(for: kind, channel: channel, amount: amount).map(\.name)
        }
        #expect(names("market-complaint", nil, 1500) == ["market-quick-resolution", "revisit"])
        #expect(names("market-complaint", nil, 1999.99) == ["market-quick-resolution", "revisit"])
        #expect(names("market-complaint", nil, 2000) == ["market-resolution", "revisit"])
        #expect(names("market-complaint", nil, 5000) == ["market-resolution", "revisit"])
        #expect(names("market-complaint", nil, nil) == ["market-quick-resolution", "revisit"])
        #expect(names("market-complaint", "phone", 5000) == ["market-resolution", "phone-closure", "revisit"])
        #expect(names("soft-complaint", "in-store", nil) == ["revisit", "soft-check", "soft-first-reaction"])
        #expect(
            names("repair-request", "phone", nil) == [
                "repair-concrete-reply", "repair-contact", "repair-satisfaction-call",
            ])
        #expect(names("no-such-kind", nil, nil).isEmpty)
    }
}

/// A small valid policy; each broken policy below changes or adds lines, so line numbers are known.
private let baseLines: [String] = [
    "[[tier]]",  // 1
    "id = \"desk\"",  // 2
    "[[tier]]",  // 3
    "id = \"boss\"",  // 4
    "",  // 5
    "[defaults]",  // 6
    "escalate-to = \"boss\"",  // 7
    "",  // 8
    "[calendar.shop]",  // 9
    "zone = \"Asia/Shanghai\"",  // 10
    "[calendar.shop.hours]",  // 11
    "mon = [\"09:00-18:00\"]",  // 12
    "",  // 13
    "[case]",  // 14
    "categories = [\"other\"]",  // 15
    "channels = [\"phone\"]",  // 16
    "",  // 17
    "[kind.complaint]",  // 18
    "events = [\"answered\"]",  // 19
    "",  // 20
    "[clock.answer]",  // 21
    "kinds = [\"complaint\"]",  // 22
    "starts-on = [\"opened\"]",  // 23
    "met-by = [\"answered\"]",  // 24
    "target = \"1h\"",  // 25
    "calendar = \"shop\"",  // 26
]

/// The base policy with lines replaced (by 1-based number) and lines added at the end (from 27).
private func policyText(_ replacements: [Int: String] = [:], adding extra: [String] = []) -> String {
    var lines = baseLines
    for (number, text) in replacements { lines[number - 1] = text }
    return (lines + extra).joined(separator: "\n") + "\n"
}

/// The errors of a policy that must not load.
private func errors(_ text: String, file: String = "policy.toml") -> [PolicyError] {
    do {
        _ = try PolicyLoader.load(text: text, file: file)
        Issue.record("the policy loaded, but it has errors:\n\(text)")
        return []
    } catch {
        return error.errors
    }
}

@Suite("Policy errors are located by file, line and key")
struct PolicyLoaderTests {
    @Test func theBasePolicyLoads() throws {
        let policy = try PolicyLoader.load(text: policyText())
        #expect(policy.tiers.map(\.id) == ["desk", "boss"])
        #expect(policy.clocks.map(\.name) == ["answer"])
        let clock = try #require(policy.clock(named: "answer"))
        #expect(clock.escalateTo == 1)
        #expect(clock.warnAt == nil)
        #expect(clock.escalateEvery == nil)
        #expect(policy.calendars["shop"]?.hours(on: day("2026-03-09")) == [OpeningInterval("09:00-18:00")!])
        #expect(policy.calendars["shop"]?.isOpenDay(day("2026-03-10")) == false)
    }

    @Test func theStoresZoneIsTheStoreCalendarElseTheFirstByName() throws {
        #expect(try PolicyLoader.load(text: policyText()).storeCalendar?.name == "shop")
        // Several calendars, none named store: the first by name, every time (not hash order).
        let more = [
            "[calendar.zeta]", "zone = \"UTC\"", "hours.mon = [\"09:00-17:00\"]",
            "[calendar.alpha]", "zone = \"Europe/Berlin\"", "hours.mon = [\"09:00-17:00\"]",
        ]
        for _ in 0..<5 {
            #expect(try PolicyLoader.load(text: policyText(adding: more)).storeCalendar?.name == "alpha")
        }
        let store = ["[calendar.store]", "zone = \"Asia/Tokyo\"", "hours.mon = [\"09:00-17:00\"]"]
        #expect(try PolicyLoader.load(text: policyText(adding: more + store)).storeCalendar?.name == "store")
    }

    @Test func unknownCalendar() {
        let found = errors(policyText([26: "calendar = \"shopp\""]))
        #expect(found.count == 1)
        #expect(found.first?.line == 26)
        #expect(found.first?.key == "clock.answer.calendar")
        #expect(found.first?.message.contains("unknown calendar 'shopp'") == true)
        #expect(found.first?.description.hasPrefix("policy.toml:26: clock.answer.calendar: unknown calendar") == true)
    }

    /// The API takes categories and channels as codes (FieldRule): a policy may not list others.
    @Test func categoriesAndChannelsTheAPICouldNotTake() {
        let found = errors(policyText([15: "categories = [\"other\", \"产品 质量\"]", 16: "channels = [\"by phone\"]"]))
        #expect(found.map(\.key) == ["case.categories", "case.channels"])
        #expect(found.map(\.line) == [15, 16])
        #expect(found.first?.message.contains("'产品 质量' cannot be sent to the API") == true)
    }

    @Test func badDuration() {
        for bad in ["\"1.5h\"", "\"90\"", "\"0m\"", "90", "\"\""] {
            let found = errors(policyText([25: "target = \(bad)"]))
            #expect(found.count == 1, "target = \(bad)")
            #expect(found.first?.description.hasPrefix("policy.toml:25: clock.answer.target: bad duration") == true)
        }
        // The value as written: a string without its TOML quotes, another type as TOML.
        #expect(errors(policyText([25: "target = \"30x\""])).first?.message.hasPrefix("bad duration '30x':") == true)
        #expect(errors(policyText([25: "target = 90"])).first?.message.hasPrefix("bad duration '90':") == true)
    }

    @Test func badDurationInTheDefaults() {
        let found = errors(policyText([7: "escalate-every = \"1 hour\""], adding: ["escalate-to = \"boss\""]))
        #expect(found.map(\.key) == ["defaults.escalate-every"])
        #expect(found.first?.line == 7)
    }

    @Test func eventThatNoKindHas() {
        let found = errors(policyText([23: "starts-on = [\"created\"]"]))
        #expect(found.count == 1)
        #expect(found.first?.line == 23)
        #expect(found.first?.key == "clock.answer.starts-on")
        #expect(found.first?.message.contains("'created'") == true)
        #expect(found.first?.description.hasPrefix("policy.toml:23: clock.answer.starts-on: event 'created'") == true)
    }

    @Test func unknownTier() {
        let inDefaults = errors(policyText([7: "escalate-to = \"chief\""]))
        #expect(inDefaults.count == 1)
        #expect(
            inDefaults.first?.description.hasPrefix("policy.toml:7: defaults.escalate-to: unknown tier 'chief'") == true
        )

        let inClock = errors(policyText(adding: ["escalate-to = \"chief\""]))
        #expect(inClock.count == 1)
        #expect(
            inClock.first?.description.hasPrefix("policy.toml:27: clock.answer.escalate-to: unknown tier 'chief'")
                == true)

        let warnTier = errors(policyText(adding: ["warn-tier = \"nobody\""]))
        #expect(warnTier.map(\.key) == ["clock.answer.warn-tier"])
        #expect(warnTier.first?.line == 27)
    }

    @Test func aBadDefaultIsReportedOnceNotOncePerClock() throws {
        let text = Fixtures.policyText.replacingOccurrences(
            of: "escalate-to = \"duty-supervisor\"", with: "escalate-to = \"duty-supervsor\"")
        let defaultsLine = try #require(
            text.split(separator: "\n", omittingEmptySubsequences: false).firstIndex { $0.hasPrefix("escalate-to = ") })
        let found = errors(text)
        // Clocks that name their own tier are fine; the others all inherit one mistake, written once.
        #expect(found.count == 1)
        #expect(found.first?.key == "defaults.escalate-to")
        #expect(found.first?.line == defaultsLine + 1)
        #expect(found.first?.line == 36)
    }

    @Test func misspelledKey() {
        let found = errors(policyText([25: "taget = \"1h\""]))
        #expect(found.count == 2)
        // The clock misses its target (reported at the clock's table) and has an unknown key.
        #expect(found.map(\.key) == ["clock.answer.target", "clock.answer.taget"])
        #expect(found.map(\.line) == [21, 25])
        #expect(found.last?.description.hasPrefix("policy.toml:25: clock.answer.taget: unknown key 'taget'") == true)
        #expect(found.first?.description.hasPrefix("policy.toml:21: clock.answer.target: missing") == true)
    }

    @Test func misspelledKeysElsewhere() {
        let top = errors(policyText(adding: ["", "[clocks.extra]", "target = \"1h\""]))
        #expect(top.map(\.key) == ["clocks"])
        #expect(top.first?.line == 28)

        let calendar = errors(policyText([13: "holidays = [\"2026-02-16\"]"]))
        #expect(calendar.map(\.key) == ["calendar.shop.hours.holidays"])
        #expect(calendar.first?.line == 13)

        let condition = errors(policyText(adding: ["when = { amount-under = 2000 }"]))
        #expect(condition.map(\.key) == ["clock.answer.when.amount-under"])
        #expect(condition.first?.line == 27)
    }

    @Test func unknownTimeZone() {
        let found = errors(policyText([10: "zone = \"Asia/Shanghia\""]))
        // The clock on that calendar is not blamed a second time.
        #expect(found.count == 1)
        #expect(
            found.first?.description.hasPrefix("policy.toml:10: calendar.shop.zone: unknown time zone 'Asia/Shanghia'")
                == true)
    }

    @Test func badHours() {
        let found = errors(policyText([12: "mon = [\"9-22\"]"]))
        #expect(found.count == 1)
        #expect(found.first?.line == 12)
        #expect(found.first?.key == "calendar.shop.hours.mon")
        #expect(
            found.first?.description.hasPrefix("policy.toml:12: calendar.shop.hours.mon: '9-22' is not an interval")
                == true)

        let overlap = errors(policyText([12: "mon = [\"09:00-13:00\", \"12:00-18:00\"]"]))
        #expect(overlap.map(\.key) == ["calendar.shop.hours.mon"])
        #expect(overlap.first?.message.contains("overlaps") == true)
    }

    @Test func badDates() {
        let found = errors(
            policyText(adding: [
                "", "[calendar.other]", "zone = \"UTC\"", "closed = [\"2026-02-30\"]",
                "[calendar.other.hours]", "tue = [\"09:00-18:00\"]",
            ]))
        #expect(found.map(\.key) == ["calendar.other.closed"])
        #expect(found.first?.line == 30)
    }

    @Test func tomlSyntaxError() {
        let found = errors(policyText([25: "target = \"1h"]))
        #expect(found.count == 1)
        #expect(found.first?.line == 25)
        #expect(found.first?.key == "")
        #expect(found.first?.description.hasPrefix("policy.toml:25: ") == true)

        let unclosedTable = errors(policyText([18: "[kind.complaint"]))
        #expect(unclosedTable.first?.line == 18)
    }

    @Test func calendarNeverOpen() {
        let emptyDay = errors(policyText([12: "mon = []"]))
        #expect(emptyDay.count == 1)
        #expect(
            emptyDay.first?.description.hasPrefix("policy.toml:11: calendar.shop.hours: the calendar is never open")
                == true)

        // A calendar with a bad zone and no hours has both errors.
        let both = errors(policyText([10: "zone = \"Nowhere\"", 12: "mon = []"]))
        #expect(both.map(\.key) == ["calendar.shop.zone", "calendar.shop.hours"])
        #expect(both.map(\.line) == [10, 11])

        // A misspelled weekday is reported as such, not also as a calendar never open.
        let typo = errors(policyText([12: "mo = [\"09:00-18:00\"]"]))
        #expect(typo.map(\.key) == ["calendar.shop.hours.mo"])
        #expect(typo.first?.line == 12)

        // Without an hours table at all, the calendar's own table is the place.
        let noHours = errors(policyText([11: "", 12: ""]))
        #expect(noHours.map(\.key) == ["calendar.shop.hours"])
        #expect(noHours.first?.line == 9)
    }

    @Test func severalErrorsAtOnce() {
        let found = errors(
            policyText([7: "escalate-to = \"chief\"", 10: "zone = \"Mars/Olympus\"", 25: "target = \"soon\""]),
            file: "/etc/slad/policy.toml")
        #expect(found.map(\.line) == [7, 10, 25])
        #expect(found.map(\.key) == ["defaults.escalate-to", "calendar.shop.zone", "clock.answer.target"])
        let description = PolicyErrors(errors: found).description.split(separator: "\n")
        #expect(description.count == 3)
        #expect(description.allSatisfy { $0.hasPrefix("/etc/slad/policy.toml:") })
        #expect(description.first?.hasPrefix("/etc/slad/policy.toml:7: defaults.escalate-to: ") == true)
        #expect(description.last?.hasPrefix("/etc/slad/policy.toml:25: clock.answer.target: ") == true)
    }

    @Test func otherMistakes() {
        let unknownKind = errors(policyText([22: "kinds = [\"complain\"]"]))
        #expect(unknownKind.map(\.key) == ["clock.answer.kinds"])
        #expect(unknownKind.first?.line == 22)

        let unknownChannel = errors(policyText(adding: ["when = { channels = [\"fax\"] }"]))
        #expect(unknownChannel.map(\.key) == ["clock.answer.when.channels"])
        #expect(unknownChannel.first?.line == 27)

        let duplicateTier = errors(policyText([4: "id = \"desk\""]))
        #expect(duplicateTier.contains { $0.key == "tier[1].id" && $0.line == 4 })

        let pauseWithoutResume = errors(policyText(adding: ["pauses-on = [\"answered\"]"]))
        #expect(pauseWithoutResume.contains { $0.key == "clock.answer.resumes-on" })

        let badWarn = errors(policyText(adding: ["warn-at = 1.5"]))
        #expect(badWarn.map(\.key) == ["clock.answer.warn-at"])
        #expect(badWarn.first?.line == 27)

        let noTiers = errors(policyText([1: "", 2: "", 3: "", 4: "", 7: ""]))
        #expect(noTiers.contains { $0.key == "tier" })
    }
}
