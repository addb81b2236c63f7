import Dispatch
import Foundation
import SLACore

/// A message for people, rendered for one route.
public struct RenderedMessage: Sendable {
    /// Unique per message, recorded with every entry it carries.
    public var id: String
    public var text: String
    /// The first line: DingTalk's markdown title, Feishu's post title, the mail's subject.
    public var title: String
    public var html: String?
    /// Phone numbers, user ids or `@all`, for the robot to @-mention.
    public var mentions: [String]
    /// Mail: the addresses it goes to (the route's, and those on duty); nil: the route's own.
    public var recipients: [String]?
    public var entryIDs: [Int64]

    public init(
        id: String, text: String, html: String? = nil, mentions: [String] = [], recipients: [String]? = nil,
        entryIDs: [Int64]
    ) {
        self.id = id
        self.recipients = recipients
        self.text = text
        self.title = String(text.prefix { $0 != "\n" }).replacingOccurrences(of: "**", with: "")
        self.html = html
        self.mentions = mentions
        self.entryIDs = entryIDs
    }
}

/// What became of a message: sent, or the vendor's (or the transport's) error.
public struct SendOutcome: Sendable {
    /// Nil when delivered.
    public var error: String?
    /// The vendor's error code, when it answered one (DingTalk's 130101: locked out).
    public var vendorCode: Int?
    /// What the receiver answered, for `slactl escalations test-route`.
    public var answer: String
}

/// Sends rendered messages through robot and mail routes: robots by HTTP on the event loops,
/// mail through sendmail(8) on a thread of `hooks` (which waits for it).
public final class RouteSender: Sendable {
    let http = HTTPSender()
    let hooks = DispatchQueue(label: "slad.delivery.hooks", attributes: .concurrent)

    public init() {}

    public func send(
        _ message: RenderedMessage, via route: DeliveryRoute, timeoutMillis: Int64, now: Instant,
        done: @escaping @Sendable (SendOutcome) -> Void
    ) {
        switch route.target {
        case .robot(let robot):
            let payload: RobotPayload
            do {
                payload = try Self.payload(robot)
            } catch {
                done(SendOutcome(error: "\(error)", vendorCode: nil, answer: "\(error)"))
                return
            }
            let body = payload.body(text: message.text, title: message.title, mentioning: message.mentions, now: now)
            http.post(payload.url(now: now), headers: [], body: body, timeoutMillis: timeoutMillis) { result in
                switch result {
                case .failure(let error):
                    done(SendOutcome(error: "\(error)", vendorCode: nil, answer: "\(error)"))
                case .success(let (status, body)):
                    let answer = payload.answer(status: status, body: body)
                    let said = String(decoding: body.prefix(500), as: UTF8.self)
                    if answer.ok {
                        done(SendOutcome(error: nil, vendorCode: 0, answer: said))
                    } else {
                        let code = answer.code.map { "errcode \($0)" } ?? "HTTP \(status)"
                        done(SendOutcome(error: "\(code): \(answer.message)", vendorCode: answer.code, answer: said))
                    }
                }
            }
        case .email(let email):
            let to = message.recipients ?? email.to
            guard !to.isEmpty else {
                let error = "nobody to mail: the route lists no address and nobody on duty has one in the contacts file"
                done(SendOutcome(error: error, vendorCode: nil, answer: error))
                return
            }
            let mail = MailMessage(
                from: email.from, to: to, subject: message.title, text: message.text, html: message.html,
                messageID:
                    "<slad.\(message.id.filter { $0.isLetter || $0.isNumber || $0 == "." || $0 == "-" })@\(Self.host)>",
                date: now, entryIDs: message.entryIDs, host: Self.host)
            hooks.async {
                let timeout = Double(timeoutMillis) / 1000
                let argv = email.sendmail
                let outcome: HookProcess.Outcome
                do {
                    outcome = try HookProcess.run(
                        argv, environment: ["PATH": "/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin"],
                        input: mail.rendered(), timeout: timeout)
                } catch {
                    done(SendOutcome(error: "cannot run \(argv[0]): \(error)", vendorCode: nil, answer: "\(error)"))
                    return
                }
                let said = outcome.stderr.prefix(300).trimmingCharacters(in: .whitespacesAndNewlines)
                if outcome.timedOut {
                    done(
                        SendOutcome(
                            error: "\(argv[0]) did not finish within \(timeout) s", vendorCode: nil, answer: said))
                } else if outcome.status != 0 {
                    let error = "\(argv[0]) exited with \(outcome.status ?? -1)" + (said.isEmpty ? "" : ": \(said)")
                    done(SendOutcome(error: error, vendorCode: nil, answer: said))
                } else {
                    done(SendOutcome(error: nil, vendorCode: nil, answer: "accepted by \(argv[0])"))
                }
            }
        case .exec, .webhook:
            done(SendOutcome(error: "route \(route.name) does not send messages", vendorCode: nil, answer: ""))
        }
    }

    /// The robot's request builder, with its key and secret read from their files now (so a
    /// rotated secret is picked up without a reload). Their contents are never logged.
    static func payload(_ robot: RobotRoute) throws -> RobotPayload {
        func read(_ path: String?, _ what: String) throws -> String? {
            guard let path else { return nil }
            do {
                let text = try String(contentsOfFile: path, encoding: .utf8).trimmingCharacters(
                    in: .whitespacesAndNewlines)
                guard !text.isEmpty else { throw SecretFileError(path: path, what: what, reason: "it is empty") }
                return text
            } catch let error as SecretFileError {
                throw error
            } catch {
                throw SecretFileError(path: path, what: what, reason: "it cannot be read")
            }
        }
        return RobotPayload(
            robot: robot, token: try read(robot.tokenFile, "token-file"),
            secret: try read(robot.secretFile, "secret-file"))
    }

    static let host: String = {
        var name = [CChar](repeating: 0, count: 256)
        gethostname(&name, name.count)
        let host = String(decoding: name.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return host.isEmpty ? "localhost" : host
    }()
}

struct SecretFileError: Error, CustomStringConvertible {
    let path: String
    let what: String
    let reason: String
    var description: String { "\(what) \(path): \(reason)" }
}
