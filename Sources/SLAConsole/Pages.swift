import Mustache
import SLAAuth

/// Which page of the navigation is open.
public enum Section: Sendable {
    case board, queue, reports, none
}

/// What every page shows around its content: the language, who is signed in (and the token their
/// forms carry), where the language switch returns to, a notice or a problem to show on top.
public struct PageFrame: Sendable {
    public var language: Language
    public var session: ConsoleSession?
    /// The page's own path and query, for the language switch to come back to.
    public var back: String
    public var notice: String?
    public var problem: String?

    public init(
        language: Language, session: ConsoleSession?, back: String = "/console/", notice: String? = nil,
        problem: String? = nil
    ) {
        self.language = language
        self.session = session
        self.back = back
        self.notice = notice
        self.problem = problem
    }

    func phrase(_ phrase: Phrase) -> String {
        phrase.text(language)
    }
}

/// Renders the templates (compiled once) with a page's fields and its frame.
public enum Pages {
    static let library: MustacheLibrary = {
        var library = MustacheLibrary()
        for (name, source) in Templates.all {
            // The templates are constants of this module: one that does not parse is a bug that
            // the unit tests catch, not a condition to handle at run time.
            try! library.register(source, named: name)
        }
        return library
    }()

    /// The phrases of a language, by name, as the templates read them (`{{t.boardTitle}}`).
    static func phrases(_ language: Language) -> [String: String] {
        Dictionary(uniqueKeysWithValues: Phrase.allCases.map { ($0.rawValue, $0.text(language)) })
    }

    static func render(
        _ template: String, frame: PageFrame, title: String, section: Section, _ fields: [String: Any]
    ) -> String {
        var context = fields
        context["t"] = phrases(frame.language)
        context["htmlLang"] = frame.language.htmlTag
        context["title"] = title
        context["back"] = FormBody.encode(frame.back)
        if let notice = frame.notice { context["notice"] = notice }
        if let problem = frame.problem { context["problem"] = problem }
        if let session = frame.session {
            context["csrf"] = session.csrf
            context["user"] =
                [
                    "name": session.principal.name, "role": frame.phrase(Self.phrase(of: session.principal.role)),
                    "navBoard": section == .board, "navQueue": section == .queue, "navReports": section == .reports,
                ] as [String: Any]
        }
        return library.render(context, withTemplate: template) ?? ""
    }

    static func phrase(of role: Role) -> Phrase {
        switch role {
        case .staff: return .roleStaff
        case .manager: return .roleManager
        case .hq: return .roleHQ
        case .admin: return .roleAdmin
        }
    }

    /// A page that only says `message` (a refusal, something missing).
    public static func message(_ message: String, frame: PageFrame) -> String {
        render("message", frame: frame, title: message, section: .none, [:])
    }
}
