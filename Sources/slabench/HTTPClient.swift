import Foundation
import SLAAPI

/// A blocking HTTP/1.1 client on one keep-alive Unix-socket connection: light enough that 32 of
/// them in threads leave the cores to slad. Used from one thread at a time.
final class HTTPConnection {
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    struct Reply {
        var status: Int
        var body: [UInt8]

        var text: String { String(decoding: body, as: UTF8.self) }

        /// The answer as its SLAAPI view, or nil if it is not one.
        func decode<Answer: Decodable>(_ type: Answer.Type) -> Answer? {
            try? APIJSON.decode(type, from: Data(body))
        }
    }

    private let socketPath: String
    private var fd: Int32 = -1
    private var buffer = [UInt8](repeating: 0, count: 1 << 16)
    private var start = 0
    private var end = 0

    init(socketPath: String) {
        self.socketPath = socketPath
    }

    deinit { disconnect() }

    func disconnect() {
        if fd >= 0 { close(fd) }
        fd = -1
        start = 0
        end = 0
    }

    private func connectIfNeeded() throws {
        guard fd < 0 else { return }
        let socketFD = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        guard socketFD >= 0 else { throw Failure(description: "socket: \(String(cString: strerror(errno)))") }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let path = Array(socketPath.utf8)
        guard path.count < MemoryLayout.size(ofValue: address.sun_path) else {
            close(socketFD)
            throw Failure(description: "socket path too long: \(socketPath)")
        }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (index, byte) in path.enumerated() { raw[index] = byte }
        }
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(socketFD, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        guard connected == 0 else {
            let message = String(cString: strerror(errno))
            close(socketFD)
            throw Failure(description: "connect \(socketPath): \(message)")
        }
        fd = socketFD
    }

    /// Sends one request and reads its reply; reconnects once if slad closed an idle connection.
    func send(_ method: String, _ path: String, body: [UInt8]? = nil) throws -> Reply {
        try send(request: Self.request(method, path, body: body))
    }

    /// Sends a request made by `request(_:_:body:)` beforehand: the load's clients build theirs
    /// once, so that each round trip costs them two system calls and a scan of the reply.
    func send(request: [UInt8]) throws -> Reply {
        do {
            return try attempt(request)
        } catch {
            disconnect()
            return try attempt(request)
        }
    }

    func post(_ path: String, _ request: some Encodable) throws -> Reply {
        try send("POST", path, body: Array(try APIJSON.encode(request)))
    }

    static func request(_ method: String, _ path: String, body: [UInt8]? = nil) -> [UInt8] {
        var head = "\(method) \(path) HTTP/1.1\r\nHost: slad\r\n"
        if let body { head += "Content-Type: application/json\r\nContent-Length: \(body.count)\r\n" }
        return Array((head + "\r\n").utf8) + (body ?? [])
    }

    private func attempt(_ request: [UInt8]) throws -> Reply {
        try connectIfNeeded()
        try writeAll(request)
        return try readReply()
    }

