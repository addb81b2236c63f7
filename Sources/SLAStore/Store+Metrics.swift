import GRDB

extension Store {
    /// Deliveries waiting for an attempt or a retry, by route (the `deliveries_due` index).
    public func pendingDeliveriesByRoute() throws -> [String: Int] {
        try read { db in
            var counts: [String: Int] = [:]
            let rows = try Row.fetchCursor(
                db, sql: "SELECT route, COUNT(*) FROM deliveries WHERE state = 'pending' GROUP BY route")
            while let row = try rows.next() { counts[row[0]] = row[1] }
            return counts
        }
    }
}
