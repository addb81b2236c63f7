import SLAAPI
import SLACommandLine

// slad's answers as staff read them in a terminal: aligned tables of what the views hold, "-"
// where an answer leaves a field out.

/// A case's line and its clocks; a provisional deadline is marked `*` and explained below.
func printCase(_ shown: CaseView) {
    print("\(shown.id)  \(shown.kind)  store \(shown.store)  \(shown.status)" + (shown.overdue ? "  OVERDUE" : ""))
    print(
        TextTable.render(
            header: ["CLOCK", "STATUS", "TARGET", "DEADLINE", "LEFT / LATE", "TOLD"],
            rows: shown.clocks.map { clock in
                var left = "-"
                if let ms = clock.timeLeftMs {
                    // A paused clock's time left does not run down until it resumes.
                    left = duration(ms) + " left" + (clock.status == "paused" ? " (paused)" : "")
                }
                if let ms = clock.lateByMs { left = duration(ms) + " late" }
                return [
                    clock.name, clockStatus(clock), clock.target ?? "-", clock.deadline ?? "-", left,
                    clock.escalatedTo ?? "-",
                ]
            }))
    for clock in shown.clocks where clock.provisional != nil {
        print("* \(clock.name): deadline provisional: \(clock.provisionalReason ?? "-")")
    }
}

/// A frozen clock (the policy lacks what it uses) says so where staff look first.
func clockStatus(_ clock: ClockView) -> String {
    (clock.frozen == nil ? clock.status : "\(clock.status) (FROZEN)") + (clock.provisional == nil ? "" : " *")
}

/// Queue entries as a table; `header: false` for the pages of `--follow` after the first.
func printEntries(_ entries: [EntryView], header: Bool) {
    let rows = entries.map {
        ["\($0.id)", $0.caseId, $0.clock, $0.tier, $0.kind, $0.dueAt, duration($0.lateMs), $0.state]
    }
    let table = TextTable.render(
        header: ["ID", "CASE", "CLOCK", "TIER", "KIND", "DUE", "WRITTEN LATE", "STATE"], rows: rows)
    let lines = table.split(separator: "\n", omittingEmptySubsequences: false)
    for line in header ? lines[...] : lines.dropFirst() { print(line) }
}
