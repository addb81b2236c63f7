/// `replication` in `GET /v1/health`: how far this store's changes are from HQ (issue 19).
public struct ReplicationView: Codable, Hashable, Sendable {
    /// `ok` (caught up or shipping), `behind` (the oldest unshipped change is older than
    /// `warn-backlog-seconds`), `failing` (HQ cannot be reached or refuses; retried with backoff),
    /// `starting` (not yet in touch with HQ since slad started).
    public var state: String
    public var storeID: String
    /// HQ's URL, without secrets.
    public var hq: String
    /// Changes committed here and not yet confirmed by HQ.
    public var backlogRows: Int
    /// Now minus the commit time of the oldest unshipped change (0 when none waits).
    public var lagSeconds: Double
    /// The last time HQ answered (ISO 8601), nil since start until it does.
    public var lastContact: String?
    /// The highest outbox seq HQ has confirmed.
    public var shippedSeq: Int64?
    /// Why the last attempt failed, while failing.
    public var lastError: String?

    public init(
        state: String, storeID: String, hq: String, backlogRows: Int, lagSeconds: Double, lastContact: String? = nil,
        shippedSeq: Int64? = nil, lastError: String? = nil
    ) {
        self.state = state
        self.storeID = storeID
        self.hq = hq
        self.backlogRows = backlogRows
        self.lagSeconds = lagSeconds
        self.lastContact = lastContact
        self.shippedSeq = shippedSeq
        self.lastError = lastError
    }

    public enum CodingKeys: String, CodingKey {
        case state, hq
        case storeID = "store_id"
        case backlogRows = "backlog_rows"
        case lagSeconds = "lag_seconds"
        case lastContact = "last_contact"
        case shippedSeq = "shipped_seq"
        case lastError = "last_error"
    }
}

extension ReplicationView: JSONWritable {
    public func write(to json: inout JSONWriter) {
        json.object { json in
            json.field("backlog_rows", backlogRows)
            json.field("hq", hq)
            json.field("lag_seconds", lagSeconds)
            json.field("last_contact", lastContact)
            json.field("last_error", lastError)
            json.field("shipped_seq", shippedSeq)
            json.field("state", state)
            json.field("store_id", storeID)
        }
    }
}
