import SLAAuth
import SLACore
import SLAServer

/// Signing in and out, and the two things a stranger may fetch: the language switch and the
/// static files.
extension Console {
    /// The form, with a pre-session token set as a cookie and repeated in the form.
    func signInPage(_ request: ConsoleRequest) async throws -> ConsoleResponse {
        if try await session(of: request) != nil { return .redirect("/console/") }
        let frame = PageFrame(
            language: request.language, session: nil, back: "/console/signin",
            notice: request.query["out"] != nil ? Phrase.signedOut.text(request.language) : nil)
        return signInForm(request, frame: frame)
    }

    func signIn(_ request: ConsoleRequest) async throws -> ConsoleResponse {
        guard let form = request.form else { throw ConsoleRefusal(.badRequest, .errorBadRequest) }
        guard let expected = request.cookies[Cookies.signIn], Tokens.equal(form["csrf"], expected) else {
            AuditLog(logger: logger).refused("console: a sign-in without its form's token", peer: request.clientAddress)
            throw ConsoleRefusal(.forbidden, .errorCSRF)
        }
        let name = (form["name"] ?? "").trimmingSpaces
        let password = form["password"] ?? ""
        let now = clock.now()
        let address = request.clientAddress
        let outcome = try await read { [accounts] in
            try accounts.signIn(name: name, password: password, from: address, now: now)
        }
        switch outcome {
        case .signedIn(let principal):
            // Whatever session the browser had (or was given by someone else) ends here; the new
            // one has a fresh id made by slad, so a planted cookie never becomes a signed-in one.
            if let old = request.cookies[Cookies.session], !old.isEmpty {
                try await read { [accounts] in try accounts.endSession(cookie: old) }
            }
            let session = try await read { [accounts] in try accounts.startSession(for: principal, now: now) }
            var response = ConsoleResponse.redirect("/console/")
            response.setCookie(Cookies.set(Cookies.session, session.cookie))
            response.setCookie(Cookies.delete(Cookies.signIn))
            return response
        case .refused:
            var frame = PageFrame(language: request.language, session: nil, back: "/console/signin")
            frame.problem = Phrase.signInRefused.text(request.language)
            var response = signInForm(request, frame: frame, enteredName: name)
            response.status = .unauthorized
            return response
        case .throttled(let seconds):
            var frame = PageFrame(language: request.language, session: nil, back: "/console/signin")
            frame.problem = Phrase.signInThrottled.text(request.language)
            var response = signInForm(request, frame: frame, enteredName: name)
            response.status = .tooManyRequests
            response.headers.append(("retry-after", String(max(1, seconds))))
            return response
        }
    }

    private func signInForm(_ request: ConsoleRequest, frame: PageFrame, enteredName: String = "") -> ConsoleResponse {
        let token = request.cookies[Cookies.signIn].flatMap { Self.looksLikeToken($0) ? $0 : nil } ?? Tokens.random()
        var response = ConsoleResponse(body: Pages.signIn(frame: frame, token: token, enteredName: enteredName))
        response.setCookie(Cookies.set(Cookies.signIn, token))
        return response
    }

    static func looksLikeToken(_ text: String) -> Bool {
        text.utf8.count == 64
            && text.utf8.allSatisfy {
                (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0)
                    || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains($0)
            }
    }

    /// Ends the session on the server (its cookie is then worth nothing, wherever a copy went).
    func signOut(_ session: ConsoleSession) async throws -> ConsoleResponse {
        try await read { [accounts] in try accounts.endSession(cookie: session.cookie) }
        logger.notice("console: \(session.principal.actor(claimed: nil)) signed out; the session is ended")
        var response = ConsoleResponse.redirect("/console/signin?out=1")
        response.setCookie(Cookies.delete(Cookies.session))
        return response
    }

    /// `/console/lang/zh?back=/console/queue`: remembers the language for a year, then goes back.
    func language(_ request: ConsoleRequest) throws -> ConsoleResponse {
        guard let code = request.parameters["code"], let language = Language(rawValue: code) else {
            throw ConsoleRefusal(.notFound, .errorNotFound)
        }
        var response = ConsoleResponse.redirect(Self.localTarget(request.query["back"]))
        response.setCookie(Cookies.set(Cookies.language, language.rawValue, maxAge: 365 * 86_400))
        return response
    }

    /// A place in the console to go back to; anything else (another site, `//host`) is the board.
    static func localTarget(_ back: String?) -> String {
        guard let back, back.hasPrefix("/console"), !back.hasPrefix("//"), !back.contains("\\"),
            !back.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F })
        else { return "/console/" }
        return back
    }

    func asset(_ request: ConsoleRequest) throws -> ConsoleResponse {
        switch request.parameters["file"] {
        case "console.css": return ConsoleResponse(contentType: "text/css; charset=utf-8", body: StaticAssets.css)
        case "console.js":
            return ConsoleResponse(contentType: "text/javascript; charset=utf-8", body: StaticAssets.js)
        case "report.css":
            return ConsoleResponse(
                contentType: "text/css; charset=utf-8",
                body: ReportEmbed.style(policy: service.policy, now: clock.now()))
        default: throw ConsoleRefusal(.notFound, .errorNotFound)
        }
    }
}
