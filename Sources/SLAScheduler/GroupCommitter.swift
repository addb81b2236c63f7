import SLACore
import SLAStore

/// Pending writes → one transaction → answers. Takes every write waiting and whatever fell due as
/// one `GroupCommit`, writes it in a single transaction (one fsync for them all), and only then
/// answers the writers. A commit that fails keeps nothing: its writers are refused, and the case
/// numbers it took are given again.
///
/// Owned by the scheduler's queue, like everything it is handed.
final class GroupCommitter {
    let store: Store
    /// False only for benchmarks (`slad --bench-no-persist`): a commit writes nothing.
    let persist: Bool
    private let clock: WallClock
    /// The last case number committed.
    private(set) var sequence: Int64 = 0
    /// Rows of a burst's cases whose entries are committed and rows not yet.
    private(set) var deferred = DeferredCaseRows()
    /// Batches committed with `settleLater` whose rows are not yet counted in `deferred`.
    private var unsettled: [WriteBatch] = []

    init(store: Store, clock: WallClock, persist: Bool) {
        self.store = store
        self.clock = clock
        self.persist = persist
    }

    /// Writes every row left for later, a commit of `sliceSize` at a time (before anything reads
    /// the cases from the store wholesale: a reload).
    func writeDeferredRows(_ policy: Policy, sliceSize: Int) throws {
        while !deferred.isEmpty {
            var group = group(at: clock.now())
            _ = try commit(&group, policy, releasing: sliceSize)
        }
    }

    /// True when some committed batch's waiting rows are not yet counted (`settle`).
    var hasUnsettled: Bool { !unsettled.isEmpty }

    /// Counts the rows left by the batches committed with `settleLater`.
    func settle() {
        for batch in unsettled { deferred.held(batch) }
        unsettled.removeAll()
    }

    /// Reads where case numbering goes on.
    func recover() throws {
        sequence = try store.lastCaseSequence()
    }

    /// A new group at `now`, numbering cases after the last one committed.
    func group(at now: Instant) -> GroupCommit {
        GroupCommit(now: now, sequence: sequence)
    }

    /// Commits `group` in one transaction, stamped now (the engine's work is done), and returns
    /// the queue entries it wrote. Throws the store's failure, with nothing kept. With
    /// `deferring`, the rows of the cases the group only advanced are left for later (their
    /// entries are written now); rows left earlier are written with any later change of their
    /// case, and up to `releasing` more of them in this commit. With `settleLater`, the rows it
    /// leaves are counted in `deferred` only by `settle` (a slice of many due at one instant: its
    /// next slice goes first).
    func commit(
        _ group: inout GroupCommit, _ policy: Policy, deferring: Bool = false, releasing: Int = 0,
        settleLater: Bool = false
    ) throws -> [QueueEntry] {
        if !settleLater { settle() }
        var batch = group.sealed(policy, writtenAt: clock.now())
        // Every case the group only advanced was committed before (it has a row to leave as it is).
        if deferring && persist { batch.rowsLater = group.onlyAdvanced }
        let released = deferred.release(into: &batch, limit: releasing)
        do {
            let written = persist ? try CommitMetrics.commit(batch, writes: group.outcomes.count, to: store) : []
            sequence = max(sequence, group.sequence)  // a slice prepared ahead has an older one
            // Only now, in place (a copy of the rows waiting would cost more than the commit).
            deferred.written(released)
            if settleLater { unsettled.append(batch) } else { deferred.held(batch) }
            return written
        } catch {
            throw StoreFailure(error)
        }
    }

    /// Answers each write with what it came to; with `refusal` (the commit failed), every write
    /// not refused already gets that. The writers' completions run on this queue.
    func answer(_ writes: [PendingWrite], _ group: GroupCommit, source: CommittedCases, refusal: Error? = nil) {
        for (write, outcome) in zip(writes, group.outcomes) {
            var failure: Error?
            if case .failed(let error) = outcome { failure = error } else { failure = refusal }
            switch write {
            case .ack(let ack, let done):
                if let failure {
                    done(.failure(failure))
                } else {
                    let read = Result { try store.entry(id: ack.entryID) }
                    done(read.mapError { ($0 as? StoreFailure).map(ServiceError.store) ?? $0 })
                }
            case .open(_, let done), .event(_, _, let done):
                if let failure {
                    done(.failure(failure))
                } else if case .done(let caseID, let replayed) = outcome {
                    if let record = (try? group.current(caseID, from: source)) ?? nil {
                        done(.success(WriteResult(record: record, replayed: replayed)))
                    } else {
                        done(.failure(ServiceError.rule(.unknownCase(caseID))))
                    }
                }
            }
        }
    }
}
