/// Every fixed text of the console, in both languages. A phrase missing from a table shows its
/// English (and a unit test fails).
public enum Phrase: String, Sendable, CaseIterable {
    case appTitle, navBoard, navQueue, navReports, signOut, signedInAs, skipToContent
    case signInTitle, signInName, signInPassword, signInSubmit, signInRefused, signInThrottled, signedOut
    case boardTitle, boardIntro, boardEmpty, boardLive, boardOffline
    case columnCase, columnStore, columnKind, columnClock, columnDeadline, columnLeft, columnState, columnTold
    case columnEntry, columnTier, columnDue, columnWritten, columnAcknowledged, columnAction, columnStatus
    case columnTarget, columnTime, columnWhat, columnWho, columnNote
    case riskOnTime, riskAtRisk, riskBreached, leftSuffix, lateSuffix
    case queueTitle, queueIntro, queueEmpty, filterStore, filterTier, filterState, filterAll, filterApply
    case acknowledge, acknowledgeNote, acknowledged, acknowledgedBy, noAckRight
    case entryWarning, entryBreach
    case statePending, stateDelivered, stateFailed, stateAcknowledged, stateSkipped
    case clockPending, clockRunning, clockPaused, clockMet, clockBreached, clockCancelled
    case caseTitle, caseClocks, caseTimeline, caseOpened, caseStatusOpen, caseStatusResolved, caseStatusClosed
    case timelineEvent, timelineWarning, timelineBreach, timelineAck
    case recordTitle, recordKind, recordNote, recordSubmit, recorded, recordClosed
    case reportsTitle, reportsIntro, reportsMonth, reportsShow, reportsAllStores, reportsNoRight
    case errorForbidden, errorCSRF, errorNotFound, errorBadRequest, errorUnavailable, errorTooLarge
    case backToBoard
    case roleStaff, roleManager, roleHQ, roleAdmin
}

extension Phrase {
    public func text(_ language: Language) -> String {
        switch language {
        case .en: return Self.english[self] ?? rawValue
        case .zh: return Self.chinese[self] ?? Self.english[self] ?? rawValue
        }
    }

    static let english: [Phrase: String] = [
        .appTitle: "slad console", .navBoard: "Board", .navQueue: "Queue", .navReports: "Reports",
        .signOut: "Sign out", .signedInAs: "Signed in as", .skipToContent: "Skip to content",
        .signInTitle: "Sign in", .signInName: "Name", .signInPassword: "Password", .signInSubmit: "Sign in",
        .signInRefused: "Wrong name or password.",
        .signInThrottled: "Too many failed sign-ins. Try again in a few minutes.",
        .signedOut: "You are signed out.",
        .boardTitle: "Board", .boardIntro: "Your stores' running clocks, the least time left first.",
        .boardEmpty: "No clock is running in your stores.", .boardLive: "Live: updates by itself.",
        .boardOffline: "Not updating: connection lost, retrying.",
        .columnCase: "Case", .columnStore: "Store", .columnKind: "Kind", .columnClock: "Clock",
        .columnDeadline: "Deadline", .columnLeft: "Time left", .columnState: "State", .columnTold: "Told",
        .columnEntry: "Entry", .columnTier: "Tier", .columnDue: "Due", .columnWritten: "Written",
        .columnAcknowledged: "Acknowledged", .columnAction: "Action", .columnStatus: "Status",
        .columnTarget: "Target", .columnTime: "Time", .columnWhat: "What", .columnWho: "Who", .columnNote: "Note",
        .riskOnTime: "on time", .riskAtRisk: "AT RISK", .riskBreached: "BREACHED", .leftSuffix: "left",
        .lateSuffix: "late",
        .queueTitle: "Queue", .queueIntro: "Warnings and breaches written for your stores, the newest first.",
        .queueEmpty: "No entries.", .filterStore: "Store", .filterTier: "Tier", .filterState: "State",
        .filterAll: "All", .filterApply: "Show",
        .acknowledge: "Acknowledge", .acknowledgeNote: "Note (optional)", .acknowledged: "Acknowledged",
        .acknowledgedBy: "by", .noAckRight: "Staff cannot acknowledge.",
        .entryWarning: "warning", .entryBreach: "breach",
        .statePending: "pending", .stateDelivered: "delivered", .stateFailed: "failed",
        .stateAcknowledged: "acknowledged", .stateSkipped: "skipped",
        .clockPending: "pending", .clockRunning: "running", .clockPaused: "paused", .clockMet: "met",
        .clockBreached: "breached", .clockCancelled: "cancelled",
        .caseTitle: "Case", .caseClocks: "Clocks", .caseTimeline: "Timeline", .caseOpened: "Opened",
        .caseStatusOpen: "open", .caseStatusResolved: "resolved", .caseStatusClosed: "closed",
        .timelineEvent: "Event", .timelineWarning: "Warning to", .timelineBreach: "Breach told to",
        .timelineAck: "Acknowledged",
        .recordTitle: "Record an event", .recordKind: "Event", .recordNote: "Note", .recordSubmit: "Record",
        .recorded: "Recorded.", .recordClosed: "The case is closed: nothing more can be recorded.",
        .reportsTitle: "Reports", .reportsIntro: "The monthly compliance report of your stores.",
        .reportsMonth: "Month", .reportsShow: "Show", .reportsAllStores: "All stores",
        .reportsNoRight: "Reports are for managers and HQ.",
        .errorForbidden: "You may not do this.",
        .errorCSRF: "This form is out of date or did not come from this page. Reload the page and try again.",
        .errorNotFound: "Not found.", .errorBadRequest: "That request cannot be read.",
        .errorUnavailable: "slad cannot do this right now. Try again in a moment.",
        .errorTooLarge: "The form is too large.",
        .backToBoard: "Back to the board",
        .roleStaff: "staff", .roleManager: "manager", .roleHQ: "HQ", .roleAdmin: "admin",
    ]

