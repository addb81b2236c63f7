import Foundation
import GRDB
import SLACore

extension Store {
    /// Calls `body` with every case not closed, read from the store one row at a time: what a
    /// check of the open cases against a new policy walks.
    public func forEachOpenCase(_ body: (Case) throws -> Void) throws {
        try read { db in
            let rows = try Data.fetchCursor(db, sql: "SELECT state FROM cases WHERE status != 'closed'")
            while let state = try rows.next() { try body(try CaseCodec.decode(state)) }
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
