import SLACore

/// The cases due at one instant, brought up to it in the second before it comes. When thousands
/// of clocks fall due at the same millisecond (a batch opened with one deadline, a calendar's
/// opening hour), the engine's work and the heap's for each are done ahead, in slices ready to
/// commit, so that at the instant only the commits remain and the entries reach the queue sooner.
///
/// A prepared case is off the heap. It goes back to the usual path when a write touches it before
/// its slice is committed (`drop`: the write's commit schedules it again), or when the whole
/// preparation is given up (`remaining`: a reload, a failed commit). Nothing here is written
/// before the instant: a slice is an ordinary group commit, stamped when it is committed.
struct PreparedInstant {
    private struct Slice {
        var group: GroupCommit
        /// Each case as committed when it was prepared, in order.
        var bases: [Case] = []
        /// Cases written to since (`drop`): left out of the slice.
        var dropped: Set<String> = []
    }

    /// The instant every prepared case falls due.
    let at: Instant
    private let sliceSize: Int
    private var slices: [Slice] = []
    /// The slice each prepared case not yet taken is in.
    private var sliceOf: [String: Int] = [:]
    private var nextSlice = 0
    /// The earliest instant any prepared case falls due next, once brought up to `at`.
    private(set) var earliestNext: Instant?

    init(at: Instant, sliceSize: Int) {
        self.at = at
        self.sliceSize = sliceSize
    }

    /// Cases prepared and not yet taken.
    var count: Int { sliceOf.count }

    var isEmpty: Bool { nextSlice == slices.count }

    /// The first case of the next slice, for the status line.
    var first: Case? {
        guard !isEmpty else { return nil }
        return slices[nextSlice].bases.first { !slices[nextSlice].dropped.contains($0.id) }
    }

    /// Brings `base` (as committed) up to the instant, in the last slice or a new one.
    mutating func add(_ base: Case, _ engine: Engine, sequence: Int64) {
        if slices.count == nextSlice || slices[slices.count - 1].bases.count == sliceSize
            || slices[slices.count - 1].group.isSealed
        {
            slices.append(Slice(group: GroupCommit(now: at, sequence: sequence)))
        }
        let last = slices.count - 1
        slices[last].group.advance(base, engine)
        slices[last].bases.append(base)
        sliceOf[base.id] = last
        if let next = slices[last].group.changed[base.id].flatMap(engine.nextDue(of:)) {
            earliestNext = min(earliestNext ?? next, next)
        }
    }

    /// Builds the batch of every slice not yet taken (`GroupCommit.seal`), so that at the
    /// instant only its stamp is left to set.
    mutating func seal(_ policy: Policy) {
        for index in nextSlice..<slices.count where !slices[index].group.isSealed {
            slices[index].group.seal(policy)
        }
    }

    func contains(_ caseID: String) -> Bool {
        sliceOf[caseID] != nil
    }

    /// Leaves these cases out: something else will write them first.
    mutating func drop(_ caseIDs: some Sequence<String>) {
        for id in caseIDs {
            guard let index = sliceOf.removeValue(forKey: id) else { continue }
            slices[index].dropped.insert(id)
        }
    }

    /// The next slice to commit. One with cases dropped is brought up to the instant again
    /// without them (rare: a write on a case in the second before it falls due).
    mutating func take(_ engine: Engine, sequence: Int64) -> GroupCommit? {
        guard !isEmpty else { return nil }
        let index = nextSlice
        let slice = slices[index]
        slices[index] = Slice(group: GroupCommit(now: at, sequence: sequence))  // let go of its memory
        nextSlice += 1
        // A case dropped from this slice may be in a later one again (written, then prepared anew).
        for base in slice.bases where sliceOf[base.id] == index { sliceOf[base.id] = nil }
        guard !slice.dropped.isEmpty else { return slice.group }
        var group = GroupCommit(now: at, sequence: sequence)
        for base in slice.bases where !slice.dropped.contains(base.id) { group.advance(base, engine) }
        return group.isEmpty ? take(engine, sequence: sequence) : group
    }

    /// Every case prepared and not yet taken, as committed: what goes back on the heap when the
    /// preparation is given up.
    var remaining: [Case] {
        guard !isEmpty else { return [] }
        return slices[nextSlice...].flatMap { slice in slice.bases.filter { !slice.dropped.contains($0.id) } }
    }
}
