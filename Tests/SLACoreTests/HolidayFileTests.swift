import Foundation
import SLACore
import Testing

@Suite struct HolidayFileTests {
    func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

    @Test func theShippedFileIsTheStateCouncilSchedule() throws {
        let file = try HolidayFile.parse(Fixtures.holidayFiles["holidays/cn-2026.json"]!, path: "cn-2026.json")
        #expect(file.years == [2026])
        #expect(file.coveredThrough == day("2026-12-31"))
        // Cross-checked against the dates in the project's domain notes (the stores' procedures),
        // copied here verbatim, not against the file itself.
        let domain = """
              - weekday holidays: 01-01, 01-02, 02-16..02-20, 02-23, 04-06, 05-01, 05-04, 05-05, 06-19,
                09-25, 10-01, 10-02, 10-05, 10-06, 10-07
              - weekend days that are working days: 01-04, 02-14, 02-28, 05-09, 09-20, 10-10
            """
        func dates(after marker: String) -> Set<String> {
            let line = domain.components(separatedBy: "\n").drop { !$0.contains(marker) }.prefix(2).joined(
                separator: " ")
            let text = line.components(separatedBy: marker).last!
            var result: Set<String> = []
            for token in text.components(separatedBy: CharacterSet(charactersIn: ", \n")) where !token.isEmpty {
                let parts = token.components(separatedBy: "..")
                guard parts.allSatisfy({ $0.count == 5 && $0.dropFirst(2).first == "-" }) else { continue }
                var date = day("2026-" + parts[0])
                let last = day("2026-" + parts[parts.count - 1])
                while date <= last {
                    result.insert(date.description)
                    date = date.adding(days: 1)
                }
            }
            return result
        }
        let holidays = dates(after: "weekday holidays:")
        let makeUp = dates(after: "weekend days that are working days:")
        #expect(holidays.count == 19)
        #expect(makeUp.count == 6)
        #expect(Set(file.days.filter(\.isOffDay).map(\.date.description)) == holidays)
        #expect(Set(file.days.filter { !$0.isOffDay }.map(\.date.description)) == makeUp)
    }

