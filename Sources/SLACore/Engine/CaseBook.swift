/// All cases in memory with the engine that moves them: the daemon's working set, and the
/// simplest way to drive the rules through days of virtual time in a test.
public struct CaseBook: Sendable {
    public let engine: Engine
    public private(set) var cases: [String: Case] = [:]

    public init(engine: Engine, cases: [Case] = []) {
        self.engine = engine
        for record in cases { self.cases[record.id] = record }
    }

    public subscript(id: String) -> Case? { cases[id] }

    @discardableResult
    public mutating func open(_ opening: CaseOpening, now: Instant) throws(EngineError) -> [Effect] {
        guard cases[opening.id] == nil else { throw .duplicateCase(opening.id) }
        let (record, effects) = try engine.open(opening, now: now)
        cases[record.id] = record
        return effects
    }

    @discardableResult
    public mutating func record(_ event: String, on id: String, at: Instant, now: Instant) throws(EngineError)
        -> [Effect]
    {
        guard var record = cases[id] else { throw .unknownCase(id) }
        let effects = try engine.record(event, at: at, on: &record, now: now)
        cases[id] = record
        return effects
    }

    /// Brings every case up to `now`.
    public mutating func advance(to now: Instant) -> [Effect] {
        var effects: [Effect] = []
        for id in cases.keys.sorted() where engine.nextDue(of: cases[id]!).map({ $0 <= now }) ?? false {
            effects += engine.advance(&cases[id]!, to: now)
        }
        return effects
    }

    /// The earliest instant at which any case has something to say.
    public var nextDue: Instant? {
        cases.values.lazy.compactMap(engine.nextDue(of:)).min()
    }
}
