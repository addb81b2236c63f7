import Crypto
import Foundation
import SLACore

/// The request a group robot accepts, per its vendor's documentation: URL (with key and, for
/// DingTalk, the signature), JSON body (text or markdown, mentions where the vendor looks for
/// them, Feishu's signature), size limits, and how its answer says success.
public struct RobotPayload: Sendable {
    public let robot: RobotRoute
    /// The key read from `token-file`, if the URL lacks it.
    public let token: String?
    /// The signing secret read from `secret-file`.
    public let secret: String?

    public init(robot: RobotRoute, token: String?, secret: String?) {
        self.robot = robot
        self.token = token
        self.secret = secret
    }

    /// The most a message's text may take, in UTF-8 bytes, with the room mentions need: WeCom 2,048
    /// (text) or 4,096 (markdown); DingTalk 20,000; Feishu's whole body 20 KB, less the envelope.
    public var textLimit: Int {
        switch (robot.vendor, robot.format) {
        case (.wecom, .text): return 2_048
        case (.wecom, .markdown): return 4_096
        case (.dingtalk, _): return 20_000
        case (.feishu, _): return 20 * 1024 - 2_048
        }
    }

    // MARK: Request

    /// The URL to POST to at `now`.
    public func url(now: Instant) -> String {
        var url = robot.url
        if let token {
            switch robot.vendor {
            case .wecom: url = Self.adding("key", token, to: url)
            case .dingtalk: url = Self.adding("access_token", token, to: url)
            case .feishu: url = (url.hasSuffix("/") ? url : url + "/") + token
            }
        }
        if robot.vendor == .dingtalk, let secret {
            let timestamp = "\(now.millis)"
            let sign = Self.dingTalkSignature(secret: secret, timestampMillis: timestamp)
            url = Self.adding("timestamp", timestamp, to: url)
            url = Self.adding("sign", Self.queryEncoded(sign), to: url)
        }
        return url
    }

