import Foundation
import Logging

/// The FAKE robot server of `Tests/shell/fixtures/fake-vendor.py`, started for one test: it
/// enforces what WeCom, DingTalk or Feishu document (signature, body shape, size and rate limits,
/// lock-out), since their clouds cannot run here. Each request it got is one `Request`.
final class FakeVendor: @unchecked Sendable {
    struct Request {
        let at: Double
        let code: Int
        let locked: Bool
        let text: String
        let bytes: Int
        let body: [String: Any]
    }

    let vendor: String
    let token: String
    let port: Int
    let folder: String
    private let process: Process
    private let log: String

    init(_ vendor: String, token: String = "robot-key-1", secret: String? = nil, lockout: Double = 600) throws {
        self.vendor = vendor
        self.token = token
        folder = NSTemporaryDirectory() + "slad-fake-\(vendor)-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        log = folder + "/requests.jsonl"
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("shell/fixtures/fake-vendor.py").path
        process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments =
            [
                "python3", script, "--vendor", vendor, "--token", token, "--port-file", folder + "/port", "--log", log,
                "--lockout", "\(lockout)",
            ] + (secret.map { ["--secret", $0] } ?? [])
        try process.run()
        let deadline = Date().addingTimeInterval(10)
        var port: Int?
        while port == nil, Date() < deadline {
            port = (try? String(contentsOfFile: folder + "/port", encoding: .utf8)).flatMap { Int($0) }
            if port == nil { Thread.sleep(forTimeInterval: 0.02) }
        }
        guard let port else { throw CocoaError(.fileNoSuchFile) }
        self.port = port
    }

    deinit {
        kill(process.processIdentifier, SIGKILL)  // a test runner's thread may block SIGTERM, and children inherit it
        process.waitUntilExit()
    }

    /// The webhook URL without its key (slad reads the key from `token-file`).
    var baseURL: String {
        switch vendor {
        case "wecom": return "http://127.0.0.1:\(port)/cgi-bin/webhook/send"
        case "dingtalk": return "http://127.0.0.1:\(port)/robot/send"
        default: return "http://127.0.0.1:\(port)/open-apis/bot/v2/hook"
        }
    }

    /// A file holding `text`, for `token-file` and `secret-file`.
    func file(_ name: String, _ text: String) throws -> String {
        let path = folder + "/" + name
        try (text + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    var requests: [Request] {
        let text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
        return text.split(separator: "\n").compactMap { line in
            guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else {
                return nil
            }
            return Request(
                at: (object["t"] as? NSNumber)?.doubleValue ?? 0, code: (object["code"] as? NSNumber)?.intValue ?? -1,
                locked: object["locked"] as? Bool ?? false, text: object["text"] as? String ?? "",
                bytes: (object["bytes"] as? NSNumber)?.intValue ?? 0, body: object["body"] as? [String: Any] ?? [:])
        }
    }
}

/// Keeps what slad logs, to check what it says (and what it must never say, such as a secret).
final class LogCapture: LogHandler, @unchecked Sendable {
    private let lock = NSLock()
    private var lines: [(Logger.Level, String, Logger.Metadata)] = []
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        lock.withLock { lines.append((event.level, event.message.description, event.metadata ?? [:])) }
    }

    var logged: [(level: Logger.Level, message: String, metadata: Logger.Metadata)] {
        lock.withLock { lines.map { (level: $0.0, message: $0.1, metadata: $0.2) } }
    }

    var logger: Logger { Logger(label: "test") { _ in self } }
}

/// The SMTP server of `Tests/shell/fixtures/smtp-sink.py`, for mail that goes through a real MTA
/// client (msmtp as sendmail) and a real SMTP session: message N lands in `folder/N.eml`.
final class SMTPSink: @unchecked Sendable {
    let port: Int
    let folder: String
    private let process: Process

    init() throws {
        folder = NSTemporaryDirectory() + "slad-smtp-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("shell/fixtures/smtp-sink.py").path
        process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", script, "--dir", folder, "--port-file", folder + "/port"]
        try process.run()
        let deadline = Date().addingTimeInterval(10)
        var port: Int?
        while port == nil, Date() < deadline {
            port = (try? String(contentsOfFile: folder + "/port", encoding: .utf8)).flatMap { Int($0) }
            if port == nil { Thread.sleep(forTimeInterval: 0.02) }
        }
        guard let port else { throw CocoaError(.fileNoSuchFile) }
        self.port = port
    }

    deinit {
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }
}
