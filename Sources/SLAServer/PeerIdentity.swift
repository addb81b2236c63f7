import Foundation
import NIOCore

/// Who is calling: the kernel's word for the Unix socket, a bearer token for TCP.
enum PeerIdentity {
    /// `uid 1000 (amy)` from SO_PEERCRED, or nil when the socket cannot tell.
    static func unixPeer(of channel: Channel) -> EventLoopFuture<String?> {
        guard let provider = channel as? SocketOptionProvider else { return channel.eventLoop.makeSucceededFuture(nil) }
        let future: EventLoopFuture<PeerCredentials> = provider.unsafeGetSocketOption(
            level: SocketOptionLevel(SOL_SOCKET), name: SocketOptionName(SO_PEERCRED))
        return future.map { credentials in
            "uid \(credentials.uid)" + (userName(credentials.uid).map { " (\($0))" } ?? "")
        }.recover { _ in nil }
    }

    static func userName(_ uid: uid_t) -> String? {
        var entry = passwd()
        var result: UnsafeMutablePointer<passwd>?
        var buffer = [CChar](repeating: 0, count: 1024)
        guard getpwuid_r(uid, &entry, &buffer, buffer.count, &result) == 0, result != nil, let name = entry.pw_name
        else { return nil }
        return String(cString: name)
    }

    /// Compares the presented bearer token with the expected one in constant time (no early exit
    /// on the first differing byte), so timing says nothing about the token.
    static func authorized(_ header: String?, token: String) -> Bool {
        guard let header, header.hasPrefix("Bearer ") else { return false }
        let presented = Array(header.dropFirst("Bearer ".count).utf8)
        let expected = Array(token.utf8)
        var difference = UInt8(presented.count == expected.count ? 0 : 1)
        for index in 0..<expected.count {
            difference |= expected[index] ^ (index < presented.count ? presented[index] : 0)
        }
        return difference == 0
    }
}

/// Linux's `struct ucred` (hidden by glibc without _GNU_SOURCE): what SO_PEERCRED returns.
struct PeerCredentials: Sendable {
    var pid: Int32 = 0
    var uid: UInt32 = 0
    var gid: UInt32 = 0
}
