import Foundation

/// A small HTTP/1.1 client over a Unix socket: one request per connection, enough for slactl.
struct UnixHTTPClient {
    struct Reply {
        var status: Int
        var body: Data
    }

    struct Unreachable: Error, CustomStringConvertible {
        let description: String
    }

    let socketPath: String
    var timeoutSeconds = 75

    func send(_ method: String, _ path: String, json body: Data? = nil) throws -> Reply {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else {
            throw Unreachable(description: "cannot create a socket: \(String(cString: strerror(errno)))")
        }
        defer { close(fd) }
        var timeout = timeval(tv_sec: timeoutSeconds, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let pathBytes = Array(socketPath.utf8)
        guard pathBytes.count < MemoryLayout.size(ofValue: address.sun_path) else {
            throw Unreachable(description: "socket path too long: \(socketPath)")
        }
        withUnsafeMutableBytes(of: &address.sun_path) { buffer in
            for (index, byte) in pathBytes.enumerated() { buffer[index] = byte }
        }
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        guard connected == 0 else {
            throw Unreachable(
                description: "slad is not reachable at \(socketPath): \(String(cString: strerror(errno)))")
        }
        var request = "\(method) \(path) HTTP/1.1\r\nHost: slad\r\nConnection: close\r\nUser-Agent: slactl\r\n"
        if let body {
            request += "Content-Type: application/json\r\nContent-Length: \(body.count)\r\n"
        }
        var bytes = Data((request + "\r\n").utf8)
        if let body { bytes.append(body) }
        try writeAll(fd, bytes)
        var response = Data()
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            let count = read(fd, &buffer, buffer.count)
            if count < 0 {
                throw Unreachable(description: "reading from slad failed: \(String(cString: strerror(errno)))")
            }
            if count == 0 { break }
            response.append(contentsOf: buffer[0..<count])
        }
        return try parse(response)
    }

    private func writeAll(_ fd: Int32, _ data: Data) throws {
        try data.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let written = write(fd, raw.baseAddress! + offset, raw.count - offset)
                guard written > 0 else {
                    throw Unreachable(description: "writing to slad failed: \(String(cString: strerror(errno)))")
                }
                offset += written
            }
        }
    }

    private func parse(_ response: Data) throws -> Reply {
        guard let headerEnd = response.range(of: Data("\r\n\r\n".utf8)) else {
            throw Unreachable(description: "slad closed the connection without an answer")
        }
        let head = String(decoding: response[..<headerEnd.lowerBound], as: UTF8.self)
        let lines = head.components(separatedBy: "\r\n")
        let statusParts = lines[0].split(separator: " ")
        guard statusParts.count >= 2, let status = Int(statusParts[1]) else {
            throw Unreachable(description: "slad answered something that is not HTTP")
        }
        var body = Data(response[headerEnd.upperBound...])
        let chunked = lines.dropFirst().contains {
            $0.lowercased().hasPrefix("transfer-encoding:") && $0.lowercased().contains("chunked")
        }
        if chunked { body = Self.dechunk(body) }
        return Reply(status: status, body: body)
    }

    static func dechunk(_ data: Data) -> Data {
        var result = Data()
        var index = data.startIndex
        while let lineEnd = data[index...].range(of: Data("\r\n".utf8)) {
            let sizeText = String(decoding: data[index..<lineEnd.lowerBound], as: UTF8.self)
            guard let size = Int(sizeText.split(separator: ";").first ?? "", radix: 16), size > 0 else { break }
            let start = lineEnd.upperBound
            let end = min(data.endIndex, start + size)
            result.append(data[start..<end])
            index = min(data.endIndex, end + 2)
        }
        return result
    }
}
