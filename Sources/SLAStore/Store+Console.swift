import Foundation
import GRDB
import SLACore

/// The reads of the managers' console: a board of the clocks still counting, and the queue of
/// some stores, the newest first.
extension Store {
    /// Cases that have a clock counting down or breached and not satisfied, in the given stores
    /// (nil: every store), the soonest due first.
    public func boardCases(stores: Set<String>?, limit: Int = 500) throws -> [Case] {
        var sql = """
            SELECT state FROM cases
            WHERE (next_due IS NOT NULL OR (overdue = 1 AND status != 'closed'))
            """
        var arguments: [(any DatabaseValueConvertible)?] = []
        if let stores {
            guard !stores.isEmpty else { return [] }
            sql += " AND store IN (\(Array(repeating: "?", count: stores.count).joined(separator: ", ")))"
            arguments += stores.sorted().map { $0 as (any DatabaseValueConvertible)? }
        }
        sql += " ORDER BY next_due IS NULL, next_due LIMIT \(max(1, min(limit, 10_000)))"
        return try read { db in
            try Data.fetchAll(db, sql: sql, arguments: StatementArguments(arguments)).map { try CaseCodec.decode($0) }
        }
    }

    /// Queue entries of the given stores (nil: every store), of a tier and in some states when
    /// given, the newest first.
    public func consoleEntries(
        stores: Set<String>?, tier: String? = nil, states: Set<DeliveryState>? = nil, limit: Int = 200
    ) throws -> [QueueEntry] {
        var conditions: [String] = []
        var arguments: [(any DatabaseValueConvertible)?] = []
        func oneOf(_ column: String, _ values: [String]) {
            conditions.append("\(column) IN (\(Array(repeating: "?", count: values.count).joined(separator: ", ")))")
            arguments += values.map { $0 as (any DatabaseValueConvertible)? }
        }
        if let stores {
            guard !stores.isEmpty else { return [] }
            oneOf("store", stores.sorted())
        }
        if let states {
            guard !states.isEmpty else { return [] }
            oneOf("state", states.map(\.rawValue).sorted())
        }
        if let tier {
            conditions.append("tier = ?")
            arguments.append(tier)
        }
        let whereClause = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
        let sql = "SELECT * FROM escalations \(whereClause) ORDER BY id DESC LIMIT \(max(1, min(limit, 10_000)))"
        return try read { db in
            try Row.fetchAll(db, sql: sql, arguments: StatementArguments(arguments)).map(Self.entry)
        }
    }
}

extension Store {
    /// The stores that have cases, in order (for filters of those who see every store).
    public func knownStores(limit: Int = 1000) throws -> [String] {
        try read { db in
            try String.fetchAll(db, sql: "SELECT DISTINCT store FROM cases ORDER BY store LIMIT \(max(1, limit))")
        }
    }
}
