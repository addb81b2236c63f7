import Foundation
import TOMLKit

/// A holiday file as read from disk: its path (as the policy's errors should name it) and bytes.
public struct HolidaySource: Sendable {
    public let path: String
    public let bytes: [UInt8]

    public init(path: String, bytes: [UInt8]) {
        self.path = path
        self.bytes = bytes
    }
}

/// Finds the files one `holidays` pattern of a calendar names (a path or a glob, relative to the
/// policy file), or says why it cannot. An empty list is "no file matches".
public typealias HolidayFileFinder = @Sendable (String) -> Result<[HolidaySource], HolidayFileError>

/// A calendar's holiday files merged: the dates to close and open, their names, the horizon.
struct MergedHolidays {
    var patterns: [String] = []
    var summaries = HolidaySummaryMapping.chinese
    var off: Set<CivilDate> = []
    var work: Set<CivilDate> = []
    var names: [CivilDate: String] = [:]
    var coveredThrough: CivilDate?

    /// Merges files, refusing two that cover one year (which is right is a person's call). The
    /// horizon is the end of the run of consecutive years from the first: a gap is not covered.
    static func merge(_ files: [HolidayFile]) -> Result<MergedHolidays, HolidayFileError> {
        var merged = MergedHolidays()
        var yearOwner: [Int: String] = [:]
        for file in files {
            for year in file.years {
                if let other = yearOwner[year], other != file.path {
                    return .failure(
                        HolidayFileError(
                            file: file.path, location: nil,
                            message:
                                "year \(year) is also covered by \(other): keep one (slactl calendar import --replace)")
                    )
                }
                yearOwner[year] = file.path
            }
            for day in file.days {
                if day.isOffDay { merged.off.insert(day.date) } else { merged.work.insert(day.date) }
                merged.names[day.date] = day.name
            }
        }
        if var year = yearOwner.keys.min() {
            while yearOwner[year + 1] != nil { year += 1 }
            merged.coveredThrough = CivilDate(year: year, month: 12, day: 31)
        }
        return .success(merged)
    }
}

extension PolicyReader {
    /// Reads the files a calendar's `holidays` names, with its `ical-summaries` mapping.
    mutating func readHolidays(_ table: TOMLTable, path: String) -> MergedHolidays {
        guard let patterns = stringList(table, "holidays", path: path, required: false) else { return MergedHolidays() }
        var mapping = HolidaySummaryMapping.chinese
        if let summaries = self.table(table, "ical-summaries", path: path, required: false) {
            checkKeys(summaries, allowed: ["off", "work"], path: path + ".ical-summaries")
            if let off = stringList(summaries, "off", path: path + ".ical-summaries") { mapping.offMarkers = off }
            if let work = stringList(summaries, "work", path: path + ".ical-summaries") { mapping.workMarkers = work }
        }
        guard let holidayFiles else { return MergedHolidays(patterns: patterns, summaries: mapping) }
        var files: [HolidayFile] = []
        for pattern in patterns {
            switch holidayFiles(pattern) {
            case .failure(let error):
                fail(path + ".holidays", error.description)
            case .success(let sources) where sources.isEmpty:
                fail(path + ".holidays", "no file matches '\(pattern)' (paths are relative to the policy file)")
            case .success(let sources):
                for source in sources {
                    do {
                        files.append(try HolidayFile.parse(source.bytes, path: source.path, summaries: mapping))
                    } catch {
                        fail(path + ".holidays", error.description)
                    }
                }
            }
        }
        switch MergedHolidays.merge(files) {
        case .success(var merged):
            merged.patterns = patterns
            merged.summaries = mapping
            return merged
        case .failure(let error):
            fail(path + ".holidays", error.description)
            return MergedHolidays()
        }
    }
}

/// Holiday files held in memory, keyed by their path relative to the policy: for tests, and for
/// checking a policy against files not yet installed (`slactl calendar import`).
public enum InMemoryHolidayFiles {
    public static func finder(_ files: [String: [UInt8]]) -> HolidayFileFinder {
        { pattern in
            .success(
                files.keys.filter { fnmatch(pattern, $0, 0) == 0 }.sorted().map {
                    HolidaySource(path: $0, bytes: files[$0]!)
                })
        }
    }
}
