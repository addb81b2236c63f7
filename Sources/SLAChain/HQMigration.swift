/// One step of HQ's schema. Shipped steps are never edited: a change is a new step.
///
/// The rule that lets HQ be upgraded with stores connected: a step takes only brief locks. It
/// adds (tables, nullable columns, columns with a constant default), it builds indexes
/// `CONCURRENTLY ... IF NOT EXISTS` (then `transactional` is false, since PostgreSQL refuses that
/// in a transaction), and it never rewrites a big table. The migrator runs each transactional
/// step with a `lock_timeout`, so a step that cannot get its lock at once gives way to the
/// stores' writes and is tried again, instead of queueing every writer behind it.
public struct HQMigration: Sendable {
    public let version: Int
    public let name: String
    /// One SQL statement each (PostgreSQL's extended protocol runs one at a time).
    public let statements: [String]
    /// False for steps that PostgreSQL refuses in a transaction (`CREATE INDEX CONCURRENTLY`).
    public let transactional: Bool

    public init(version: Int, name: String, transactional: Bool = true, statements: [String]) {
        self.version = version
        self.name = name
        self.statements = statements
        self.transactional = transactional
    }
}
