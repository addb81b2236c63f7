import Foundation
import SLACore

/// Shared test data: the default policy from `config/policy.toml`, its calendars, and calendars
/// built in code for a zone with daylight saving time.
enum Fixtures {
    /// The package root: this file is `Tests/SLACoreTests/Fixtures.swift`.
    static let packageRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()
        .deletingLastPathComponent()
        .deletingLastPathComponent()

    static let policyURL: URL = packageRoot.appendingPathComponent("config/policy.toml")

    static let policyText: String = {
        do {
            return try String(contentsOf: policyURL, encoding: .utf8)
        } catch {
            fatalError("cannot read \(policyURL.path): \(error)")
        }
    }()

    /// The shipped holiday files, by their path relative to the policy (`holidays/cn-2026.json`).
    static let holidayFiles: [String: [UInt8]] = {
        let directory = packageRoot.appendingPathComponent("config/holidays")
        var files: [String: [UInt8]] = [:]
        for name in (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? [] {
            files["holidays/" + name] = Array((try? Data(contentsOf: directory.appendingPathComponent(name))) ?? Data())
        }
        return files
    }()

    static let policy: Policy = {
        do {
            return try PolicyLoader.load(
                text: policyText, file: "policy.toml", holidayFiles: InMemoryHolidayFiles.finder(holidayFiles))
        } catch {
            fatalError("the default policy does not load:\n\(error)")
        }
    }()

    static var engine: Engine { Engine(policy: policy) }

    static var store: BusinessCalendar { policy.calendars["store"]! }
    static var office: BusinessCalendar { policy.calendars["office"]! }
    static var always: BusinessCalendar { policy.calendars["always"]! }

    static let berlinZone: TimeZone = TimeZone(identifier: "Europe/Berlin")!

    /// Berlin, open around the clock.
    static let berlinAlways: BusinessCalendar = BusinessCalendar.alwaysOpen(name: "berlin-always", zone: berlinZone)

    /// Berlin, Monday to Friday 09:00-18:00, no holidays.
    static let berlinOffice: BusinessCalendar = {
        let nineToSix = OpeningInterval("09:00-18:00")!
        return BusinessCalendar(
            name: "berlin-office", zone: berlinZone,
            weekly: [.mon: [nineToSix], .tue: [nineToSix], .wed: [nineToSix], .thu: [nineToSix], .fri: [nineToSix]])
    }()
}

/// An instant written as ISO 8601 with an offset; a typo in a test is a programming error.
func t(_ text: String) -> Instant {
    guard let instant = ISO8601.parse(text) else { fatalError("not an ISO 8601 instant: \(text)") }
    return instant
}

/// A civil date written `YYYY-MM-DD`.
func day(_ text: String) -> CivilDate {
    guard let date = CivilDate(iso: text) else { fatalError("not a date: \(text)") }
    return date
}

/// Readable instants in failure messages: Shanghai local time.
func cst(_ instant: Instant?) -> String {
    instant.map { ISO8601.format($0, offsetSeconds: 8 * 3600) } ?? "nil"
}

let minute: Int64 = 60_000
let hour: Int64 = 3_600_000

/// A tiny deterministic generator (SplitMix64) so that property tests are reproducible.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64

    init(seed: UInt64) {
        state = seed
    }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
