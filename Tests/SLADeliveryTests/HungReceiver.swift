import Foundation

/// A receiver that hangs: it accepts connections and reads what arrives, but never answers, as
/// a webhook behind a stuck proxy does. `close()` resets every connection.
final class HungReceiver: @unchecked Sendable {  // `connections` is behind `lock`
    let port: UInt16
    private let fd: Int32
    private let lock = NSLock()
    private var connections: [Int32] = []

    init() throws {
        (fd, port) = LoopbackListener.listen(backlog: 128)
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
