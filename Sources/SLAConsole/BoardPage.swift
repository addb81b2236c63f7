import SLACore

extension Pages {
    /// The board: `mark` is the newest queue entry the page has seen (its script waits for a
    /// newer one), `now` the server's time (its countdown corrects the phone's clock by it).
    public static func board(_ rows: [BoardRow], policy: Policy, now: Instant, mark: Int64, frame: PageFrame) -> String
    {
        var fields = boardFields(rows, policy: policy, frame: frame)
        let units = frame.language.durationUnits
        fields["mark"] = String(mark)
        fields["nowMillis"] = String(now.millis)
        fields["units"] = [units.day, units.hour, units.minute, units.second].joined(separator: " ")
        fields["separator"] = units.separator
        return render("board", frame: frame, title: frame.phrase(.boardTitle), section: .board, fields)
    }

    /// The rows alone, for the board's script to put in place.
    public static func boardRows(_ rows: [BoardRow], policy: Policy, frame: PageFrame) -> String {
        var fields = boardFields(rows, policy: policy, frame: frame)
        fields["t"] = phrases(frame.language)
        return library.render(fields, withTemplate: "boardRows") ?? ""
    }

    static func boardFields(_ rows: [BoardRow], policy: Policy, frame: PageFrame) -> [String: Any] {
        let titles = PolicyTitles(policy: policy, language: frame.language)
        let time = ConsoleTime(policy: policy, language: frame.language)
        let left = frame.phrase(.leftSuffix)
        let late = frame.phrase(.lateSuffix)
        let items: [[String: Any]] = rows.map { row in
            [
                "risk": row.risk.rawValue, "riskLabel": frame.phrase(row.risk.phrase),
                "deadlineMillis": String(row.deadline.millis), "caseID": row.caseID,
                "caseHref": FormBody.encode(row.caseID), "clockName": row.clock, "store": row.store,
                "clock": titles.clock(row.clock), "kind": titles.kind(row.kind), "deadline": time.format(row.deadline),
                "left": row.millisLeft >= 0
                    ? "\(time.duration(row.millisLeft)) \(left)" : "\(time.duration(-row.millisLeft)) \(late)",
                "told": row.toldTier.map(titles.tier) ?? "",
            ]
        }
        return ["rows": items, "hasRows": !items.isEmpty]
    }
}
