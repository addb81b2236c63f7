import ArgumentParser
import Foundation
import SLACommandLine
import SLACore
import SLAPolicyFile

struct CalendarCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "calendar", abstract: "Show a calendar of the policy, or take in a holiday file.",
        subcommands: [Show.self, Import.self])

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "show",
            abstract: "A month (or a year) of a calendar: open and closed days, holidays, make-up days, special hours.",
            discussion: "Example: slactl calendar show office --month 2027-01")

        @Argument(help: "A calendar of the policy (office, store...).") var name: String
        @Option(help: "A month, YYYY-MM.") var month: String?
        @Option(help: "A year, YYYY: its twelve months.") var year: Int?
        @Option(help: "The policy file.") var policy: String?

        func validate() throws {
            if (month == nil) == (year == nil) { throw ValidationError("give --month YYYY-MM or --year YYYY") }
        }

        func run() throws {
            let policy = try loadPolicy(self.policy ?? defaultPolicyPath())
            guard let calendar = policy.calendars[name] else {
                printError(
                    "unknown calendar '\(name)' (known: \(policy.calendars.keys.sorted().joined(separator: ", ")))")
                throw ExitStatus.refused
            }
            var months: [(Int, Int)] = []
            if let year { months = (1...12).map { (year, $0) } }
            if let month {
                guard let first = CivilDate(iso: month + "-01") else {
                    throw ValidationError("--month '\(month)' is not YYYY-MM")
                }
                months = [(first.components.year, first.components.month)]
            }
            for (index, (year, month)) in months.enumerated() {
                if index > 0 { print("") }
                print(MonthGrid.render(calendar, year: year, month: month))
            }
        }
    }

    struct Import: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "import",
            abstract: "Check a holiday file, print what it changes, and install it beside the policy.",
            discussion: """
                A holiday-cn JSON file (one year) or an iCalendar feed (*.ics). It is refused, with the entry or \
                line at fault, if malformed, if a date lies outside its year, is listed twice or is both an off \
                day and a make-up day, or if its year is covered by another file (unless --replace). Installed \
                under the calendar's `holidays` pattern (holidays/cn-2027.json), ready for `systemctl reload slad`.
                """)

        @Argument(help: "The holiday file.") var file: String
        @Option(help: "The calendar that takes it.") var calendar: String
        @Option(help: "The policy file (default: /etc/slad/policy.toml, else config/policy.toml).") var policy: String?
        @Flag(help: "Replace the files that cover the same years.") var replace = false
        @Flag(help: "Check and print the changes, install nothing.") var dryRun = false

        func run() throws {
            let policyPath = policy ?? defaultPolicyPath()
            let old = try loadPolicy(policyPath)
            guard old.calendars[calendar] != nil else {
                printError(
                    "unknown calendar '\(calendar)' (known: \(old.calendars.keys.sorted().joined(separator: ", ")))")
                throw ExitStatus.refused
            }
            let bytes: [UInt8]
            switch HolidayFileReader.read(file) {
            case .success(let read): bytes = read
            case .failure(let error):
                printError(error.description)
                throw ExitStatus.refused
            }
            let text = try policyText(policyPath)
            let patterns = (
                globs: old.calendars[calendar]!.holidayPatterns, summaries: old.calendars[calendar]!.holidaySummaries
            )
            guard !patterns.globs.isEmpty else {
                printError(
                    "calendar '\(calendar)' names no holiday files: add `holidays = [\"holidays/\(calendar)-*.json\"]` "
                        + "to [calendar.\(calendar)] in \(policyPath)")
                throw ExitStatus.refused
            }
            let parsed: HolidayFile
            do {
                parsed = try HolidayFile.parse(bytes, path: file, summaries: patterns.summaries)
            } catch {
                printError(error.description)
                throw ExitStatus.refused
            }
            let directory = (policyPath as NSString).deletingLastPathComponent
            let target = try CalendarPatterns.installPath(
                for: parsed, file: file, patterns: patterns.globs, directory: directory)
            // The files now installed that cover one of its years: refused unless --replace.
            let finder = HolidayFileReader.finder(policyPath: policyPath)
            var clashing: [String] = []
            for pattern in patterns.globs {
                guard case .success(let sources) = finder(pattern) else { continue }
                for source in sources where source.path != target {
                    if let other = try? HolidayFile.parse(
                        source.bytes, path: source.path, summaries: patterns.summaries),
                        !Set(other.years).isDisjoint(with: parsed.years)
                    {
                        clashing.append(source.path)
                    }
                }
            }
            let existing = try? HolidayFileReader.read(target).get()
            if !replace, !clashing.isEmpty || (existing != nil && existing != bytes) {
                let covered = parsed.years.map(String.init).joined(separator: ", ")
                printError(
                    "\(file): year \(covered) is already covered by \((clashing + (existing != nil ? [target] : [])).joined(separator: ", ")); "
                        + "--replace to take this file instead")
                throw ExitStatus.refused
            }
            // The policy as it will load after the reload: the new file in, the replaced ones out.
            let replaced = clashing
            let overlay: HolidayFileFinder = { pattern in
                let full = pattern.hasPrefix("/") ? pattern : directory + "/" + pattern
                guard case .success(var sources) = finder(pattern) else { return finder(pattern) }
                sources.removeAll { replaced.contains($0.path) || $0.path == target }
                if fnmatch(full, target, 0) == 0 { sources.append(HolidaySource(path: target, bytes: bytes)) }
                return .success(sources.sorted { $0.path < $1.path })
            }
            let new: Policy
            do {
                new = try PolicyLoader.load(text: text, file: policyPath, holidayFiles: overlay)
            } catch {
                printError(error.description)
                throw ExitStatus.refused
            }
            let changes = PolicyDiff(old: old, new: new).lines.filter {
                $0.subject == calendar || $0.subject.hasPrefix(calendar + " ")
            }
            let offDays = parsed.days.filter(\.isOffDay).count
            print(
                "\(file): ok: \(parsed.years.map(String.init).joined(separator: ", ")): \(offDays) off days, \(parsed.days.count - offDays) make-up working days"
            )
            if changes.isEmpty { print("it changes no day of calendar '\(calendar)'") }
            for change in changes { print("  " + change.description) }
            guard !dryRun else { return }
            do {
                try FileManager.default.createDirectory(
                    atPath: (target as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
                try Data(bytes).write(to: URL(fileURLWithPath: target), options: .atomic)
                _ = chmod(target, 0o644)  // slad (user slad) reads it
                for path in clashing { try FileManager.default.removeItem(atPath: path) }
            } catch {
                printError("cannot install \(target): \(error.localizedDescription)")
                throw ExitStatus.refused
            }
            print("installed \(target)\(clashing.isEmpty ? "" : " (removed \(clashing.joined(separator: ", ")))")")
            print("next: slactl policy check \(policyPath) && systemctl reload slad")
        }

        func policyText(_ path: String) throws -> String {
            guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8)
            else {
                printError("cannot read \(path)")
                throw ExitStatus.refused
            }
            return text
        }
    }
}

/// Where `slactl calendar import` puts a file.
enum CalendarPatterns {
    /// Where the file goes: the first pattern with its extension, its `*` replaced by the years.
    static func installPath(for parsed: HolidayFile, file: String, patterns: [String], directory: String) throws
        -> String
    {
        let ext = (file as NSString).pathExtension.lowercased()
        let years = parsed.years.count == 1 ? "\(parsed.years[0])" : "\(parsed.years.first!)-\(parsed.years.last!)"
        guard
            let pattern = patterns.first(where: {
                ($0 as NSString).pathExtension.lowercased() == ext && $0.filter { $0 == "*" }.count == 1
            })
        else {
            printError(
                "\(file): no `holidays` pattern of the calendar takes *.\(ext) files with one `*` "
                    + "(patterns: \(patterns.joined(separator: ", "))): add one, such as \"holidays/cn-*.\(ext)\"")
            throw ExitStatus.refused
        }
        let relative = pattern.replacingOccurrences(of: "*", with: years)
        return relative.hasPrefix("/") ? relative : directory + "/" + relative
    }
}
