import Foundation
import GRDB
import SLACore

/// Reads for the compliance reports: the cases of a period and the queue entries written for them.
extension Store {
    /// Cases opened in `[from, to)`, optionally of one store, in opening order.
    public func cases(openedFrom from: Instant, to: Instant, store: String? = nil) throws -> [Case] {
        var sql = "SELECT state FROM cases WHERE opened_at >= ? AND opened_at < ?"
        var arguments: StatementArguments = [from.millis, to.millis]
        if let store {
            sql += " AND store = ?"
            arguments += [store]
        }
        sql += " ORDER BY seq"
        return try read { db in
            let cursor = try Data.fetchCursor(db, sql: sql, arguments: arguments)
            var result: [Case] = []
            while let data = try cursor.next() {
                result.append(try CaseCodec.decode(data))
            }
            return result
        }
    }

    /// Every queue entry written for these cases, in the order written.
    public func entries(ofCases caseIDs: [String]) throws -> [QueueEntry] {
        let ids = Array(Set(caseIDs)).sorted()
        guard !ids.isEmpty else { return [] }
        return try read { db in
            var result: [QueueEntry] = []
            for chunk in Self.chunks(ids) {
                // Entries skipped in a catch-up told nobody: not escalations for the report.
                let marks = Self.marks(chunk.count)
                result += try Row.fetchAll(
                    db,
                    sql: """
                        SELECT \(Self.entryColumns) FROM escalations
                        WHERE state != 'skipped' AND case_id IN (\(marks))
                        """,
                    arguments: StatementArguments(chunk)
                ).map(Self.entryByPosition)
            }
            return result.sorted { $0.id < $1.id }
        }
    }
}
