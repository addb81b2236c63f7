import SLACore

/// The messages people get when a route names no templates of its own, in Chinese and English.
/// Every value comes from the entry and the policy's titles (see `MessageRenderer.context`).
///
/// A template is `NAME.FORMAT`: NAME one of warning, breach, escalation (one entry), digest
/// (several), line (one entry inside a digest); FORMAT text or markdown (html only from a
/// route's own folder, for the HTML part of a mail).
enum DefaultTemplates {
    static func source(_ name: String, language: MessageLanguage) -> String? {
        switch language {
        case .chinese: return chinese[name]
        case .english: return english[name]
        }
    }

    // The detail lines shared by the one-entry templates: each only when known.
    private static let chineseDetails =
        "{{#category}}\n类别：{{category}}{{/category}}{{#channel}}\n渠道：{{channel}}{{/channel}}"
        + "{{#customer}}\n顾客：{{customer}}{{/customer}}{{#link}}\n详情：{{link}}{{/link}}"
    private static let englishDetails =
        "{{#category}}\nCategory: {{category}}{{/category}}{{#channel}}\nChannel: {{channel}}{{/channel}}"
        + "{{#customer}}\nCustomer: {{customer}}{{/customer}}{{#link}}\nDetails: {{link}}{{/link}}"
    private static let chineseNext = "{{#next_tier}}（下一级：{{next_tier}} {{next_at}}）{{/next_tier}}"
    private static let englishNext = "{{#next_tier}} (next: {{next_tier}} at {{next_at}}){{/next_tier}}"

    static let chinese: [String: String] = [
        "warning.text":
            "【SLA 预警】{{store}} 门店 · {{case_kind}} {{case_id}} · {{clock}}将于 {{deadline}} 到期（剩 {{remaining}}）"
            + " · 已通知：{{tier}}" + chineseNext + chineseDetails,
        "breach.text": "【SLA 超时】{{store}} 门店 · {{case_kind}} {{case_id}} · {{clock}}已超时 {{overdue}}"
            + " · 已通知：{{tier}}" + chineseNext + chineseDetails,
        "escalation.text": "【SLA 升级】{{store}} 门店 · {{case_kind}} {{case_id}} · {{clock}}已超时 {{overdue}}"
            + " · 已升级至：{{tier}}" + chineseNext + chineseDetails,
        "warning.markdown": "**【SLA 预警】{{store}} 门店 · {{case_id}}**\n\n{{case_kind}} · {{clock}}\n\n"
            + "将于 **{{deadline}}** 到期（剩 {{remaining}}） · 已通知：{{tier}}" + chineseNext + markdownDetails(chineseDetails),
        "breach.markdown": "**【SLA 超时】{{store}} 门店 · {{case_id}}**\n\n{{case_kind}} · {{clock}}\n\n"
            + "已超时 **{{overdue}}** · 已通知：{{tier}}" + chineseNext + markdownDetails(chineseDetails),
        "escalation.markdown": "**【SLA 升级】{{store}} 门店 · {{case_id}}**\n\n{{case_kind}} · {{clock}}\n\n"
            + "已超时 **{{overdue}}** · 已升级至：{{tier}}" + chineseNext + markdownDetails(chineseDetails),
        "line.text": "{{case_id}} {{case_kind}} · {{clock}} · {{#overdue}}超时 {{overdue}}{{/overdue}}"
            + "{{#remaining}}剩 {{remaining}}{{/remaining}} → {{tier}}",
        "digest.text": """
        【SLA 汇总】{{count}} 条提醒{{#part}}（{{part}}）{{/part}}
        {{#stores}}
        {{store}} 门店：{{#breached}}{{breached}} 个时钟超时{{/breached}}{{#both}}，{{/both}}{{#warned}}{{warned}} 个预警{{/warned}}
        {{#lines}}
        · {{line}}
        {{/lines}}
        {{/stores}}
        {{#more}}
        …及其他 {{more}} 条，稍后发送
        {{/more}}
        """,
        "digest.markdown": """
        **【SLA 汇总】{{count}} 条提醒{{#part}}（{{part}}）{{/part}}**
        {{#stores}}

        **{{store}} 门店**：{{#breached}}{{breached}} 个时钟超时{{/breached}}{{#both}}，{{/both}}{{#warned}}{{warned}} 个预警{{/warned}}
        {{#lines}}
        - {{line}}
        {{/lines}}
        {{/stores}}
        {{#more}}

        …及其他 {{more}} 条，稍后发送
        {{/more}}
        """,
    ]

    static let english: [String: String] = [
        "warning.text": "[SLA warning] Store {{store}} · {{case_kind}} {{case_id}} · {{clock}} is due at {{deadline}}"
            + " ({{remaining}} left) · told: {{tier}}" + englishNext + englishDetails,
        "breach.text": "[SLA breach] Store {{store}} · {{case_kind}} {{case_id}} · {{clock}} is {{overdue}} overdue"
            + " · told: {{tier}}" + englishNext + englishDetails,
        "escalation.text":
            "[SLA escalation] Store {{store}} · {{case_kind}} {{case_id}} · {{clock}} is {{overdue}} overdue"
            + " · escalated to: {{tier}}" + englishNext + englishDetails,
        "warning.markdown": "**[SLA warning] Store {{store}} · {{case_id}}**\n\n{{case_kind}} · {{clock}}\n\n"
            + "Due at **{{deadline}}** ({{remaining}} left) · told: {{tier}}" + englishNext
            + markdownDetails(englishDetails),
        "breach.markdown": "**[SLA breach] Store {{store}} · {{case_id}}**\n\n{{case_kind}} · {{clock}}\n\n"
            + "**{{overdue}}** overdue · told: {{tier}}" + englishNext + markdownDetails(englishDetails),
        "escalation.markdown": "**[SLA escalation] Store {{store}} · {{case_id}}**\n\n{{case_kind}} · {{clock}}\n\n"
            + "**{{overdue}}** overdue · escalated to: {{tier}}" + englishNext + markdownDetails(englishDetails),
        "line.text": "{{case_id}} {{case_kind}} · {{clock}} · {{#overdue}}{{overdue}} overdue{{/overdue}}"
            + "{{#remaining}}{{remaining}} left{{/remaining}} → {{tier}}",
        "digest.text": """
        [SLA digest] {{count}} alerts{{#part}} (part {{part}}){{/part}}
        {{#stores}}
        Store {{store}}: {{#breached}}{{breached}} clock{{breached_s}} breached{{/breached}}{{#both}}, {{/both}}{{#warned}}{{warned}} warning{{warned_s}}{{/warned}}
        {{#lines}}
        · {{line}}
        {{/lines}}
        {{/stores}}
        {{#more}}
        … and {{more}} more, to follow
        {{/more}}
        """,
        "digest.markdown": """
        **[SLA digest] {{count}} alerts{{#part}} (part {{part}}){{/part}}**
        {{#stores}}

        **Store {{store}}**: {{#breached}}{{breached}} clock{{breached_s}} breached{{/breached}}{{#both}}, {{/both}}{{#warned}}{{warned}} warning{{warned_s}}{{/warned}}
        {{#lines}}
        - {{line}}
        {{/lines}}
        {{/stores}}
        {{#more}}

        … and {{more}} more, to follow
        {{/more}}
        """,
    ]

    /// Markdown needs a blank line between paragraphs.
    private static func markdownDetails(_ text: String) -> String {
        ["category", "channel", "customer", "link"].reduce(text) {
            $0.replacingOccurrences(of: "{{#\($1)}}\n", with: "{{#\($1)}}\n\n")
        }
    }
}