    @Test func aMalformedFileIsRefusedWithWhereAndWhat() {
        func refusal(_ text: String) -> HolidayFileError? {
            do {
                _ = try HolidayFile.parse(bytes(text), path: "cn-2027.json")
                return nil
            } catch {
                return error
            }
        }
        let notJSON = refusal(#"{"year": 2027, "days": [ {"date": "2027-01-01", "isOffDay": true}, ]"#)
        #expect(notJSON?.file == "cn-2027.json")
        #expect(notJSON?.message.hasPrefix("not valid JSON") == true)
        let outside = refusal(
            #"{"year": 2027, "days": [{"name": "元旦", "date": "2027-01-01", "isOffDay": true}, {"name": "x", "date": "2026-12-31", "isOffDay": true}]}"#
        )
        #expect(
            outside?.description == "cn-2027.json: days[1] (2026-12-31): 2026-12-31 is outside the file's year (2027)")
        let both = refusal(
            #"{"year": 2027, "days": [{"date": "2027-02-07", "isOffDay": true}, {"date": "2027-02-07", "isOffDay": false}]}"#
        )
        #expect(
            both?.description
                == "cn-2027.json: days[1] (2027-02-07): 2027-02-07 is both an off day and a make-up working day "
                + "(also at days[0] (2027-02-07))")
        let twice = refusal(
            #"{"year": 2027, "days": [{"date": "2027-01-01", "isOffDay": true}, {"date": "2027-01-01", "isOffDay": true}]}"#
        )
        #expect(twice?.message.contains("listed twice") == true)
        let number = refusal(#"{"year": 2027, "days": [{"date": "2027-01-01", "isOffDay": 1}]}"#)
        #expect(number?.location == "days[0].isOffDay")
        #expect(number?.message == "expected true (a day off) or false (a make-up working day)")
        let badDate = refusal(#"{"year": 2027, "days": [{"date": "2027-02-30", "isOffDay": true}]}"#)
        #expect(badDate?.location == "days[0].date")
        let noYear = refusal(#"{"days": []}"#)
        #expect(noYear?.message == "missing \"year\"")
    }

    static let feed = """
        BEGIN:VCALENDAR\r
        VERSION:2.0\r
        X-WR-CALNAME:中国节假日\r
        BEGIN:VEVENT\r
        DTSTART;VALUE=DATE:20270101\r
        DTEND;VALUE=DATE:20270104\r
        SUMMARY:元旦 休\r
        END:VEVENT\r
        BEGIN:VEVENT\r
        DTSTART;VALUE=DATE:20270207\r
        SUMMARY:春节\r
          补班\r
        END:VEVENT\r
        BEGIN:VEVENT\r
        DTSTART;VALUE=DATE:20270214\r
        SUMMARY:情人节\r
        END:VEVENT\r
        END:VCALENDAR\r

        """

    @Test func anICalendarFeedGivesItsAllDayEventsByTheirSummaries() throws {
        let file = try HolidayFile.parse(bytes(Self.feed), path: "cn.ics")
        #expect(file.years == [2027])
        // DTEND is exclusive: 01-01 to 01-03; the folded summary is a make-up day; 情人节 is neither.
        #expect(file.days.filter(\.isOffDay).map(\.date) == [day("2027-01-01"), day("2027-01-02"), day("2027-01-03")])
        #expect(file.days.filter { !$0.isOffDay }.map(\.date) == [day("2027-02-07")])
        #expect(file.days.first?.name == "元旦 休")
    }

    @Test func theSummaryMappingIsConfigurable() throws {
        let english = """
            BEGIN:VCALENDAR
            BEGIN:VEVENT
            DTSTART;VALUE=DATE:20270101
            SUMMARY:New Year (holiday)
            END:VEVENT
            BEGIN:VEVENT
            DTSTART;VALUE=DATE:20270109
            SUMMARY:Working Saturday
            END:VEVENT
            END:VCALENDAR
            """
        #expect(throws: HolidayFileError.self) { try HolidayFile.parse(bytes(english), path: "uk.ics") }
        let mapping = HolidaySummaryMapping(offMarkers: ["(holiday)"], workMarkers: ["Working"])
        let file = try HolidayFile.parse(bytes(english), path: "uk.ics", summaries: mapping)
        #expect(file.days.map(\.isOffDay) == [true, false])
    }

    @Test func aTimedEventIsRefusedWithItsLine() {
        let timed = "BEGIN:VCALENDAR\nBEGIN:VEVENT\nDTSTART:20270101T090000Z\nSUMMARY:休\nEND:VEVENT\nEND:VCALENDAR\n"
        #expect(
            throws: HolidayFileError(
                file: "x.ics", location: "line 3",
                message: "DTSTART '20270101T090000Z' is not an all-day date (VALUE=DATE:YYYYMMDD)")
        ) {
            try HolidayFile.parse(bytes(timed), path: "x.ics")
        }
    }
}

/// Policies with holiday files, for the loader, the horizon and recompute tests.
enum HolidayFixtures {
    /// A 2027 file for tests only (never shipped: 2027's schedule is not in the project's sources):
    /// New Year's Day off, one make-up Saturday.
    static let cn2027 = Array(
        #"{"year": 2027, "days": [{"name": "元旦", "date": "2027-01-01", "isOffDay": true}, {"name": "春节", "date": "2027-02-06", "isOffDay": false}]}"#
            .utf8)

    static func policy(text: String = Fixtures.policyText, extra: [String: [UInt8]] = [:]) throws -> Policy {
        try PolicyLoader.load(
            text: text, file: "policy.toml",
            holidayFiles: InMemoryHolidayFiles.finder(Fixtures.holidayFiles.merging(extra) { $1 }))
    }

    static var with2027: Policy { get throws { try policy(extra: ["holidays/cn-2027.json": cn2027]) } }

    /// The default policy with text replaced (a target, a calendar line).
    static func edited(_ replacements: [(String, String)], extra: [String: [UInt8]] = [:]) throws -> Policy {
        var text = Fixtures.policyText
        for (old, new) in replacements {
            precondition(text.contains(old), "the default policy has no '\(old)'")
            text = text.replacingOccurrences(of: old, with: new)
        }
        return try policy(text: text, extra: extra)
    }
}

@Suite struct HolidayPolicyTests {
    @Test func theOfficeCalendarReadsItsFilesAndKnowsItsHorizon() throws {
        let office = Fixtures.office
        #expect(office.coveredThrough == day("2026-12-31"))
        #expect(!office.isOpenDay(day("2026-10-05")))
        #expect(office.isOpenDay(day("2026-10-10")))
        #expect(office.dayNames[day("2026-10-05")] == "国庆节")
        #expect(Fixtures.store.coveredThrough == day("2026-12-31"))
        #expect(Fixtures.always.coveredThrough == nil)
        let extended = try HolidayFixtures.with2027.calendars["office"]!
        #expect(extended.coveredThrough == day("2027-12-31"))
        #expect(!extended.isOpenDay(day("2027-01-01")))
        #expect(extended.isOpenDay(day("2027-02-06")))
    }

