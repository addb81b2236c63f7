import Foundation
import SLAAuth
import SLACore
import Testing

@testable import SLAConsole
@testable import SLAStore

/// Each page rendered from fixed data: what it shows, and that nothing a client wrote becomes markup.
@Suite struct RenderingTests {
    static let policy = ConsoleFixture.policy
    static let now = ISO8601.parse("2026-11-24T10:00:00+08:00")!
    static let hostile = ConsoleFixture.hostile

    static func frame(_ language: Language = .en, principal: Principal = ConsoleFixture.amy) -> PageFrame {
        PageFrame(
            language: language, session: ConsoleSession(principal: principal, cookie: "c", csrf: "CSRF-TOKEN-1"),
            back: "/console/")
    }

    /// A case of the hostile store, its clock running since `opened`.
    static func openCase(_ id: String, store: String, kind: String = "slow", opened: Instant) throws -> Case {
        try Engine(policy: policy).open(CaseOpening(id: id, kind: kind, store: store, openedAt: opened), now: opened).0
    }

    static func entry(_ id: Int64, caseID: String, store: String, kind: Escalation.Kind = .breach) -> QueueEntry {
        QueueEntry(
            id: id,
            escalation: Escalation(
                caseID: caseID, clock: "quick", cycle: 0, tier: "manager", kind: kind, dueAt: now, deadline: now),
            store: store, caseKind: "fast", writtenAt: now.adding(millis: 3), lateMillis: 3, state: .pending,
            deliveredAt: nil, ackedBy: nil, ackedAt: nil)
    }

    @Test func theBoardOrdersByTimeLeftAndMarksRiskWithALabel() throws {
        let late = try Self.openCase("C-1", store: "S01", kind: "fast", opened: Self.now.adding(seconds: -10))
        let fresh = try Self.openCase("C-2", store: "S01", opened: Self.now.adding(seconds: -60))
        let risky = try Self.openCase("C-3", store: "S01", opened: Self.now.adding(seconds: -3000))
        let other = try Self.openCase("C-4", store: "S02", opened: Self.now)
        let rows = Board.rows(
            [fresh, late, risky, other], policy: Self.policy, now: Self.now,
            sees: { ConsoleFixture.amy.sees(store: $0) })
        #expect(rows.map(\.caseID) == ["C-1", "C-3", "C-2"])  // S02 is not amy's
        #expect(rows.map(\.risk) == [.breached, .atRisk, .onTime])
        let html = Pages.board(rows, policy: Self.policy, now: Self.now, mark: 7, frame: Self.frame())
        #expect(html.contains("BREACHED") && html.contains("AT RISK") && html.contains("on time"))
        #expect(html.contains("class=\"badge late\""))
        #expect(html.contains("data-mark=\"7\""))
        #expect(html.contains("8s late"))
        #expect(html.contains("First reaction"))  // the policy's title, its English part
        #expect(!html.contains("首次响应"))
        let chinese = Pages.board(rows, policy: Self.policy, now: Self.now, mark: 7, frame: Self.frame(.zh))
        #expect(chinese.contains("首次响应") && chinese.contains("已超时") && chinese.contains("<html lang=\"zh-CN\">"))
        #expect(chinese.contains("8秒 超时"))
    }

    @Test func aHostileStoreIdIsEscapedOnTheBoardAndInTheQueue() throws {
        let record = try Self.openCase("C-9", store: Self.hostile, opened: Self.now)
        let rows = Board.rows([record], policy: Self.policy, now: Self.now, sees: { _ in true })
        let board = Pages.board(rows, policy: Self.policy, now: Self.now, mark: 0, frame: Self.frame())
        let queue = Pages.queue(
            [Self.entry(1, caseID: "C-9", store: Self.hostile)], filter: QueueFilter(), stores: [Self.hostile],
            policy: Self.policy, canAcknowledge: true, frame: Self.frame())
        for html in [board, queue] {
            #expect(!html.contains("<script>alert"))
            #expect(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"))
            // The only scripts are the console's own file.
            #expect(html.components(separatedBy: "<script").count == 2)
        }
    }

