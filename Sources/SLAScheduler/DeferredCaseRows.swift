import SLACore
import SLAStore

/// Case rows a burst writes after its queue entries. While more cases are due than one commit
/// takes, each commit writes the entries of the cases it advanced and leaves their rows for later
/// commits (a slice at a time, once nothing is due): a follower waits for the entries, and a case
/// row costs more than its entry. Nothing is lost if slad stops in between: a row left behind
/// still says the clock is due, so recovery advances the case again, its entries are already
/// written (the queue's key ignores them) and its row is written then.
///
/// Memory has each such case as it now is (the group commits read it here first); the store's
/// row is as it was, which is what a later UPDATE must compare with to know which indexed columns
/// change. Owned by the scheduler's queue, like the committer that holds it.
struct DeferredCaseRows {
    /// Each case waiting, as memory has it.
    private(set) var newest: [String: Case] = [:]
    /// Each case waiting, as its row in the store has it.
    private var stored: [String: Case] = [:]
    /// Waiting ids in the order they were left: the oldest are written first. May hold ids
    /// already written (skipped).
    private var order: [String] = []
    private var orderStart = 0

    var isEmpty: Bool { newest.isEmpty }
    var count: Int { newest.count }

    /// `batch` left the rows of its `rowsLater` cases for later, and is committed: they wait
    /// (a case already waiting keeps the row the store has).
    mutating func held(_ batch: WriteBatch) {
        guard !batch.rowsLater.isEmpty else { return }
        for record in batch.cases where batch.rowsLater.contains(record.id) {
            if stored[record.id] == nil {
                stored[record.id] = batch.committed[record.id]
                order.append(record.id)
            }
            newest[record.id] = record
        }
    }

    /// Writes in `batch` the waiting rows of the cases it rewrites anyway (compared with the rows
    /// the store has), and up to `limit` more of the oldest waiting. Returns the ids it wrote.
    func release(into batch: inout WriteBatch, limit: Int) -> Set<String> {
        var written: Set<String> = []
        guard !newest.isEmpty else { return written }
        for record in batch.cases where !batch.rowsLater.contains(record.id) {
            guard let before = stored[record.id] else { continue }
            batch.committed[record.id] = before
            written.insert(record.id)
        }
        var index = orderStart
        while written.count < limit, index < order.count {
            let id = order[index]
            index += 1
            guard let record = newest[id], !written.contains(id), !batch.rowsLater.contains(id) else { continue }
            batch.cases.append(record)
            batch.committed[id] = stored[id]
            written.insert(id)
        }
        return written
    }

    /// The rows of `ids` are committed.
    mutating func written(_ ids: Set<String>) {
        for id in ids {
            newest[id] = nil
            stored[id] = nil
        }
        while orderStart < order.count, newest[order[orderStart]] == nil {
            orderStart += 1
        }
        if orderStart == order.count || orderStart > 4_096 {
            order.removeFirst(orderStart)
            orderStart = 0
        }
    }
}