    @Test func aGapInTheYearsEndsTheHorizonBeforeIt() throws {
        let cn2028 = Array(#"{"year": 2028, "days": [{"date": "2028-01-03", "isOffDay": true}]}"#.utf8)
        let policy = try HolidayFixtures.policy(extra: ["holidays/cn-2028.json": cn2028])
        #expect(policy.calendars["office"]?.coveredThrough == day("2026-12-31"))
        #expect(policy.calendars["office"]?.isOpenDay(day("2028-01-03")) == false)
    }

    @Test func anExplicitHorizonWins() throws {
        let policy = try HolidayFixtures.edited([
            (
                #"holidays = ["holidays/cn-*.json"]"#,
                #"holidays = ["holidays/cn-*.json"]"# + "\ncovered-through = 2026-06-30"
            )
        ])
        #expect(policy.calendars["office"]?.coveredThrough == day("2026-06-30"))
    }

    @Test func holidayFileProblemsAreThePolicysErrors() throws {
        func errors(_ extra: [String: [UInt8]], pattern: String = "holidays/cn-*.json") -> [String] {
            do {
                _ = try HolidayFixtures.edited(
                    [(#"holidays = ["holidays/cn-*.json"]"#, "holidays = [\"\(pattern)\"]")], extra: extra)
                return []
            } catch let error as PolicyErrors {
                return error.errors.map(\.description)
            } catch {
                return ["\(error)"]
            }
        }
        #expect(
            errors([:], pattern: "holidays/jp-*.json") == [
                "policy.toml:67: calendar.office.holidays: no file matches 'holidays/jp-*.json' (paths are relative to the policy file)"
            ])
        let broken = Array(#"{"year": 2027, "days": [{"date": "2028-01-01", "isOffDay": true}]}"#.utf8)
        #expect(
            errors(["holidays/cn-2027.json": broken]) == [
                "policy.toml:67: calendar.office.holidays: holidays/cn-2027.json: days[0] (2028-01-01): "
                    + "2028-01-01 is outside the file's year (2027)"
            ])
        let again = Array(#"{"year": 2026, "days": []}"#.utf8)
        #expect(errors(["holidays/cn-2026-b.json": again]).first?.contains("year 2026 is also covered by") == true)
    }

    @Test func theWarningComesSixtyDaysBeforeTheDataEnds() throws {
        let policy = Fixtures.policy
        #expect(policy.horizonWarnings(today: day("2026-10-31")).isEmpty)
        let warnings = policy.horizonWarnings(today: day("2026-11-01"))
        #expect(warnings.map(\.calendar) == ["office", "store"])
        #expect(warnings.map(\.daysLeft) == [60, 60])
        #expect(
            warnings.first?.description
                == "calendar 'office': its holiday data ends on 2026-12-31 (in 60 days); "
                + "add the next year's holiday file (slactl calendar import FILE --calendar office)")
        #expect(policy.horizonWarnings(today: day("2027-01-02")).first?.daysLeft == -2)
        #expect(try HolidayFixtures.with2027.horizonWarnings(today: day("2026-11-01")).map(\.calendar) == ["store"])
        let configured = try HolidayFixtures.edited([
            (
                #"holidays = ["holidays/cn-*.json"]"#,
                #"holidays = ["holidays/cn-*.json"]"# + "\nwarn-days-before-end = 10"
            )
        ])
        #expect(configured.horizonWarnings(today: day("2026-12-20")).map(\.calendar) == ["store"])
        #expect(configured.horizonWarnings(today: day("2026-12-21")).map(\.calendar) == ["office", "store"])
    }

    @Test func aDeadlinePastTheDataIsProvisional() throws {
        let office = Fixtures.office
        let start = t("2026-12-30T10:00:00+08:00")
        let due = office.deadline(from: start, target: Target("3wd")!)!
        #expect(due == t("2027-01-04T18:00:00+08:00"))
        #expect(
            office.provisionalReason(from: start, to: due)
                == "calendar 'office' has holiday data only through 2026-12-31: counted on its weekly hours after that")
        #expect(office.provisionalReason(from: start, to: t("2026-12-31T18:00:00+08:00")) == nil)
        let extended = try HolidayFixtures.with2027.calendars["office"]!
        let trueDue = extended.deadline(from: start, target: Target("3wd")!)!
        #expect(trueDue == t("2027-01-05T18:00:00+08:00"))
        #expect(extended.provisionalReason(from: start, to: trueDue) == nil)
    }
}