    static let chinese: [Phrase: String] = [
        .appTitle: "slad 控制台", .navBoard: "看板", .navQueue: "升级队列", .navReports: "报表",
        .signOut: "退出", .signedInAs: "当前用户", .skipToContent: "跳到正文",
        .signInTitle: "登录", .signInName: "用户名", .signInPassword: "密码", .signInSubmit: "登录",
        .signInRefused: "用户名或密码错误。",
        .signInThrottled: "登录失败次数过多，请几分钟后再试。",
        .signedOut: "您已退出。",
        .boardTitle: "看板", .boardIntro: "您门店正在计时的时钟，剩余时间最少的在前。",
        .boardEmpty: "您的门店没有正在计时的时钟。", .boardLive: "实时：自动更新。",
        .boardOffline: "未更新：连接中断，正在重试。",
        .columnCase: "案件", .columnStore: "门店", .columnKind: "类型", .columnClock: "时钟",
        .columnDeadline: "期限", .columnLeft: "剩余时间", .columnState: "状态", .columnTold: "已通知",
        .columnEntry: "条目", .columnTier: "层级", .columnDue: "到期", .columnWritten: "写入",
        .columnAcknowledged: "已确认", .columnAction: "操作", .columnStatus: "状态",
        .columnTarget: "时限", .columnTime: "时间", .columnWhat: "内容", .columnWho: "人员", .columnNote: "备注",
        .riskOnTime: "正常", .riskAtRisk: "即将超时", .riskBreached: "已超时", .leftSuffix: "剩余",
        .lateSuffix: "超时",
        .queueTitle: "升级队列", .queueIntro: "为您门店写入的预警和超时，最新的在前。",
        .queueEmpty: "没有条目。", .filterStore: "门店", .filterTier: "层级", .filterState: "状态",
        .filterAll: "全部", .filterApply: "显示",
        .acknowledge: "确认", .acknowledgeNote: "备注（可选）", .acknowledged: "已确认",
        .acknowledgedBy: "确认人", .noAckRight: "员工不能确认。",
        .entryWarning: "预警", .entryBreach: "超时",
        .statePending: "待处理", .stateDelivered: "已送达", .stateFailed: "送达失败",
        .stateAcknowledged: "已确认", .stateSkipped: "已跳过",
        .clockPending: "未开始", .clockRunning: "计时中", .clockPaused: "已暂停", .clockMet: "已达成",
        .clockBreached: "已超时", .clockCancelled: "已取消",
        .caseTitle: "案件", .caseClocks: "时钟", .caseTimeline: "时间线", .caseOpened: "立案",
        .caseStatusOpen: "处理中", .caseStatusResolved: "已解决", .caseStatusClosed: "已结案",
        .timelineEvent: "事件", .timelineWarning: "预警通知", .timelineBreach: "超时通知",
        .timelineAck: "已确认",
        .recordTitle: "记录事件", .recordKind: "事件", .recordNote: "备注", .recordSubmit: "记录",
        .recorded: "已记录。", .recordClosed: "案件已结案，不能再记录。",
        .reportsTitle: "报表", .reportsIntro: "您门店的月度合规报表。",
        .reportsMonth: "月份", .reportsShow: "显示", .reportsAllStores: "全部门店",
        .reportsNoRight: "报表仅供店长和总部查看。",
        .errorForbidden: "您无权执行此操作。",
        .errorCSRF: "表单已过期或并非来自本页面。请刷新页面后重试。",
        .errorNotFound: "未找到。", .errorBadRequest: "无法读取该请求。",
        .errorUnavailable: "slad 暂时无法完成此操作，请稍后再试。",
        .errorTooLarge: "表单过大。",
        .backToBoard: "返回看板",
        .roleStaff: "员工", .roleManager: "店长", .roleHQ: "总部", .roleAdmin: "管理员",
    ]
}
