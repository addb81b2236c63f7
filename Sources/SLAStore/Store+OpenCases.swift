import Foundation
import GRDB
import SLACore

extension Store {
    /// Calls `body` with every case not closed, read from the store one row at a time: what a
    /// check of the open cases against a new policy walks. A row that cannot be decoded is passed
    /// over (the scheduler says so when that case falls due); their ids are returned.
    @discardableResult
    public func forEachOpenCase(_ body: (Case) throws -> Void) throws -> [String] {
        try read { db in
            var unreadable: [String] = []
            let rows = try Row.fetchCursor(
                db, sql: "SELECT id, state FROM cases WHERE status IN ('open', 'resolved')")
            while let row = try rows.next() {
                guard let record = try? CaseCodec.decode(row["state"] as Data) else {
                    unreadable.append(row["id"])
                    continue
                }
                try body(record)
            }
            return unreadable
        }
    }

    /// A fact slad keeps about itself between runs (`daemon_state`), or nil.
    public func daemonState(_ key: String) throws -> String? {
        try read { db in try String.fetchOne(db, sql: "SELECT value FROM daemon_state WHERE key = ?", arguments: [key])
        }
    }

    public func setDaemonState(_ key: String, to value: String?) throws {
        do {
            try pool.write { db in
                if let value {
                    try db.execute(
                        sql: "INSERT OR REPLACE INTO daemon_state (key, value) VALUES (?, ?)", arguments: [key, value])
                } else {
                    try db.execute(sql: "DELETE FROM daemon_state WHERE key = ?", arguments: [key])
                }
            }
        } catch {
            throw StoreFailure(error)
        }
    }
}
