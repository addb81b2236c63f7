import GRDB
import SLACore

extension Store {
    /// Fills the store with many cases at once (slabench's seeder; an import from another tool):
    /// writes each batch `next` returns, until it returns nil, through `commit`, the group
    /// commit's own write path, so that every row, event and queue entry is exactly what slad
    /// writes (the batches' cases and escalations come from the real engine, made by the caller,
    /// one batch in memory at a time). Then the write-ahead log is checkpointed into the database
    /// file, so that the next start reads one file. Not for a store a running slad has open: its
    /// scheduler would not know the cases.
    public func seed(batches next: () throws -> WriteBatch?) throws {
        while let batch = try next() { try commit(batch) }
        do {
            try pool.writeWithoutTransaction { db in _ = try db.checkpoint(.truncate) }
        } catch {
            throw StoreFailure(error)
        }
    }
}
