import Foundation

/// A receiver that hangs: it accepts connections and reads what arrives, but never answers, as
/// a webhook behind a stuck proxy does. `close()` resets every connection.
final class HungReceiver: @unchecked Sendable {  // `connections` is behind `lock`
    let port: UInt16
    private let fd: Int32
    private let lock = NSLock()
    private var connections: [Int32] = []

    init() throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        _ = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        listen(fd, 128)
        var bound = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &bound) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        self.fd = fd
        port = UInt16(bigEndian: bound.sin_port)
        Thread.detachNewThread { [self] in acceptAll() }
    }

    var connectionCount: Int { lock.withLock { connections.count } }

    func close() {
        shutdown(fd, Int32(SHUT_RDWR))
        for connection in lock.withLock({ connections }) { shutdown(connection, Int32(SHUT_RDWR)) }
    }

    private func acceptAll() {
        while true {
            let client = accept(fd, nil, nil)
            if client < 0 { return }
            lock.withLock { connections.append(client) }
            Thread.detachNewThread {
                var buffer = [UInt8](repeating: 0, count: 4096)
                while read(client, &buffer, buffer.count) > 0 {}
                Foundation.close(client)
            }
        }
    }
}