    @Test func aHostileNoteIsEscapedOnTheCasePage() throws {
        let opened = Self.now.adding(seconds: -120)
        let record = try Self.openCase("C-5", store: "S01", opened: opened)
        let events = [
            EventRecord(
                caseID: "C-5", kind: "opened", at: opened, recordedAt: opened, actor: "amy", note: nil,
                idempotencyKey: nil),
            EventRecord(
                caseID: "C-5", kind: "reacted", at: Self.now, recordedAt: Self.now, actor: "<b>li</b>",
                note: "called back \(Self.hostile) <img src=x onerror=alert(2)>", idempotencyKey: nil),
        ]
        var acked = Self.entry(4, caseID: "C-5", store: "S01", kind: .warning)
        acked.state = .acknowledged
        acked.ackedBy = "amy"
        acked.ackedAt = Self.now.adding(seconds: 30)
        acked.ackNote = "on it \(Self.hostile)"
        let html = Pages.casePage(
            record, events: events, entries: [acked], policy: Self.policy, now: Self.now, canRecord: true,
            frame: Self.frame())
        #expect(!html.contains("<script>alert") && !html.contains("<img") && !html.contains("<b>li"))
        #expect(html.contains("&lt;img src=x onerror=alert(2)&gt;"))
        #expect(html.contains("&lt;b&gt;li&lt;/b&gt;"))
        // The timeline in time order: opened, the event, the warning entry (3 ms later), its acknowledgement.
        let order = ["opened", "reacted", "#4 Warning to", "#4 Acknowledged"].map { html.range(of: $0)?.lowerBound }
        #expect(order.allSatisfy { $0 != nil })
        #expect(order.compactMap { $0 } == order.compactMap { $0 }.sorted())
        // The form carries the session's token and offers the kind's events.
        #expect(html.contains("name=\"csrf\" value=\"CSRF-TOKEN-1\""))
        #expect(html.contains("<option value=\"reacted\">") && html.contains("<option value=\"closed\">"))
    }

    @Test func staffSeeNoAcknowledgeButton() {
        let entries = [Self.entry(1, caseID: "C-1", store: "S01")]
        let forStaff = Pages.queue(
            entries, filter: QueueFilter(), stores: ["S01"], policy: Self.policy, canAcknowledge: false,
            frame: Self.frame(principal: ConsoleFixture.sam))
        let forManager = Pages.queue(
            entries, filter: QueueFilter(), stores: ["S01"], policy: Self.policy, canAcknowledge: true,
            frame: Self.frame())
        #expect(!forStaff.contains("ack-button") && forStaff.contains("Staff cannot acknowledge"))
        #expect(forManager.contains("action=\"/console/queue/1/ack\"") && forManager.contains("ack-button"))
        #expect(forManager.contains("value=\"CSRF-TOKEN-1\""))
    }

    @Test func theSignInPageCarriesItsTokenAndNoSessionControls() {
        let html = Pages.signIn(
            frame: PageFrame(language: .en, session: nil), token: "T0KEN", enteredName: Self.hostile)
        #expect(html.contains("name=\"csrf\" value=\"T0KEN\""))
        #expect(!html.contains("signout"))
        #expect(html.contains("value=\"&lt;script&gt;"))
        #expect(html.contains("<meta name=\"viewport\""))
    }

    @Test func theReportIsEmbeddedWithoutItsInlineStyle() throws {
        let calendar = try #require(Self.policy.storeCalendar)
        let period = try ReportPeriodLookup.period("2026-11", calendar)
        let record = try Self.openCase("C-7", store: Self.hostile, opened: Self.now)
        let document = ReportFixture.render(policy: Self.policy, period: period, cases: [record], now: Self.now)
        let body = ReportEmbed.body(of: document)
        #expect(!body.isEmpty && !body.contains("<style") && !body.contains("<head>"))
        #expect(!body.contains("<script>alert"))
        let style = ReportEmbed.style(policy: Self.policy, now: Self.now)
        #expect(style.contains(".cards"))
        let page = Pages.reports(
            reportHTML: body, month: "2026-11", stores: ["S01", "S02"], selected: "S02", allStores: false,
            frame: Self.frame())
        #expect(page.contains("/console/static/report.css") && page.contains("<option value=\"S02\" selected>"))
        #expect(!page.contains("<style"))
    }

    @Test func everyTemplateRenders() {
        for name in Templates.all.keys {
            #expect(Pages.library.getTemplate(named: name) != nil, "template \(name)")
        }
    }
}
