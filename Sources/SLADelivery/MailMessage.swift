import Foundation
import SLACore

/// An RFC 5322 message as cron or smartd would hand it to sendmail(8): UTF-8 text (and an HTML
/// alternative when the route has an HTML template), the subject encoded per RFC 2047, and the
/// headers mail filters sort machine mail by (`Auto-Submitted`, RFC 3834; `List-Id`, RFC 2919).
struct MailMessage: Sendable {
    var from: String
    var to: [String]
    var subject: String
    var text: String
    var html: String?
    /// Unique per message: `<slad.ROUTE.MILLIS.N@HOST>`.
    var messageID: String
    var date: Instant
    /// The entries it carries, for `X-Slad-Entries` (filters and people can find them back).
    var entryIDs: [Int64]
    var host: String

    func rendered() -> Data {
        var headers = [
            "From: \(from)",
            "To: \(to.joined(separator: ", "))",
            "Subject: \(Self.encodedWord(subject))",
            "Date: \(Self.rfc5322Date(date))",
            "Message-ID: \(messageID)",
            "MIME-Version: 1.0",
            "Auto-Submitted: auto-generated",
            "List-Id: SLA escalations <escalations.slad.\(host)>",
            "X-Slad-Entries: \(entryIDs.map(String.init).joined(separator: " "))",
        ]
        var body: String
        if let html {
            let boundary = "slad-" + messageID.filter { $0.isLetter || $0.isNumber }
            headers.append("Content-Type: multipart/alternative; boundary=\"\(boundary)\"")
            body = "This is a message in MIME format.\r\n\r\n"
            body += "--\(boundary)\r\n" + Self.part("text/plain", text) + "\r\n"
            body += "--\(boundary)\r\n" + Self.part("text/html", html) + "\r\n"
            body += "--\(boundary)--\r\n"
        } else {
            headers.append("Content-Type: text/plain; charset=UTF-8")
            headers.append("Content-Transfer-Encoding: base64")
            body = Self.base64Lines(text)
        }
        return Data((headers.joined(separator: "\r\n") + "\r\n\r\n" + body).utf8)
    }

    private static func part(_ type: String, _ content: String) -> String {
        "Content-Type: \(type); charset=UTF-8\r\nContent-Transfer-Encoding: base64\r\n\r\n" + base64Lines(content)
    }

    /// Base64 in lines of 76 (RFC 2045), so any UTF-8 survives any mail hop.
    private static func base64Lines(_ text: String) -> String {
        let encoded = Data(text.utf8).base64EncodedString()
        var lines: [Substring] = []
        var rest = Substring(encoded)
        while !rest.isEmpty {
            lines.append(rest.prefix(76))
            rest = rest.dropFirst(76)
        }
        return lines.joined(separator: "\r\n") + "\r\n"
    }

    /// RFC 2047 encoded words (`=?UTF-8?B?...?=`), each at most 75 characters and cut between
    /// characters (never inside a UTF-8 sequence); ASCII subjects stay as they are.
    static func encodedWord(_ text: String) -> String {
        let oneLine = text.replacingOccurrences(of: "\r", with: " ").replacingOccurrences(of: "\n", with: " ")
        guard oneLine.contains(where: { !$0.isASCII }) else { return oneLine }
        var words: [String] = []
        var chunk = ""
        for character in oneLine {
            // 12 characters of `=?UTF-8?B??=`; 45 bytes of text make 60 of base64.
            if (chunk + String(character)).utf8.count > 45 {
                words.append(chunk)
                chunk = ""
            }
            chunk.append(character)
        }
        if !chunk.isEmpty { words.append(chunk) }
        return words.map { "=?UTF-8?B?\(Data($0.utf8).base64EncodedString())?=" }.joined(separator: "\r\n ")
    }

    /// `Tue, 01 Dec 2026 21:58:00 +0000`.
    static func rfc5322Date(_ instant: Instant) -> String {
        let days = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"]  // 1970-01-01 was a Thursday
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        let iso = ISO8601.format(instant, offsetSeconds: 0)  // 2026-12-01T21:58:00Z
        let parts = iso.prefix(10).split(separator: "-").compactMap { Int($0) }
        let day = Int(floor(Double(instant.seconds) / 86_400))
        let weekday = days[((day % 7) + 7) % 7]
        let time = iso.dropFirst(11).prefix(8)
        let dayOfMonth = parts[2] < 10 ? "0\(parts[2])" : "\(parts[2])"
        return "\(weekday), \(dayOfMonth) \(months[parts[1] - 1]) \(parts[0]) \(time) +0000"
    }
}