    private func writeAll(_ bytes: [UInt8]) throws {
        try bytes.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let written = write(fd, raw.baseAddress! + offset, raw.count - offset)
                if written < 0, errno == EINTR { continue }
                guard written > 0 else { throw Failure(description: "write: \(String(cString: strerror(errno)))") }
                offset += written
            }
        }
    }

    /// Reads more bytes into the buffer (growing it when full). False at end of stream.
    private func fill() throws -> Bool {
        if start > 0, start == end {
            start = 0
            end = 0
        }
        if end == buffer.count {
            if start > 0 {
                buffer.replaceSubrange(0..<(end - start), with: buffer[start..<end])
                end -= start
                start = 0
            } else {
                buffer += [UInt8](repeating: 0, count: buffer.count)
            }
        }
        while true {
            // Wait in poll, not in read: a reader blocked in a Unix socket's read is woken each
            // time the server reads this side's request (write space), and goes back to sleep.
            var ready = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            if poll(&ready, 1, -1) < 0, errno == EINTR { continue }
            let count = buffer.withUnsafeMutableBytes { raw in read(fd, raw.baseAddress! + end, raw.count - end) }
            if count < 0, errno == EINTR { continue }
            guard count >= 0 else { throw Failure(description: "read: \(String(cString: strerror(errno)))") }
            end += count
            return count > 0
        }
    }

    /// The index just past the first CRLF (or CRLFCRLF when `blank`) at or after `from`.
    private func find(_ pattern: [UInt8], from: Int) -> Int? {
        guard end - from >= pattern.count else { return nil }
        return buffer.withUnsafeBufferPointer { bytes in
            var index = from
            while index + pattern.count <= end {
                if bytes[index] == pattern[0], pattern.indices.allSatisfy({ bytes[index + $0] == pattern[$0] }) {
                    return index + pattern.count
                }
                index += 1
            }
            return nil
        }
    }

    private static let crlf: [UInt8] = [13, 10]
    private static let blankLine: [UInt8] = [13, 10, 13, 10]

    private func readReply() throws -> Reply {
        var headEnd: Int?
        while true {
            headEnd = find(Self.blankLine, from: start)
            if headEnd != nil { break }
            guard try fill() else { throw Failure(description: "slad closed the connection") }
        }
        let head = ReplyHead(buffer[start..<headEnd!])
        start = headEnd!
        guard let status = head.status else {
            throw Failure(description: "not HTTP: \(String(decoding: head.bytes.prefix(80), as: UTF8.self))")
        }
        if head.chunked { return Reply(status: status, body: try readChunked()) }
        let count = head.contentLength ?? 0
        while end - start < count {
            guard try fill() else { throw Failure(description: "slad closed the connection mid-body") }
        }
        let body = Array(buffer[start..<(start + count)])
        start += count
        return Reply(status: status, body: body)
    }

    private func readChunked() throws -> [UInt8] {
        var body: [UInt8] = []
        while true {
            var lineEnd: Int?
            while true {
                lineEnd = find(Self.crlf, from: start)
                if lineEnd != nil { break }
                guard try fill() else { throw Failure(description: "slad closed the connection mid-chunk") }
            }
            let sizeText = String(decoding: buffer[start..<(lineEnd! - 2)], as: UTF8.self)
            guard let size = Int(sizeText.split(separator: ";").first ?? "", radix: 16) else {
                throw Failure(description: "bad chunk size '\(sizeText)'")
            }
            start = lineEnd!
            while end - start < size + 2 {
                guard try fill() else { throw Failure(description: "slad closed the connection mid-chunk") }
            }
            body += buffer[start..<(start + size)]
            start += size + 2
            if size == 0 { return body }
        }
    }
}

/// A reply's status line and headers, read from the bytes without making strings: the status,
/// and the two headers that say where the body ends.
struct ReplyHead {
    let bytes: ArraySlice<UInt8>

    init(_ bytes: ArraySlice<UInt8>) {
        self.bytes = bytes
    }

    /// `HTTP/1.1 200 OK`: the three digits after the first space.
    var status: Int? {
        guard let space = bytes.firstIndex(of: UInt8(ascii: " ")), space + 3 < bytes.endIndex else { return nil }
        var value = 0
        for byte in bytes[(space + 1)...(space + 3)] {
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
            value = value * 10 + Int(byte - UInt8(ascii: "0"))
        }
        return value
    }

    var contentLength: Int? {
        guard var index = value(of: "content-length") else { return nil }
        var length = 0
        while index < bytes.endIndex, bytes[index] >= UInt8(ascii: "0"), bytes[index] <= UInt8(ascii: "9") {
            length = length * 10 + Int(bytes[index] - UInt8(ascii: "0"))
            index += 1
        }
        return length
    }

    var chunked: Bool {
        guard let index = value(of: "transfer-encoding") else { return false }
        return bytes[index...].starts(with: "chunked".utf8)
    }

    /// Where the value of header `name` (lower case) starts, spaces skipped.
    private func value(of name: String) -> Int? {
        let name = Array(name.utf8)
        var lineStart = bytes.startIndex
        while lineStart < bytes.endIndex {
            let lineEnd = bytes[lineStart...].firstIndex(of: 10) ?? bytes.endIndex
            let line = bytes[lineStart..<lineEnd]
            if line.count > name.count, line[lineStart + name.count] == UInt8(ascii: ":"),
                zip(line, name).allSatisfy({ $0 | 0x20 == $1 })
            {
                var index = lineStart + name.count + 1
                while index < lineEnd, bytes[index] == UInt8(ascii: " ") { index += 1 }
                return index
            }
            lineStart = lineEnd + 1
        }
        return nil
    }
}