    /// The JSON body of `text` (with `title` for DingTalk markdown and Feishu posts), mentioning
    /// `people` (phone numbers, user ids, `@all`).
    public func body(text: String, title: String, mentioning people: [String], now: Instant) -> Data {
        let mobiles = people.filter(Self.isPhoneNumber)
        let users = people.filter { !Self.isPhoneNumber($0) && $0 != "@all" }
        let everyone = people.contains("@all")
        var object: [String: Any]
        switch (robot.vendor, robot.format) {
        case (.wecom, .text):
            var content: [String: Any] = ["content": text]
            if !users.isEmpty || everyone { content["mentioned_list"] = users + (everyone ? ["@all"] : []) }
            if !mobiles.isEmpty { content["mentioned_mobile_list"] = mobiles }
            object = ["msgtype": "text", "text": content]
        case (.wecom, .markdown):
            // WeCom markdown ignores the mention lists: only `<@userid>` in the content notifies.
            let mentions = users.map { "<@\($0)>" }.joined(separator: " ")
            object = ["msgtype": "markdown", "markdown": ["content": mentions.isEmpty ? text : text + "\n" + mentions]]
        case (.dingtalk, let format):
            // DingTalk shows an @ only when the number (or user id) is also written in the text.
            let written = (mobiles + users).map { "@\($0)" }.joined(separator: " ")
            let content = written.isEmpty ? text : text + "\n" + written
            let at: [String: Any] = ["atMobiles": mobiles, "atUserIds": users, "isAtAll": everyone]
            object =
                format == .text
                ? ["msgtype": "text", "text": ["content": content], "at": at]
                : ["msgtype": "markdown", "markdown": ["title": title, "text": content], "at": at]
        case (.feishu, .text):
            let mentions = users.map { "<at user_id=\"\($0)\"></at>" } + (everyone ? ["<at user_id=\"all\"></at>"] : [])
            let content = mentions.isEmpty ? text : text + "\n" + mentions.joined(separator: " ")
            object = ["msg_type": "text", "content": ["text": content]]
        case (.feishu, .markdown):
            // Feishu's rich text ("post"): one paragraph per line, mentions as `at` elements.
            var paragraphs: [[[String: String]]] = text.split(separator: "\n", omittingEmptySubsequences: false)
                .map { [["tag": "text", "text": String($0)]] }
            let mentions =
                users.map { ["tag": "at", "user_id": $0] } + (everyone ? [["tag": "at", "user_id": "all"]] : [])
            if !mentions.isEmpty { paragraphs.append(mentions) }
            object = ["msg_type": "post", "content": ["post": ["zh_cn": ["title": title, "content": paragraphs]]]]
        }
        if robot.vendor == .feishu, let secret {
            let timestamp = "\(now.seconds)"
            object["timestamp"] = timestamp
            object["sign"] = Self.feishuSignature(secret: secret, timestampSeconds: timestamp)
        }
        return (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]))
            ?? Data()
    }

    /// Whether `text` fits the vendor's limit once mentions are added.
    public func fits(_ text: String, mentioning people: [String]) -> Bool {
        switch robot.vendor {
        case .wecom, .dingtalk:
            let written = people.map { " @\($0)" }.joined().utf8.count + 1
            return text.utf8.count + written <= textLimit
        case .feishu:
            return body(text: text, title: "", mentioning: people, now: Instant(millis: 0)).count + 200 <= 20 * 1024
        }
    }

    // MARK: Signing (swift-crypto's HMAC; DingTalk and Feishu swap key and message)

    /// DingTalk: base64(HMAC-SHA256(key: secret, message: timestamp_ms + "\n" + secret)).
    public static func dingTalkSignature(secret: String, timestampMillis: String) -> String {
        let mac = HMAC<SHA256>.authenticationCode(
            for: Data((timestampMillis + "\n" + secret).utf8), using: SymmetricKey(data: Data(secret.utf8)))
        return Data(mac).base64EncodedString()
    }

    /// Feishu: base64(HMAC-SHA256(key: timestamp_s + "\n" + secret, message: empty)).
    public static func feishuSignature(secret: String, timestampSeconds: String) -> String {
        let key = SymmetricKey(data: Data((timestampSeconds + "\n" + secret).utf8))
        return Data(HMAC<SHA256>.authenticationCode(for: Data(), using: key)).base64EncodedString()
    }

    // MARK: Answer

    /// What the vendor said: success only with code 0 in the body (they answer HTTP 200 with
    /// errors), else its code and message.
    public struct Answer: Sendable, Equatable {
        public var code: Int?
        public var message: String
        public var ok: Bool { code == 0 }
    }

    public func answer(status: Int, body: Data) -> Answer {
        let object = (try? JSONSerialization.jsonObject(with: body)) as? [String: Any]
        let codeKeys = robot.vendor == .feishu ? ["code", "StatusCode"] : ["errcode"]
        let messageKeys = robot.vendor == .feishu ? ["msg", "StatusMessage"] : ["errmsg"]
        let code = codeKeys.lazy.compactMap { (object?[$0] as? NSNumber)?.intValue }.first
        let message =
            messageKeys.lazy.compactMap { object?[$0] as? String }.first
            ?? "HTTP \(status): " + String(decoding: body.prefix(200), as: UTF8.self)
        return Answer(code: code, message: message)
    }

    /// DingTalk's answer to a robot sending too fast: it is then blocked for 10 minutes.
    public static let dingTalkLockedOut = 130101
    public static let dingTalkLockOutMillis: Int64 = 10 * 60 * 1000

    // MARK: Helpers

    static func isPhoneNumber(_ text: String) -> Bool {
        text.count >= 5 && text.allSatisfy { $0.isASCII && ($0.isNumber || $0 == "+") }
    }

    static func adding(_ name: String, _ value: String, to url: String) -> String {
        url + (url.contains("?") ? "&" : "?") + name + "=" + value
    }

    static func queryEncoded(_ text: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
    }
}
