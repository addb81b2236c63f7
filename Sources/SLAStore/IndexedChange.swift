import SLACore

/// Which of the indexed columns of `cases` a rewrite of a case changes (`cases_status` covers
/// status and overdue, `cases_store` store and status, `cases_next_due` next_due; the store and
/// opening time never change). A rewrite SETs only these, so that SQLite leaves the other index
/// entries alone: it rewrites an entry whenever one of its columns is SET, even to the same value.
struct IndexedChange: OptionSet {
    let rawValue: Int

    static let status = IndexedChange(rawValue: 1)
    static let nextDue = IndexedChange(rawValue: 2)
    static let overdue = IndexedChange(rawValue: 4)
    static let all: IndexedChange = [.status, .nextDue, .overdue]

    init(rawValue: Int) { self.rawValue = rawValue }

    init(from old: Case, to new: Case) {
        var changed: IndexedChange = []
        if old.status != new.status { changed.insert(.status) }
        if old.nextDue != new.nextDue { changed.insert(.nextDue) }
        if old.isOverdue != new.isOverdue { changed.insert(.overdue) }
        self = changed
    }

    /// The UPDATE for each combination (by `rawValue`): the changed indexed columns first (status,
    /// next_due, overdue), then every unindexed column, then the id.
    static let updateSQL: [String] = (0...all.rawValue).map { raw in
        let changed = IndexedChange(rawValue: raw)
        var columns: [String] = []
        if changed.contains(.status) { columns.append("status = ?") }
        if changed.contains(.nextDue) { columns.append("next_due = ?") }
        if changed.contains(.overdue) { columns.append("overdue = ?") }
        columns += [
            "resolved_at = ?", "closed_at = ?", "updated_at = ?", "state = ?", "running = ?",
            "last_event = coalesce(?, last_event)",
        ]
        return "UPDATE cases SET \(columns.joined(separator: ", ")) WHERE id = ?"
    }
}
