import Foundation
import SLACore
import SLADelivery
import Testing

/// The default messages, rendered from fixed entries and compared with the files in `Golden/`.
/// `SLAD_UPDATE_GOLDEN=1 swift test --filter TemplateGolden` rewrites them (then read the diff).
@Suite struct TemplateGoldenTests {
    static let policyText = """
        [[tier]]
        id = "desk"
        title = "服务台"

        [[tier]]
        id = "manager"
        title = "店长"

        [[tier]]
        id = "head"
        title = "部门负责人"

        [[tier]]
        id = "hq"
        title = "客服课"

        [defaults]
        warn-at = 0.75
        warn-tier = "desk"
        escalate-to = "manager"

        [calendar.store]
        zone = "Asia/Shanghai"

        [calendar.store.hours]
        mon = ["00:00-24:00"]
        tue = ["00:00-24:00"]
        wed = ["00:00-24:00"]
        thu = ["00:00-24:00"]
        fri = ["00:00-24:00"]
        sat = ["00:00-24:00"]
        sun = ["00:00-24:00"]

        [case]
        categories = ["product-quality", "service-attitude"]
        channels = ["phone", "in-store"]

        [kind.hard-complaint]
        title = "硬性投诉"
        events = ["responded"]

        [clock.first-response]
        title = "首次响应"
        kinds = ["hard-complaint"]
        starts-on = ["opened"]
        met-by = ["responded"]
        target = "1h"
        calendar = "store"
        escalate-every = "30m"

        [delivery]
        console-url = "https://console.store.example/"
        """

    static let policy = try! PolicyLoader.load(text: policyText, file: "golden.toml")

    /// 2026-12-01 10:00 in Shanghai: the deadline of every fixed entry.
    static let deadline = Instant(seconds: 1_796_090_400)

    static func entry(
        _ id: Int64, case caseID: String, store: String = "S01", tier: String, kind: Escalation.Kind,
        writtenAfterDeadline minutes: Int64, category: String? = "product-quality", channel: String? = "phone"
    ) -> EntryFacts {
        let due =
            kind == .warning ? deadline.adding(seconds: -15 * 60) : deadline.adding(seconds: tier == "head" ? 1800 : 0)
        return EntryFacts(
            entryID: id,
            escalation: Escalation(
                caseID: caseID, clock: "first-response", cycle: 0, tier: tier, kind: kind, dueAt: due,
                deadline: deadline),
            store: store, caseKind: "hard-complaint", writtenAt: deadline.adding(seconds: minutes * 60),
            category: category, channel: channel)
    }

    static let warning = entry(1, case: "C-1041", tier: "desk", kind: .warning, writtenAfterDeadline: -15)
    static let breach = entry(2, case: "C-1042", tier: "manager", kind: .breach, writtenAfterDeadline: 12)
    static let escalation = entry(
        3, case: "C-1043", tier: "head", kind: .breach, writtenAfterDeadline: 95, category: nil, channel: nil)
    static let digest = [
        breach, escalation,
        entry(4, case: "C-2001", store: "S02", tier: "manager", kind: .breach, writtenAfterDeadline: 1),
        warning,
    ]

    @Test(arguments: MessageLanguage.allCases, [MessageRenderer.Format.text, .markdown])
    func defaultTemplatesMatchTheirGoldenFiles(language: MessageLanguage, format: MessageRenderer.Format) throws {
        let renderer = try MessageRenderer(policy: Self.policy, language: language)
        let url = Self.policy.delivery.consoleURL
        let rendered = [
            "warning": renderer.render(Self.warning, format: format, consoleURL: url),
            "breach": renderer.render(Self.breach, format: format, consoleURL: url),
            "escalation": renderer.render(Self.escalation, format: format, consoleURL: url),
            "digest": renderer.renderDigest(Self.digest, format: format, consoleURL: url),
            "digest-split": renderer.renderDigest(
                Array(Self.digest.prefix(2)), format: format, part: "1/2", more: 2, consoleURL: url),
        ]
        for (name, text) in rendered {
            let file = Self.goldenFolder + "/\(name).\(language.rawValue).\(format.rawValue).txt"
            if ProcessInfo.processInfo.environment["SLAD_UPDATE_GOLDEN"] == "1" {
                try (text + "\n").write(toFile: file, atomically: true, encoding: .utf8)
            }
            let golden = try String(contentsOfFile: file, encoding: .utf8)
            #expect(text + "\n" == golden, "\(file) differs:\n\(text)")
        }
    }

    @Test func theIssuesExampleLineIsWhatAManagerGets() throws {
        let text = try MessageRenderer(policy: Self.policy, language: .chinese)
            .render(Self.breach, format: .text, consoleURL: nil)
        #expect(
            text == "【SLA 超时】S01 门店 · 硬性投诉 C-1042 · 首次响应已超时 12 分钟 · 已通知：店长（下一级：部门负责人 10:30）"
                + "\n类别：product-quality\n渠道：phone")
    }

    @Test func aRoutesOwnTemplateReplacesTheDefaultAndABrokenOneIsNamed() throws {
        let folder = NSTemporaryDirectory() + "slad-templates-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try "{{store}}/{{case_id}} late {{overdue}} & told {{tier}}".write(
            toFile: folder + "/breach.text.mustache", atomically: true, encoding: .utf8)
        let renderer = try MessageRenderer(policy: Self.policy, language: .english, folder: folder)
        #expect(renderer.render(Self.breach, format: .text, consoleURL: nil) == "S01/C-1042 late 12 min & told 店长")
        // Not replaced: the default of the route's language.
        #expect(renderer.render(Self.warning, format: .text, consoleURL: nil).hasPrefix("[SLA warning] Store S01"))
        try "{{#unclosed}}".write(toFile: folder + "/digest.text.mustache", atomically: true, encoding: .utf8)
        #expect {
            try MessageRenderer(policy: Self.policy, language: .english, folder: folder)
        } throws: { error in
            (error as? TemplateError)?.file.hasSuffix("digest.text.mustache") == true
        }
    }

    static let goldenFolder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent(
        "Golden"
    )
    .path
}
